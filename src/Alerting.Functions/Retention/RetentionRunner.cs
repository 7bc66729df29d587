using Alerting.Core.Alertmanager;
using Alerting.Core.Retention;
using Alerting.Functions.Options;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Retention;

/// <summary>What one retention run removed or repaired.</summary>
public sealed record RetentionReport(
    int Alerts,
    int GroupsRestarted,
    int EmptyGroups,
    int Notifications,
    int Incidents,
    int AuditRows,
    int LinkNonces,
    int Silences,
    int Sources,
    int PagerDutyKeys);

/// <summary>
/// The "Retention" timer's work: loads what the tables hold, asks <see cref="RetentionPlanner"/> what has
/// expired, and deletes it, each delete conditional on the row being unchanged since it was read (a row
/// that changed meanwhile is simply kept until the next run). It also restarts the flush chain of a group
/// whose flush message was lost. Cheap and idempotent, so several instances may run it at once.
/// </summary>
public sealed partial class RetentionRunner(
    ConfigProvider config,
    AlertStore alerts,
    GroupStore groups,
    NotificationLogStore log,
    IncidentStore incidents,
    AuditStore audit,
    LinkNonceStore nonces,
    SilenceStore silences,
    InhibitSourceStore sources,
    QueueSender queues,
    IOptions<RetentionOptions> options,
    TimeProvider time,
    ILogger<RetentionRunner> logger)
{
    private const int Concurrency = 16;

    public async Task<RetentionReport> RunAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var policy = options.Value.ToPolicy();

        // Groups before alerts: an alert joins its groups right after it is stored, so an alert stored after
        // the group scan is also one received too recently to be deleted.
        var heldGroups = await groups.ListAsync(ct).ConfigureAwait(false);
        var heldAlerts = await alerts.ListTimesAsync(ct).ConfigureAwait(false);
        var logged = await log.ListAsync(ct).ConfigureAwait(false);
        var heldIncidents = await incidents.ListAsync(ct).ConfigureAwait(false);
        var indexedSources = await sources.ListAsync(ct).ConfigureAwait(false);
        var pagerDutyKeys = await incidents.ListPagerDutyKeysAsync(ct).ConfigureAwait(false);

        var open = heldAlerts.Where(a => !(a.EndsAt <= now)).Select(a => a.Fingerprint).ToHashSet(StringComparer.Ordinal);
        var snapshot = new RetentionSnapshot(
            heldAlerts.Select(a => new HeldAlert(a.Fingerprint, a.EndsAt, a.UpdatedAt)).ToArray(),
            heldGroups.Select(g => new HeldGroup(g.GroupId, g.Fingerprints, g.NextFlushAt, g.GroupInterval, g.ClaimedUntil)).ToArray(),
            logged.Select(l => l.Entry).ToArray(),
            heldIncidents.Select(i => new HeldIncident(
                i.AlertId,
                open.Contains(i.AlertId),
                Latest(i.FiringSince, i.Ack.Since, i.Ack.SnoozedUntil ?? DateTimeOffset.MinValue),
                i.PagerDuty.Select(p => IncidentStore.KeyRow(p.DedupKey)).Distinct(StringComparer.Ordinal).ToArray())).ToArray(),
            indexedSources.Select(s => s.Source).ToArray(),
            pagerDutyKeys.Select(k => new IndexedPagerDutyKey(k.Row, k.AlertId)).ToArray(),
            CurrentRuleSet());
        var plan = RetentionPlanner.Plan(snapshot, now, policy);

        var alertETags = heldAlerts.ToDictionary(a => a.Fingerprint, a => a.ETag, StringComparer.Ordinal);
        var deletedAlerts = await CountAsync(plan.AlertsToDelete, (fp, token) => alerts.TryDeleteAsync(fp, alertETags[fp], token), ct).ConfigureAwait(false);
        var restarted = await CountAsync(plan.GroupsToRestart, (id, token) => RestartAsync(id, now, token), ct).ConfigureAwait(false);
        var emptied = await CountAsync(plan.EmptyGroupsToDelete, (id, token) => groups.UpdateAsync(id,
            g => g is not null && g.Fingerprints.Count == 0 && RetentionPlanner.IsStalled(Held(g), now) ? (null, true) : (g, false), token), ct).ConfigureAwait(false);
        var logETags = logged.ToDictionary(l => (l.Entry.GroupId, l.Entry.Integration), l => l.ETag);
        var forgotten = await CountAsync(plan.NotificationsToForget, (n, token) => log.TryDeleteAsync(n.GroupId, n.Integration, logETags[(n.GroupId, n.Integration)], token), ct).ConfigureAwait(false);
        var incidentsById = heldIncidents.ToDictionary(i => i.AlertId, StringComparer.Ordinal);
        var deletedIncidents = await CountAsync(plan.IncidentsToDelete, (id, token) => incidents.TryDeleteAsync(incidentsById[id], token), ct).ConfigureAwait(false);
        await CountAsync(plan.IncidentsToReindex, async (id, token) =>
        {
            await incidents.IndexPagerDutyAsync(id, incidentsById[id].PagerDuty, token).ConfigureAwait(false);
            return true;
        }, ct).ConfigureAwait(false);
        var keys = await CountAsync(plan.PagerDutyKeysToForget, async (row, token) =>
        {
            await incidents.ForgetPagerDutyKeyRowAsync(row, token).ConfigureAwait(false);
            return true;
        }, ct).ConfigureAwait(false);
        var sourceETags = indexedSources.ToDictionary(s => (s.Source.RuleSet, s.Source.Fingerprint), s => s.ETag);
        var forgottenSources = await CountAsync(plan.SourcesToForget, (s, token) => sources.TryDeleteAsync(s, sourceETags[(s.RuleSet, s.Fingerprint)], token), ct).ConfigureAwait(false);
        var auditRows = await audit.PurgeAsync(plan.AuditBefore, ct).ConfigureAwait(false);
        var linkNonces = await nonces.PurgeAsync(now, ct).ConfigureAwait(false);
        var silenced = await silences.PurgeAsync(now, policy.Data, ct).ConfigureAwait(false);

        var report = new RetentionReport(deletedAlerts, restarted, emptied, forgotten, deletedIncidents, auditRows, linkNonces, silenced, forgottenSources, keys);
        LogRun(logger, report.Alerts, report.GroupsRestarted, report.EmptyGroups, report.Notifications, report.Incidents, report.AuditRows, report.LinkNonces, report.Silences, report.Sources);
        return report;
    }

    /// <summary>Gives a stalled group a new flush token and queues its flush now, unless someone else did first.</summary>
    private async Task<bool> RestartAsync(string groupId, DateTimeOffset now, CancellationToken ct)
    {
        var restarted = await groups.UpdateAsync(groupId, g =>
        {
            if (g is null || g.Fingerprints.Count == 0 || !RetentionPlanner.IsStalled(Held(g), now))
            {
                return (g, (GroupRecord?)null);
            }
            var next = g with { FlushToken = Guid.NewGuid().ToString("N"), NextFlushAt = now, ClaimedBy = null, ClaimedUntil = null };
            return (next, next);
        }, ct).ConfigureAwait(false);
        if (restarted is null)
        {
            return false;
        }
        LogRestarted(logger, groupId, restarted.NextFlushAt);
        await queues.SendAsync(StorageNames.NotificationsQueue, new FlushGroupMessage(groupId, restarted.FlushToken, restarted.NextFlushAt), ct).ConfigureAwait(false);
        return true;
    }

    private string? CurrentRuleSet()
    {
        try
        {
            return InhibitSources.Key(config.Alertmanager().Config.InhibitRules);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Without a configuration that loads, no index partition is known to be stale.
            return null;
        }
    }

    private static HeldGroup Held(GroupRecord g) => new(g.GroupId, g.Fingerprints, g.NextFlushAt, g.GroupInterval, g.ClaimedUntil);

    private static DateTimeOffset Latest(params DateTimeOffset[] times) => times.Max();

    private static async Task<int> CountAsync<T>(IEnumerable<T> items, Func<T, CancellationToken, Task<bool>> act, CancellationToken ct)
    {
        var done = 0;
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = ct }, async (item, token) =>
        {
            if (await act(item, token).ConfigureAwait(false))
            {
                Interlocked.Increment(ref done);
            }
        }).ConfigureAwait(false);
        return done;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: deleted {Alerts} resolved alerts, restarted {Restarted} stalled groups, deleted {Empty} empty groups, {Notifications} notification log entries, {Incidents} incidents, {Audit} audit rows, {Nonces} link nonces, {Silences} silences, {Sources} inhibition source rows")]
    private static partial void LogRun(ILogger logger, int alerts, int restarted, int empty, int notifications, int incidents, int audit, int nonces, int silences, int sources);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {GroupId} had no live flush (its message was lost); queued a new one for {At}")]
    private static partial void LogRestarted(ILogger logger, string groupId, DateTimeOffset at);
}
