using Alerting.Core.Collection.Config;
using Alerting.Core.Collection.Targets;
using Alerting.Core.Storage;
using Alerting.Functions.Options;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Scraping;

/// <summary>
/// One scrape tick: every job is scraped (the timer's schedule is the scrape interval) with bounded concurrency (a hanging
/// target costs its own timeout, not the tick) and stored as one immutable tick per job.
/// </summary>
public sealed partial class ScrapeRunner(
    TargetScraper scraper,
    ScrapeTickStore ticks,
    TimeProvider time,
    IOptions<AlertingOptions> options,
    ILogger<ScrapeRunner> logger)
{
    private readonly Lock _gate = new();
    private CollectionConfig? _config;
    private string? _stamp;

    public CollectionConfig Config()
    {
        var path = ConfigProvider.ResolvePath(options.Value.ScrapeConfigPath);
        var stamp = File.Exists(path) ? File.GetLastWriteTimeUtc(path).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture) : "missing";
        lock (_gate)
        {
            if (_config is null || stamp != _stamp)
            {
                _config = ScrapeConfigLoader.Load(path);
                _stamp = stamp;
            }
            return _config;
        }
    }

    public async Task RunTickAsync(CancellationToken ct)
    {
        var config = Config();
        var now = time.GetUtcNow();
        var tickMs = now.ToUnixTimeMilliseconds();
        foreach (var job in config.ScrapeConfigs)
        {
            var targets = Targets(job).ToArray();
            var results = new TargetSamples[targets.Length];
            await Parallel.ForEachAsync(Enumerable.Range(0, targets.Length), new ParallelOptions { MaxDegreeOfParallelism = options.Value.ScrapeConcurrency, CancellationToken = ct }, async (i, token) =>
            {
                results[i] = await scraper.ScrapeAsync(targets[i], job, tickMs, token).ConfigureAwait(false);
            }).ConfigureAwait(false);
            await ticks.WriteAsync(new ScrapeTick(job.JobName, tickMs, results), ct).ConfigureAwait(false);
            await ticks.PruneAsync(job.JobName, tickMs - (long)options.Value.SampleRetention.TotalMilliseconds, ct).ConfigureAwait(false);
            LogScraped(logger, job.JobName, targets.Length, results.Count(r => r.Samples.Any(s => s.Labels.Name == "up" && s.Value == 1)));
        }
    }

    private IEnumerable<ScrapeTarget> Targets(ScrapeConfig job)
    {
        foreach (var group in job.StaticConfigs)
        {
            foreach (var labels in group.TargetLabelSets())
            {
                var built = TargetBuilder.Build(labels, job);
                if (built.Target is not null)
                {
                    yield return built.Target;
                }
                else if (built.Error is not null)
                {
                    LogBadTarget(logger, job.JobName, labels.ToString(), built.Error);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scraped job {Job}: {Targets} targets, {Up} up")]
    private static partial void LogScraped(ILogger logger, string job, int targets, int up);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: target {Labels} dropped: {Error}")]
    private static partial void LogBadTarget(ILogger logger, string job, string labels, string error);
}
