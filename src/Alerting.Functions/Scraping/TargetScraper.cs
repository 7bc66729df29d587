using System.Diagnostics;
using Alerting.Core.Collection.Config;
using Alerting.Core.Collection.Exposition;
using Alerting.Core.Collection.Relabel;
using Alerting.Core.Collection.Targets;
using Alerting.Core.Model;
using Alerting.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Scraping;

/// <summary>
/// Scrapes one target like Prometheus: one GET within the target's timeout, the whole body parsed or
/// nothing kept (a malformed line fails the scrape with its line number), metric relabelling,
/// honor_labels, sample_limit, then the synthetic <c>up</c> and <c>scrape_*</c> series.
/// </summary>
public sealed partial class TargetScraper(IHttpClientFactory httpFactory, ILogger<TargetScraper> logger)
{
    public async Task<TargetSamples> ScrapeAsync(ScrapeTarget target, ScrapeConfig config, long tickMs, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        IReadOnlyList<CollectedSample> samples = [];
        var scraped = 0;
        var up = 0.0;
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
                throw new ScrapeFailedException($"server returned HTTP status {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            var result = ExpositionParser.Parse(body, response.Content.Headers.ContentType?.ToString());
            scraped = result.Samples.Count;
            samples = Process(result, target, config, tickMs);
            up = 1;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or ExpositionParseException or ScrapeFailedException && !ct.IsCancellationRequested)
        {
            var reason = e is OperationCanceledException ? $"context deadline exceeded after {target.Timeout.TotalSeconds}s" : e.Message;
            LogScrapeFailed(logger, target.Job, target.Instance, reason);
        }
        var duration = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var all = new List<CollectedSample>(samples.Count + 5);
        all.AddRange(samples);
        Synthetic(all, target.Labels, "up", up, tickMs);
        Synthetic(all, target.Labels, "scrape_duration_seconds", duration, tickMs);
        Synthetic(all, target.Labels, "scrape_samples_scraped", scraped, tickMs);
        Synthetic(all, target.Labels, "scrape_samples_post_metric_relabeling", samples.Count, tickMs);
        Synthetic(all, target.Labels, "scrape_series_added", samples.Count, tickMs);
        return new TargetSamples(target.Instance, all);
    }

    private static IReadOnlyList<CollectedSample> Process(ScrapeResult result, ScrapeTarget target, ScrapeConfig config, long tickMs)
    {
        var output = new List<CollectedSample>(result.Samples.Count);
        foreach (var s in result.Samples)
        {
            var labels = MergeTargetLabels(s.Labels, target.Labels, config.HonorLabels);
            if (config.MetricRelabelConfigs.Count > 0)
            {
                var relabelled = Relabeler.Process(labels, config.MetricRelabelConfigs);
                if (relabelled is null)
                {
                    continue;
                }
                labels = relabelled;
            }
            var ts = config.HonorTimestamps && s.TimestampMs is { } own ? own : tickMs;
            output.Add(new CollectedSample(labels, s.Value, ts));
        }
        if (config.SampleLimit > 0 && output.Count > config.SampleLimit)
        {
            throw new ScrapeFailedException($"sample limit exceeded: {output.Count} > {config.SampleLimit}");
        }
        return output;
    }

    /// <summary>
    /// Prometheus' label precedence: target labels are attached to every sample; on a clash the
    /// scraped value is kept as <c>exported_&lt;name&gt;</c>, unless honor_labels keeps the scraped one.
    /// </summary>
    public static Labels MergeTargetLabels(Labels scraped, Labels target, bool honorLabels)
    {
        var result = scraped.ToDictionary();
        foreach (var l in target)
        {
            if (result.TryGetValue(l.Name, out var existing))
            {
                if (honorLabels)
                {
                    continue;
                }
                var exported = "exported_" + l.Name;
                while (result.ContainsKey(exported))
                {
                    exported = "exported_" + exported;
                }
                result[exported] = existing;
            }
            result[l.Name] = l.Value;
        }
        return Labels.From(result);
    }

    private static void Synthetic(List<CollectedSample> into, Labels target, string name, double value, long ts) =>
        into.Add(new CollectedSample(target.With(Labels.MetricName, name), value, ts));

    private sealed class ScrapeFailedException(string message) : Exception(message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scrape of {Job}/{Instance} failed: {Reason}")]
    private static partial void LogScrapeFailed(ILogger logger, string job, string instance, string reason);
}
