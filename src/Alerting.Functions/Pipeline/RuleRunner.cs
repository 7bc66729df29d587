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
/// One evaluation tick: every rule group whose interval has elapsed is evaluated over the sample store
/// (PromQL reads each selector's series over the range it needs, from blocks and the head), its state
/// claimed and saved in Tables, its recorded series stored as a tick, and the alerts Prometheus would
/// send go to the "alerts" queue. A failing group is logged and never stops the others.
/// </summary>
public sealed partial class RuleRunner(
    ConfigProvider config,
    Scrape.ScrapeRunner scrape,
    ScrapeTickStore ticks,
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

    public async Task RunTickAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var files = retention.Usable(config.RuleFiles());
        var store = await samples.QuerierAsync(SeriesSelection.Of(RuleRetention.Selectors(files)), ct).ConfigureAwait(false);
        var context = new RuleEvaluationContext(ExternalLabels(), options.Value.ExternalUrl, options.Value.ResendDelay);
        foreach (var group in files.SelectMany(f => f.Groups))
        {
            try
            {
                await EvaluateGroupAsync(group, store, now, context, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogGroupFailed(logger, e, group.Name, group.File);
            }
        }
        await deadMansSwitch.OnEvaluationAsync(succeeded: true, ct).ConfigureAwait(false);
    }

    private async Task EvaluateGroupAsync(RuleGroup group, Core.Model.ISeriesSource store, DateTimeOffset now, RuleEvaluationContext context, CancellationToken ct)
    {
        var loaded = await state.LoadAsync(group, ct).ConfigureAwait(false);
        // Allow a little early firing: timer jitter must not make a 30s group skip a 15s tick pair.
        if (loaded.LastEvaluatedAt is { } last && now - last < group.Interval - TimeSpan.FromSeconds(1))
        {
            return;
        }
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
            // Written even when empty, so series that stopped being produced get staleness markers.
            var samples = result.Recorded.SelectMany(s => s.Samples.Select(x => new CollectedSample(s.Labels, x.Value, x.TimestampMs))
                .Concat(s.Histograms.Select(x => new CollectedSample(s.Labels, 0, x.TimestampMs) { Histogram = x.Histogram }))).ToArray();
            await ticks.WriteAsync(new ScrapeTick("__rules__/" + group.Key, now.ToUnixTimeMilliseconds(), [new TargetSamples(group.Key, samples)]), ct).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Evaluated group {Group}: {Firing} firing, {Pending} pending, {Sent} sent")]
    private static partial void LogEvaluated(ILogger logger, string group, int firing, int pending, int sent);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rule group {Group} in {File} failed")]
    private static partial void LogGroupFailed(ILogger logger, Exception e, string group, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {Rule} in group {Group} is unhealthy: {Error}")]
    private static partial void LogRuleError(ILogger logger, string group, string rule, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {Group} was evaluated by another instance; dropped this result")]
    private static partial void LogLostClaim(ILogger logger, string group);
}
