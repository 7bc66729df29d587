using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Alerting.Core.Scrape.Config;
using Alerting.Core.Exposition;
using Alerting.Core.Scrape.Json;
using Alerting.Core.Scrape.Probe;
using Alerting.Core.Scrape;
using Alerting.Core.Discovery;
using Alerting.Core.Tsdb.Wal;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Scrape;

/// <summary>
/// Scrapes one target like Prometheus: one request within the target's timeout, then the whole body is
/// parsed or nothing is kept (a malformed line fails the scrape with its line number). The body is a
/// Prometheus/OpenMetrics exposition, a JSON document mapped by the job's <c>json_exporter</c>, or, for an
/// <c>http_probe</c> job, the probe's own verdict (blackbox-style series). Label merging, metric
/// relabelling, sample_limit and the synthetic <c>up</c>/<c>scrape_*</c> series are Core's
/// <see cref="ScrapeAssembler"/>; staleness across scrapes is derived when ticks are read back.
/// </summary>
public sealed partial class TargetScraper(ScrapeClients clients, ILogger<TargetScraper> logger)
{
    public async Task<TargetSamples> ScrapeAsync(ScrapeTarget target, ScrapeConfig config, long tickMs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(config);
        var started = Stopwatch.GetTimestamp();
        var (result, error) = config.HttpProbe is { } probe
            ? await ProbeAsync(target, config, probe, ct).ConfigureAwait(false)
            : await FetchAsync(target, config, ct).ConfigureAwait(false);
        var report = ScrapeAssembler.Assemble(target, config, result, error, DateTimeOffset.FromUnixTimeMilliseconds(tickMs), Stopwatch.GetElapsedTime(started));
        Telemetry.AlertingTelemetry.TargetScraped(config.JobName, Stopwatch.GetElapsedTime(started));
        if (report.Error is not null)
        {
            LogScrapeFailed(logger, target.Job, target.Instance, report.Error);
        }
        var samples = report.Samples.SelectMany(s => s.Samples.Select(x => new CollectedSample(s.Labels, x.Value, x.TimestampMs))).ToArray();
        return new TargetSamples(target.Instance, samples, result?.Metadata.Values.ToArray());
    }

    private async Task<(ScrapeResult? Result, string? Error)> FetchAsync(ScrapeTarget target, ScrapeConfig config, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(target.Timeout);
            using var request = new HttpRequestMessage(HttpMethod.Get, target.Url);
            request.Headers.TryAddWithoutValidation("Accept", config.JsonExporter is not null ? "application/json"
                : config.ScrapeProtocols is null && !config.ScrapeNativeHistograms ? ExpositionParser.AcceptHeader
                : ScrapeProtocols.AcceptHeader(config.EffectiveScrapeProtocols));
            request.Headers.TryAddWithoutValidation("X-Prometheus-Scrape-Timeout-Seconds", target.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture));
            Authorize(request, config);
            using var response = await clients.For(config).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"server returned HTTP status {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            var body = await ReadBodyAsync(response, config.BodySizeLimitBytes, timeout.Token).ConfigureAwait(false);
            if (body is null)
            {
                return (null, $"body size limit exceeded ({config.BodySizeLimitBytes} bytes)");
            }
            return config.JsonExporter is { } mapping
                ? (JsonMetricMapper.Map(body, mapping), null)
                : (ScrapeProtocols.Parse(body, response.Content.Headers.ContentType?.ToString(), new ProtobufOptions(config.ScrapeNativeHistograms, config.AlwaysScrapeClassicHistograms, config.ConvertClassicHistogramsToNhcb)), null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, $"context deadline exceeded after {target.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s");
        }
        catch (Exception e) when (e is HttpRequestException or ExpositionParseException or IOException or System.Security.Cryptography.CryptographicException)
        {
            return (null, e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message);
        }
    }

    /// <summary>
    /// An HTTP health check: the probe's series are the scrape body, so the scrape itself is "up" whenever
    /// the probe ran and the endpoint's health is <c>probe_success</c>, as with blackbox_exporter.
    /// </summary>
    private async Task<(ScrapeResult? Result, string? Error)> ProbeAsync(ScrapeTarget target, ScrapeConfig config, HttpProbeConfig probe, CancellationToken ct)
    {
        var limit = probe.Timeout is { } t && t < target.Timeout ? t : target.Timeout;
        var started = Stopwatch.GetTimestamp();
        var phases = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        ProbeOutcome outcome;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(limit);
            using var request = new HttpRequestMessage(new HttpMethod(probe.Method.ToUpperInvariant()), target.Url);
            foreach (var (name, value) in probe.Headers)
            {
                if (!request.Headers.TryAddWithoutValidation(name, value) && probe.Body is null)
                {
                    LogHeaderIgnored(logger, target.Job, name);
                }
            }
            if (probe.Body is { } requestBody)
            {
                request.Content = new StringContent(requestBody, Encoding.UTF8);
                foreach (var (name, value) in probe.Headers)
                {
                    if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
                    {
                        request.Content.Headers.Remove(name);
                        request.Content.Headers.TryAddWithoutValidation(name, value);
                    }
                }
            }
            Authorize(request, config);
            using var response = await clients.For(config).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var headersAt = Stopwatch.GetElapsedTime(started);
            phases["processing"] = headersAt;
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            var total = Stopwatch.GetElapsedTime(started);
            phases["transfer"] = total - headersAt;
            outcome = new ProbeOutcome
            {
                StatusCode = (int)response.StatusCode,
                Duration = total,
                Phases = phases,
                Body = body,
                ContentLength = Encoding.UTF8.GetByteCount(body),
                HttpVersion = response.Version,
                Tls = target.Url.Scheme == Uri.UriSchemeHttps,
            };
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            outcome = new ProbeOutcome { Duration = Stopwatch.GetElapsedTime(started), Error = $"timeout after {limit.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s" };
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Security.Cryptography.CryptographicException)
        {
            outcome = new ProbeOutcome { Duration = Stopwatch.GetElapsedTime(started), Error = e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message };
        }
        var evaluation = ProbeSeries.From(outcome, probe);
        if (!evaluation.Success)
        {
            LogProbeFailed(logger, target.Job, target.Instance, evaluation.FailureReason ?? "failed");
        }
        return (evaluation.ToScrapeResult(), null);
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpResponseMessage response, long limit, CancellationToken ct)
    {
        if (limit <= 0)
        {
            return await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        }
        if (response.Content.Headers.ContentLength > limit)
        {
            return null;
        }
        using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static void Authorize(HttpRequestMessage request, ScrapeConfig config) =>
        request.Headers.Authorization = HttpClientConfigs.AuthorizationHeader(config.HttpConfig);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scrape of {Job}/{Instance} failed: {Reason}")]
    private static partial void LogScrapeFailed(ILogger logger, string job, string instance, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Probe of {Job}/{Instance} failed: {Reason}")]
    private static partial void LogProbeFailed(ILogger logger, string job, string instance, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: probe header {Header} cannot be sent on a request without a body")]
    private static partial void LogHeaderIgnored(ILogger logger, string job, string header);
}
