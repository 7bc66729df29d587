using Alerting.Core.Model;
using Alerting.Core.Scrape.Config;
using Alerting.Core.Push;
using Alerting.Core.Discovery;
using Alerting.Core.FanOut;
using Alerting.Core.Tsdb.Wal;
using Alerting.Functions.Options;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Alerting.Functions.Tsdb;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Scrape;

/// <summary>
/// Scraping, fanned out over instances. The <c>Scrape</c> timer only plans (<see cref="PlanTickAsync"/>):
/// it discovers every job's targets, lets <see cref="ScrapeSharding"/> hash them into shards of about
/// <see cref="ScrapeOptions.ShardSize"/> targets and queues one message per shard (and one for the pushed
/// groups) on "scrapes". Whichever instance takes a message (<see cref="ScrapeShardAsync"/>) scrapes that
/// shard's targets with bounded concurrency, so a hanging target costs its own timeout, and writes the
/// shard to the sample store's log as its own immutable tick. A message still unhandled when the next tick
/// is planned does nothing: that tick covers its shard. Compaction, not the scrape, removes old ticks.
/// </summary>
public sealed partial class ScrapeRunner(
    TargetScraper scraper,
    TargetDiscovery discovery,
    FlyDiscovery fly,
    ConfigProvider configs,
    ScrapeTickStore ticks,
    PushGroupStore pushes,
    QueueSender queues,
    TimeProvider time,
    IOptions<AlertingOptions> options,
    IOptions<ScrapeOptions> scrapeOptions,
    ILogger<ScrapeRunner> logger)
{
    /// <summary>
    /// The tick partition of pushed series (beside recording rules' <c>__rules__/</c>, a name no scrape job
    /// takes); the series themselves keep their pushed <c>job</c> label, as with honor_labels.
    /// </summary>
    public const string PushJob = "__pushgateway__";

    /// <summary>The scrape configuration of the snapshot in force.</summary>
    public CollectionConfig Config() => configs.Scrape();

    /// <summary>
    /// Plans one tick: one message per shard of every job, stamped with the tick's time and superseded at
    /// <paramref name="nextTick"/> (the timer's next occurrence; without one, a global scrape interval later).
    /// </summary>
    public async Task<IReadOnlyList<ScrapeShardWork>> PlanTickAsync(DateTimeOffset? nextTick, CancellationToken ct)
    {
        var config = Config();
        var configDir = ConfigDirectory(config);
        var tickMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        // Discovery of all jobs at once: one slow http_sd endpoint must not delay every other job's plan.
        var discovered = await Task.WhenAll(config.ScrapeConfigs.Select(job => discovery.GroupsAsync(job, configDir, ct))).ConfigureAwait(false);
        var jobs = config.ScrapeConfigs.Select((job, i) => (job.JobName, Targets(job, discovered[i]).Count())).Append((PushJob, 0)).ToArray();
        var nextMs = nextTick?.ToUnixTimeMilliseconds() ?? tickMs + (long)config.Global.ScrapeInterval.TotalMilliseconds;
        var plan = ScrapeSharding.Plan(jobs, tickMs, nextMs, scrapeOptions.Value.ShardSize);
        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (work, token) =>
            await queues.SendAsync(StorageNames.ScrapesQueue, work, token).ConfigureAwait(false)).ConfigureAwait(false);
        LogPlanned(logger, plan.Count, jobs.Length - 1, jobs.Sum(j => j.Item2));
        return plan;
    }

    /// <summary>Scrapes one shard of one job (or stores the pushed groups) and writes it as the shard's tick.</summary>
    public async Task ScrapeShardAsync(ScrapeShardWork work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (ScrapeSharding.IsSuperseded(work, time.GetUtcNow().ToUnixTimeMilliseconds()))
        {
            LogSuperseded(logger, work.Job, work.Index, work.Count, work.TickMs);
            return;
        }
        if (work.Job == PushJob)
        {
            await WritePushTickAsync(work.TickMs, ct).ConfigureAwait(false);
            return;
        }
        var config = Config();
        if (config.ScrapeConfigs.FirstOrDefault(j => j.JobName == work.Job) is not { } configured)
        {
            LogJobGone(logger, work.Job);
            return;
        }
        if (!work.Shard.IsWhole && await ticks.ShardWrittenAsync(work.Job, work.TickMs, work.Shard, ct).ConfigureAwait(false))
        {
            LogAlreadyWritten(logger, work.Job, work.Index, work.Count, work.TickMs);
            return;
        }
        var configDir = ConfigDirectory(config);
        var groups = await discovery.GroupsAsync(configured, configDir, reuseKnown: true, ct).ConfigureAwait(false);
        var job = ScrapeClients.ResolveFiles(configured, configDir);
        // Targets from this instance's discovery rather than carried in the message (a shard's targets can
        // outgrow a queue message): every target found belongs to exactly one shard of the planned count.
        var shard = work.Shard;
        var targets = Targets(configured, groups).Where(t => shard.Contains(t.Instance)).ToArray();
        var results = new TargetSamples[targets.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, targets.Length), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Value.ScrapeConcurrency), CancellationToken = ct }, async (i, token) =>
            results[i] = await scraper.ScrapeAsync(targets[i], job, work.TickMs, token).ConfigureAwait(false)).ConfigureAwait(false);
        if (job.FlySdConfigs.Count > 0 && shard.Contains(FlyMachinesInstance))
        {
            results = [.. results, FlyMachines(job, work.TickMs)];
        }
        await ticks.WriteAsync(new ScrapeTick(job.JobName, work.TickMs, results) { Shard = shard }, ct).ConfigureAwait(false);
        LogScraped(logger, job.JobName, work.Index, work.Count, results.Length, results.Count(r => r.Samples.Any(s => s.Labels.Name == "up" && s.Value == 1)));
    }

    private static string ConfigDirectory(CollectionConfig config) => Path.GetDirectoryName(Path.GetFullPath(config.SourcePath ?? ".")) ?? ".";

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
                    samples.Add(new CollectedSample(labels, s.Value, tickMs) { Histogram = s.Histogram });
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Scraped job {Job} shard {Shard} of {Shards}: {Targets} targets, {Up} up")]
    private static partial void LogScraped(ILogger logger, string job, int shard, int shards, int targets, int up);

    [LoggerMessage(Level = LogLevel.Information, Message = "Planned scrape tick: {Messages} shard messages for {Jobs} jobs, {Targets} targets")]
    private static partial void LogPlanned(ILogger logger, int messages, int jobs, int targets);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scrape of job {Job} shard {Shard} of {Shards} at {TickMs} arrived after the next tick was planned; that tick covers it")]
    private static partial void LogSuperseded(ILogger logger, string job, int shard, int shards, long tickMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scrape of job {Job} shard {Shard} of {Shards} at {TickMs} is already stored (a redelivered message)")]
    private static partial void LogAlreadyWritten(ILogger logger, string job, int shard, int shards, long tickMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scrape job {Job} is no longer configured; its shard message is dropped")]
    private static partial void LogJobGone(ILogger logger, string job);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored pushed metrics: {Groups} groups, {Samples} samples")]
    private static partial void LogPushed(ILogger logger, int groups, int samples);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: target {Labels} dropped: {Error}")]
    private static partial void LogBadTarget(ILogger logger, string job, string labels, string error);
}
