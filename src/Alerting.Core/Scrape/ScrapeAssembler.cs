using Alerting.Core.Scrape.Config;
using Alerting.Core.Exposition;
using Alerting.Core.Discovery;
using Alerting.Core.Model;

namespace Alerting.Core.Scrape;

/// <summary>Everything one scrape of one target stores, plus what the next scrape needs for staleness.</summary>
public sealed record ScrapeReport(
    bool Up,
    string? Error,
    IReadOnlyList<Series> Samples,
    IReadOnlySet<Labels> CurrentSeries,
    int SamplesScraped,
    int SamplesPostRelabel);

/// <summary>
/// Prometheus' per-scrape bookkeeping as a pure function: target-label merge (honor_labels),
/// metric_relabel_configs, honor_timestamps, sample_limit, the synthetic <c>up</c>,
/// <c>scrape_duration_seconds</c>, <c>scrape_samples_scraped</c>,
/// <c>scrape_samples_post_metric_relabeling</c>, <c>scrape_series_added</c> series, and staleness markers
/// for series that vanished since the previous scrape (all of them when the scrape failed).
/// </summary>
public static class ScrapeAssembler
{
    /// <param name="result">The parsed body, or null when the scrape failed before a body was parsed.</param>
    /// <param name="error">Why the scrape failed (connection, HTTP status, parse error); null on success.</param>
    /// <param name="previousSeries">The <see cref="ScrapeReport.CurrentSeries"/> of this target's previous scrape.</param>
    public static ScrapeReport Assemble(
        ScrapeTarget target,
        ScrapeConfig cfg,
        ScrapeResult? result,
        string? error,
        DateTimeOffset scrapeStart,
        TimeSpan duration,
        IReadOnlySet<Labels>? previousSeries = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(cfg);
        var ts = scrapeStart.ToUnixTimeMilliseconds();
        var scraped = result?.Samples.Count ?? 0;
        var kept = new List<Series>();
        var current = new HashSet<Labels>();

        if (error is null && result is null)
        {
            error = "no scrape result";
        }
        if (error is null)
        {
            foreach (var s in result!.Samples)
            {
                var labels = SampleLabels.Merge(s.Labels, target.Labels, cfg.HonorLabels, cfg.MetricRelabelConfigs);
                if (labels is null)
                {
                    continue;
                }
                if (!current.Add(labels))
                {
                    // Relabelling can fold two series into one; Prometheus keeps the first and counts a duplicate.
                    continue;
                }
                var sampleTs = cfg.HonorTimestamps && s.TimestampMs is { } explicitTs ? explicitTs : ts;
                kept.Add(s.Histogram is { } h
                    ? new Series(labels, [], [new Model.Histograms.HistogramSample(sampleTs, h)])
                    : new Series(labels, [new Sample(sampleTs, s.Value)]));
            }
            if (cfg.SampleLimit > 0 && kept.Count > cfg.SampleLimit)
            {
                error = "sample limit exceeded";
            }
        }

        var postRelabel = kept.Count;
        var added = previousSeries is null ? current.Count : current.Count(l => !previousSeries.Contains(l));
        if (error is not null)
        {
            kept.Clear();
            current.Clear();
            added = 0;
        }

        var output = new List<Series>(kept.Count + 8);
        output.AddRange(kept);
        if (previousSeries is not null)
        {
            foreach (var gone in previousSeries)
            {
                if (!current.Contains(gone))
                {
                    output.Add(new Series(gone, [new Sample(ts, Sample.StaleNaN)]));
                }
            }
        }
        var up = error is null;
        output.Add(Synthetic(target, "up", ts, up ? 1 : 0));
        output.Add(Synthetic(target, "scrape_duration_seconds", ts, duration.TotalSeconds));
        output.Add(Synthetic(target, "scrape_samples_scraped", ts, scraped));
        output.Add(Synthetic(target, "scrape_samples_post_metric_relabeling", ts, postRelabel));
        output.Add(Synthetic(target, "scrape_series_added", ts, added));
        return new ScrapeReport(up, error, output, current, scraped, postRelabel);
    }

    private static Series Synthetic(ScrapeTarget target, string name, long ts, double value) =>
        new(target.Labels.With(Labels.MetricName, name), [new Sample(ts, value)]);
}
