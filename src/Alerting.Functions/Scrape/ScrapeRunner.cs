using Alerting.Core.Model;
using Alerting.Core.Scrape.Config;
using Alerting.Core.Push;
using Alerting.Core.Discovery;
using Alerting.Core.Tsdb.Wal;
using Alerting.Functions.Options;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Alerting.Functions.Tsdb;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Scrape;

/// <summary>
/// One scrape tick: every target of every job (static and discovered) is scraped (the timer's schedule is
/// the scrape interval) with one bounded concurrency across all jobs, so a hanging target costs its own
/// timeout, not the tick, and a big job does not wait for a small one. Each job is written to the sample
/// store's log as one immutable tick as soon as it is scraped; pushed groups are written as the
/// <see cref="PushJob"/> tick. Compaction, not the scrape, removes old ticks.
/// </summary>
public sealed partial class ScrapeRunner(
    TargetScraper scraper,
    TargetDiscovery discovery,
    FlyDiscovery fly,
    ConfigProvider configs,
    ScrapeTickStore ticks,
    PushGroupStore pushes,
    TimeProvider time,
    IOptions<AlertingOptions> options,
    ILogger<ScrapeRunner> logger)
{
    /// <summary>
    /// The tick partition of pushed series (beside recording rules' <c>__rules__/</c>, a name no scrape job
    /// takes); the series themselves keep their pushed <c>job</c> label, as with honor_labels.
    /// </summary>
    public const string PushJob = "__pushgateway__";

    /// <summary>The scrape configuration of the snapshot in force.</summary>
    public CollectionConfig Config() => configs.Scrape();

    public async Task RunTickAsync(CancellationToken ct)
    {
        var config = Config();
        var configDir = Path.GetDirectoryName(Path.GetFullPath(config.SourcePath ?? ".")) ?? ".";
        var tickMs = time.GetUtcNow().ToUnixTimeMilliseconds();

        // Discovery of all jobs at once: one slow http_sd endpoint must not delay every other job's scrape.
        var discovered = await Task.WhenAll(config.ScrapeConfigs.Select(job => discovery.GroupsAsync(job, configDir, ct))).ConfigureAwait(false);
        var jobs = config.ScrapeConfigs.Select((job, i) => (Job: ScrapeClients.ResolveFiles(job, configDir), Targets: Targets(job, discovered[i]).ToArray())).ToList();
        var work = jobs.SelectMany((j, ji) => j.Targets.Select((_, ti) => (ji, ti))).ToArray();
        var results = jobs.Select(j => new TargetSamples[j.Targets.Length]).ToArray();
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Value.ScrapeConcurrency), CancellationToken = ct }, async (w, token) =>
        {
            var (job, targets) = jobs[w.ji];
            results[w.ji][w.ti] = await scraper.ScrapeAsync(targets[w.ti], job, tickMs, token).ConfigureAwait(false);
        }).ConfigureAwait(false);

        for (var i = 0; i < jobs.Count; i++)
        {
            var job = jobs[i].Job;
            if (job.FlySdConfigs.Count > 0)
            {
                results[i] = [.. results[i], FlyMachines(job, tickMs)];
            }
            await ticks.WriteAsync(new ScrapeTick(job.JobName, tickMs, results[i]), ct).ConfigureAwait(false);
            LogScraped(logger, job.JobName, results[i].Length, results[i].Count(r => r.Samples.Any(s => s.Labels.Name == "up" && s.Value == 1)));
        }
        await WritePushTickAsync(tickMs, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The pushed groups as a scrape of a Pushgateway with <c>honor_labels: true</c>: every series keeps its
    /// pushed job and grouping labels, and no instance is invented for groups pushed without one.
    /// Stored even when empty (once anything was pushed) so deleted groups go stale.
    /// </summary>
    private async Task WritePushTickAsync(long tickMs, CancellationToken ct)
    {
        if (!await pushes.ExistsAsync(ct).ConfigureAwait(false))
        {
            return;
        }
        var groups = await pushes.ReadAsync(ct).ConfigureAwait(false);
        var targetLabels = Labels.From((PromNames.Job, PushJob));
        var targets = new List<TargetSamples>(groups.Count);
        foreach (var group in groups)
        {
            var gathered = new PushStore(time, [group]).Gather();
            var samples = new List<CollectedSample>(gathered.Count);
            foreach (var s in gathered)
            {
                if (SampleLabels.Merge(s.Labels, targetLabels, honorLabels: true) is { } labels)
                {
                    samples.Add(new CollectedSample(labels, s.Value, tickMs));
                }
            }
            targets.Add(new TargetSamples(group.Key.ToString(), samples));
        }
        await ticks.WriteAsync(new ScrapeTick(PushJob, tickMs, targets), ct).ConfigureAwait(false);
        LogPushed(logger, targets.Count, targets.Sum(t => t.Samples.Count));
    }

    /// <summary>
    /// The Fly machine-state series of a job with fly_sd_configs, stored with the job's scrapes as one more
    /// target (<see cref="FlyMachinesInstance"/>) so a machine that leaves goes stale like a scraped series.
    /// </summary>
    private TargetSamples FlyMachines(ScrapeConfig job, long tickMs)
    {
        var series = fly.Series(job);
        var jobLabel = Labels.From((PromNames.Job, job.JobName));
        var samples = new List<CollectedSample>(series.Count);
        foreach (var (labels, value) in series)
        {
            if (SampleLabels.Merge(labels, jobLabel, honorLabels: true) is { } merged)
            {
                samples.Add(new CollectedSample(merged, value, tickMs));
            }
        }
        return new TargetSamples(FlyMachinesInstance, samples);
    }

    /// <summary>The tick target holding a job's Fly machine-state series (not a scraped instance).</summary>
    public const string FlyMachinesInstance = "__fly_machines__";

    private IEnumerable<ScrapeTarget> Targets(ScrapeConfig job, IReadOnlyList<TargetGroup> groups)
    {
        // Two discovery sources may name the same target; Prometheus scrapes a label set once.
        var seen = new HashSet<Labels>();
        foreach (var group in groups)
        {
            foreach (var labels in group.TargetLabelSets())
            {
                var built = TargetBuilder.Build(labels, job);
                if (built.Target is not null)
                {
                    if (seen.Add(built.Target.Labels))
                    {
                        yield return built.Target;
                    }
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored pushed metrics: {Groups} groups, {Samples} samples")]
    private static partial void LogPushed(ILogger logger, int groups, int samples);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: target {Labels} dropped: {Error}")]
    private static partial void LogBadTarget(ILogger logger, string job, string labels, string error);
}
