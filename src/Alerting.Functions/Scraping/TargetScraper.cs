using System.Diagnostics;
using Alerting.Core.Collection.Config;
using Alerting.Core.Collection.Exposition;
using Alerting.Core.Collection.Scrape;
using Alerting.Core.Collection.Targets;
using Alerting.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Scraping;

/// <summary>
/// Scrapes one target like Prometheus: one GET within the target's timeout, then the whole body is
/// parsed or nothing is kept (a malformed line fails the scrape with its line number). Label merging,
/// metric relabelling, sample_limit and the synthetic <c>up</c>/<c>scrape_*</c> series are Core's
/// <see cref="ScrapeAssembler"/>; staleness across scrapes is derived when ticks are read back.
/// </summary>
public sealed partial class TargetScraper(IHttpClientFactory httpFactory, ILogger<TargetScraper> logger)
{
    public async Task<TargetSamples> ScrapeAsync(ScrapeTarget target, ScrapeConfig config, long tickMs, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        ScrapeResult? result = null;
        string? error = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(target.Timeout);
            using var request = new HttpRequestMessage(HttpMethod.Get, target.Url);
            request.Headers.TryAddWithoutValidation("Accept", ExpositionParser.AcceptHeader);
            request.Headers.TryAddWithoutValidation("X-Prometheus-Scrape-Timeout-Seconds", target.Timeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var response = await httpFactory.CreateClient("scrape").SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                error = $"server returned HTTP status {(int)response.StatusCode} {response.ReasonPhrase}";
            }
            else
            {
                var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
                result = ExpositionParser.Parse(body, response.Content.Headers.ContentType?.ToString());
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            error = $"context deadline exceeded after {target.Timeout.TotalSeconds}s";
        }
        catch (Exception e) when (e is HttpRequestException or ExpositionParseException)
        {
            error = e.Message;
        }
        var report = ScrapeAssembler.Assemble(target, config, result, error, DateTimeOffset.FromUnixTimeMilliseconds(tickMs), Stopwatch.GetElapsedTime(started));
        if (report.Error is not null)
        {
            LogScrapeFailed(logger, target.Job, target.Instance, report.Error);
        }
        var samples = report.Samples.SelectMany(s => s.Samples.Select(x => new CollectedSample(s.Labels, x.Value, x.TimestampMs))).ToArray();
        return new TargetSamples(target.Instance, samples);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scrape of {Job}/{Instance} failed: {Reason}")]
    private static partial void LogScrapeFailed(ILogger logger, string job, string instance, string reason);
}
