using Alerting.Core.FanOut;
using Alerting.Core.PromQL;
using Alerting.Core.Rules;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Wal;
using Alerting.Functions.Options;
using Alerting.Functions.Storage;
using Alerting.Functions.Tsdb;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Pipeline;

/// <summary>
/// Rule evaluation, fanned out over instances. The <c>Evaluate</c> timer only plans (<see cref="PlanAsync"/>):
/// from each group's last evaluation and Prometheus' aligned slot (<see cref="EvaluationPlanner"/>) it queues
/// one message per due group on "evaluations". Whichever instance takes a message (<see cref="EvaluateAsync"/>)
/// evaluates that group at the planning run's time over the sample store (PromQL reads each selector's series
/// over the range it needs, from blocks and the head), claims the group's state row by ETag and saves it in
/// Tables, stores its recorded series as a tick, and sends the alerts Prometheus would send to the "alerts"
/// queue. A duplicate or late message does nothing; a lost one is planned again by the next timer run while
/// its slot lasts. A failing group is logged and never stops the others.
/// </summary>
public sealed partial class RuleRunner(
    ConfigProvider config,
    Scrape.ScrapeRunner scrape,
    SampleStore samples,
    SampleRetention retention,
    RuleStateStore state,
    QueueSender queues,
    TimeProvider time,
    IOptions<AlertingOptions> options,
    Heartbeats.DeadMansSwitch deadMansSwitch,
    Remote.RemoteDatasources datasources,
    IOptions<Remote.RemoteOptions> remoteOptions,
    ILogger<RuleRunner> logger)
{
    private readonly RuleGroupEvaluator _evaluator = new(new PromQlEngine());

    /// <summary>Queues one evaluation per group whose current slot has not been evaluated.</summary>
    public async Task<IReadOnlyList<GroupEvaluationWork>> PlanAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var groups = retention.Usable(config.RuleFiles()).SelectMany(f => f.Groups).ToArray();
        var last = new DateTimeOffset?[groups.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, groups.Length), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
            last[i] = await state.LastEvaluatedAsync(groups[i], token).ConfigureAwait(false)).ConfigureAwait(false);
        var read = time.GetUtcNow();
        var plan = EvaluationPlanner.Plan(groups.Select((g, i) => new GroupSchedule(g.File, g.Name, g.Interval, last[i])), now);
        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (work, token) =>
        {
            if (work.Missed > 0)
            {
                LogMissed(logger, work.Name, work.File, work.Missed);
            }
            await queues.SendAsync(StorageNames.EvaluationsQueue, work, token).ConfigureAwait(false);
        }).ConfigureAwait(false);
        LogPlanned(logger, plan.Count, groups.Length, (read - now).TotalMilliseconds, (time.GetUtcNow() - read).TotalMilliseconds);
        await deadMansSwitch.OnEvaluationAsync(succeeded: true, ct).ConfigureAwait(false);
        return plan;
    }

    /// <summary>Evaluates one group at its planned timestamp, unless it was evaluated since or its next slot has begun.</summary>
    public async Task EvaluateAsync(GroupEvaluationWork work, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        var files = retention.Usable(config.RuleFiles());
        if (files.SelectMany(f => f.Groups).FirstOrDefault(g => g.File == work.File && g.Name == work.Name) is not { } group)
        {
            LogGroupGone(logger, work.Name, work.File);
            return;
        }
        try
        {
            var loaded = await state.LoadAsync(group, ct).ConfigureAwait(false);
            var (decision, evaluateAt) = EvaluationPlanner.Resolve(work, group.Interval, loaded.LastEvaluatedAt, time.GetUtcNow());
            if (decision != EvaluationDecision.Evaluate)
            {
                LogSkipped(logger, group.Name, work.Slot, decision);
                return;
            }
            var store = await samples.QuerierAsync(SeriesSelection.Of(RuleRetention.Selectors(files)), ct).ConfigureAwait(false);
            var context = new RuleEvaluationContext(ExternalLabels(), options.Value.ExternalUrl, options.Value.ResendDelay);
            await EvaluateGroupAsync(group, loaded, store, evaluateAt, context, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Logged, not thrown: a redelivered message would find the same broken group; the next slot tries again.
            LogGroupFailed(logger, e, group.Name, group.File);
        }
    }

    private async Task EvaluateGroupAsync(RuleGroup group, RuleGroupState loaded, Core.Model.ISeriesSource store, DateTimeOffset now, RuleEvaluationContext context, CancellationToken ct)
    {
        // A group a datasource covers is answered by that remote query API instead of the embedded store.
        var remote = datasources.For(group);
        var result = remote is not null
            ? _evaluator.Evaluate(group, remote, now, loaded.Alerts, context, ct)
            : _evaluator.Evaluate(group, store, now, loaded.Alerts, context, ct);
        if (remote is not null && loaded.LastEvaluatedAt is null)
        {
            // No state of ours for this group (a new instance or storage): take `for` progress back from the
            // datasource's ALERTS_FOR_STATE, as Prometheus does after a restart.
            var o = remoteOptions.Value;
            result = ForStateRestore.Restore(group, result, now, remote, new ForStateRestoreOptions { OutageTolerance = o.ForOutageTolerance, ForGracePeriod = o.ForGracePeriod }, ct);
        }
        if (!await state.TryClaimAsync(group, loaded, now, result.Health, ct).ConfigureAwait(false))
        {
            LogLostClaim(logger, group.Name);
            return;
        }
        await state.SaveAlertsAsync(group, loaded.Alerts, result.State, ct).ConfigureAwait(false);
        if (group.Rules.Count > 0)
        {
            // Written even when empty, so series that stopped being produced get staleness markers; into
            // this instance's head at once, so its next catch-up does not download it back.
            var recorded = result.Recorded.SelectMany(s => s.Samples.Select(x => new CollectedSample(s.Labels, x.Value, x.TimestampMs))
                .Concat(s.Histograms.Select(x => new CollectedSample(s.Labels, 0, x.TimestampMs) { Histogram = x.Histogram }))).ToArray();
            await samples.AppendOwnAsync(new ScrapeTick("__rules__/" + group.Key, now.ToUnixTimeMilliseconds(), [new TargetSamples(group.Key, recorded)]), ct).ConfigureAwait(false);
        }
        Telemetry.AlertingTelemetry.RuleGroupEvaluated(group.Name, TimeSpan.FromTicks(result.Health.Sum(h => h.Duration.Ticks)), result.Health.Count(h => h.Health == RuleHealth.Err));
        foreach (var status in result.Health.Where(h => h.Health == RuleHealth.Err))
        {
            LogRuleError(logger, group.Name, status.Rule, status.LastError ?? string.Empty);
        }
        if (result.ToSend.Count > 0)
        {
            foreach (var batch in Batches(result.ToSend.Select(AlertMessage.From)))
            {
                await queues.SendAsync(StorageNames.AlertsQueue, new AlertBatchMessage(batch, "rules:" + group.Name), ct).ConfigureAwait(false);
            }
        }
        LogEvaluated(logger, group.Name, result.State.Count(a => a.State == AlertState.Firing), result.State.Count(a => a.State == AlertState.Pending), result.ToSend.Count);
    }

    /// <summary>The <c>global.external_labels</c> of the scrape configuration, as Prometheus attaches them to alerts.</summary>
    private Core.Model.Labels ExternalLabels()
    {
        try
        {
            return scrape.Config().Global.ExternalLabels;
        }
        catch (Exception e) when (e is Core.Config.ConfigException or IOException)
        {
            return Core.Model.Labels.Empty;
        }
    }

    /// <summary>Splits alerts into queue messages that stay under the queue's size limit.</summary>
    public static IEnumerable<IReadOnlyList<AlertMessage>> Batches(IEnumerable<AlertMessage> alerts)
    {
        var batch = new List<AlertMessage>();
        var size = 0;
        foreach (var a in alerts)
        {
            var bytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(a, QueueSender.Json).Length;
            if (batch.Count > 0 && size + bytes > QueueSender.MaxMessageBytes - 1024)
            {
                yield return batch;
                batch = [];
                size = 0;
            }
            batch.Add(a);
            size += bytes + 1;
        }
        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Planned {Messages} evaluations of {Groups} groups: states read in {ReadMs:0} ms, messages sent in {SendMs:0} ms")]
    private static partial void LogPlanned(ILogger logger, int messages, int groups, double readMs, double sendMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Evaluated group {Group}: {Firing} firing, {Pending} pending, {Sent} sent")]
    private static partial void LogEvaluated(ILogger logger, string group, int firing, int pending, int sent);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rule group {Group} in {File} failed")]
    private static partial void LogGroupFailed(ILogger logger, Exception e, string group, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {Rule} in group {Group} is unhealthy: {Error}")]
    private static partial void LogRuleError(ILogger logger, string group, string rule, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule group {Group} in {File} missed {Missed} evaluations (not backfilled, as in Prometheus)")]
    private static partial void LogMissed(ILogger logger, string group, string file, int missed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rule group {Group} in {File} is no longer loaded; its evaluation message is dropped")]
    private static partial void LogGroupGone(ILogger logger, string group, string file);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Evaluation of group {Group} for slot {Slot} skipped: {Decision}")]
    private static partial void LogSkipped(ILogger logger, string group, DateTimeOffset slot, EvaluationDecision decision);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {Group} was evaluated by another instance; dropped this result")]
    private static partial void LogLostClaim(ILogger logger, string group);
}
