using Alerting.Core.Alertmanager;
using Alerting.Core.Grouping;
using Alerting.Core.Escalation;
using Alerting.Core.Model;
using Alerting.Functions.Storage;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Pipeline;

/// <summary>
/// The "alerts" queue handler: stores each alert (merged with what we hold), records the ones that can
/// inhibit others, starts or ends their escalation, finds their routes in the Alertmanager tree and adds
/// them to each route's aggregation group. A new group gets its first flush scheduled after group_wait (at once when
/// one of its alerts started over group_wait ago, <see cref="FirstFlush"/>);
/// an existing group already has a flush chain.
/// <para>
/// A whole message is handled at once: one conditional write per alert and one membership write per
/// group, all sent through <see cref="TableBatcher"/>, so the writes of concurrent messages to the same
/// partition or group travel in shared transactions. The message completes only after every alert is
/// stored and in its groups; each step is idempotent, so a redelivered message merges to the same state
/// and adds no duplicate members. A redelivery also re-sends the pending flush of each group it touches,
/// which a crash between creating a group and queueing its first flush would otherwise leave without one
/// (a duplicate flush message carries the same token and does nothing).
/// </para>
/// </summary>
public sealed partial class AlertRouter(
    ConfigProvider config,
    AlertStore alerts,
    GroupStore groups,
    InhibitSourceStore inhibitSources,
    QueueSender queues,
    IncidentService incidents,
    TimeProvider time,
    ILogger<AlertRouter> logger)
{
    // Escalation lookups run concurrently, but not as many at once as a message has alerts.
    private const int IncidentConcurrency = 16;

    public Task RouteAsync(AlertBatchMessage batch, CancellationToken ct) => RouteAsync(batch, redelivered: false, ct);

    /// <param name="redelivered">The message was received before (its dequeue count is above 1).</param>
    public async Task RouteAsync(AlertBatchMessage batch, bool redelivered, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var (am, _) = config.Alertmanager();
        var now = time.GetUtcNow();
        var incoming = batch.Alerts.Select(m => Normalize(m, now, am.Global.ResolveTimeout)).ToArray();

        var stored = await alerts.MergeAsync(incoming, now, ct).ConfigureAwait(false);
        await inhibitSources.RecordAsync(am.InhibitRules, stored, ct).ConfigureAwait(false);
        await Parallel.ForEachAsync(stored, new ParallelOptions { MaxDegreeOfParallelism = IncidentConcurrency, CancellationToken = ct }, async (s, token) =>
            await incidents.OnAlertAsync(s.Alert, token).ConfigureAwait(false)).ConfigureAwait(false);

        var memberships = Memberships(am, incoming.Select(i => i.Alert), now);
        await Task.WhenAll(memberships.Select(m => JoinAsync(m, redelivered, now, ct))).ConfigureAwait(false);
        LogRouted(logger, batch.Alerts.Count, batch.Source);
    }

    /// <summary>Alertmanager's defaults for a received alert: start now, and end after resolve_timeout if no end was given.</summary>
    public static (Alert Alert, bool EndsAtIsTimeout) Normalize(AlertMessage m, DateTimeOffset now, TimeSpan resolveTimeout)
    {
        ArgumentNullException.ThrowIfNull(m);
        var starts = m.StartsAt is { } s && s > DateTimeOffset.UnixEpoch ? s : now;
        var timeout = m.EndsAt is null || m.EndsAt <= DateTimeOffset.UnixEpoch;
        var ends = timeout ? now + resolveTimeout : m.EndsAt!.Value;
        return (new Alert(m.Labels, m.Annotations ?? Labels.Empty, starts, ends, m.GeneratorUrl ?? string.Empty), timeout);
    }

    /// <summary>
    /// Each group the alerts belong to (one per matching route and group key), as it would be created, with
    /// its members and the earliest start among them (which decides whether its first flush waits group_wait).
    /// </summary>
    private static IReadOnlyList<Membership> Memberships(AlertmanagerConfig am, IEnumerable<Alert> alerts, DateTimeOffset now)
    {
        var byGroup = new Dictionary<string, (RouteMatch Route, Labels Labels, DateTimeOffset OldestStart, HashSet<string> Members)>(StringComparer.Ordinal);
        foreach (var alert in alerts)
        {
            foreach (var route in am.Root.Match(alert.Labels))
            {
                var id = GroupStore.IdFor(route.Receiver, route.GroupKey(alert.Labels));
                if (!byGroup.TryGetValue(id, out var group))
                {
                    group = (route, alert.Labels, alert.StartsAt, new HashSet<string>(StringComparer.Ordinal));
                }
                group.Members.Add(alert.Fingerprint);
                byGroup[id] = group with { OldestStart = alert.StartsAt < group.OldestStart ? alert.StartsAt : group.OldestStart };
            }
        }
        return byGroup.Select(g =>
            {
                var (route, labels, oldest, members) = g.Value;
                var fresh = new GroupRecord(g.Key, route.GroupKey(labels), route.RouteId, route.Receiver, route.GroupLabels(labels), [], Guid.NewGuid().ToString("N"),
                    FirstFlush.At(oldest, now, route.GroupWait), route.GroupWait, route.GroupInterval, route.RepeatInterval, now);
                return (fresh, oldest, members);
            })
            .SelectMany(g => g.members.Order(StringComparer.Ordinal).Chunk(GroupStore.MembersPerWrite).Select(chunk => new Membership(g.fresh, chunk, g.oldest)))
            .ToArray();
    }

    private sealed record Membership(GroupRecord Fresh, IReadOnlyList<string> Members, DateTimeOffset OldestStart);

    private enum Restart { None, Overdue, Early }

    private async Task JoinAsync(Membership membership, bool redelivered, DateTimeOffset now, CancellationToken ct)
    {
        var (fresh, members, oldestStart) = membership;
        // The header is read while the members are written, not after: adding members changes none of the
        // fields the decision below reads, so the two round trips overlap and each message waits one fewer.
        var header = groups.GetHeaderAsync(fresh.GroupId, ct);
        GroupRecord? created;
        try
        {
            created = await groups.AddMembersAsync(fresh with { Fingerprints = members }, members, ct).ConfigureAwait(false);
        }
        catch
        {
            await ObserveAsync(header).ConfigureAwait(false);
            throw;
        }
        if (created is not null)
        {
            await ObserveAsync(header).ConfigureAwait(false);
            await ScheduleAsync(created, now, ct).ConfigureAwait(false);
            return;
        }
        // Absent when read: another message created the group meanwhile and scheduled its first flush.
        if (await header.ConfigureAwait(false) is not { } existing)
        {
            return;
        }
        // A flush chain whose message was lost (poisoned, deleted by hand) would leave the group silent
        // forever: restart it with a new token when it is clearly overdue, so a late old message is stale.
        // An alert that started over group_wait ago sends a group that has not flushed yet at once.
        Restart Decide(GroupRecord g) =>
            RearmPlan.FlushOverdue(g.NextFlushAt, g.ClaimedUntil, now) ? Restart.Overdue
            : FirstFlush.BringForward(g.CreatedAt, g.NextFlushAt, oldestStart, now, g.GroupWait) ? Restart.Early
            : Restart.None;
        if (Decide(existing) != Restart.None)
        {
            var restart = await groups.UpdateAsync(existing.GroupId, g => g is not null && Decide(g) is var d && d != Restart.None
                ? (g with { FlushToken = Guid.NewGuid().ToString("N"), NextFlushAt = now }, d)
                : (g, Restart.None), ct, withMembers: false).ConfigureAwait(false);
            if (restart != Restart.None && await groups.GetHeaderAsync(existing.GroupId, ct).ConfigureAwait(false) is { } restarted)
            {
                if (restart == Restart.Overdue)
                {
                    LogRestartedFlush(logger, restarted.GroupId);
                }
                await ScheduleAsync(restarted, now, ct).ConfigureAwait(false);
            }
            return;
        }
        if (redelivered)
        {
            LogResentFlush(logger, existing.GroupId);
            await ScheduleAsync(existing, now, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for a read whose answer is no longer needed, so its failure is not left unobserved.</summary>
    private static async Task ObserveAsync(Task<GroupRecord?> read)
    {
        try
        {
            await read.ConfigureAwait(false);
        }
        catch (Exception e) when (e is Azure.RequestFailedException or OperationCanceledException or System.Net.Http.HttpRequestException)
        {
        }
    }

    private Task ScheduleAsync(GroupRecord group, DateTimeOffset now, CancellationToken ct)
    {
        var delay = group.NextFlushAt > now ? group.NextFlushAt - now : TimeSpan.Zero;
        return queues.SendAsync(StorageNames.NotificationsQueue, new FlushGroupMessage(group.GroupId, group.FlushToken, group.NextFlushAt), delay, ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Routed {Count} alerts from {Source}")]
    private static partial void LogRouted(ILogger logger, int count, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {GroupId} had no live flush; restarted it")]
    private static partial void LogRestartedFlush(ILogger logger, string groupId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redelivered alerts: queued the pending flush of group {GroupId} again")]
    private static partial void LogResentFlush(ILogger logger, string groupId);
}
