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
/// The messages of concurrent invocations are handled together (<see cref="GroupCommit{T}"/>): one
/// conditional write per alert and one membership write per group for the whole batch, all sent through
/// <see cref="TableBatcher"/>, so they travel in shared transactions. A message completes only after every
/// alert of its batch is stored and in its groups; each step is idempotent, so a redelivered message merges to the same state
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

    // Batches of messages routed at once while none is full: two, so one batch's slowest round trip
    // overlaps the next batch's work. The Functions host runs batchSize + newBatchThreshold (24)
    // invocations at a time, so under load each batch carries several messages.
    private const int BatchesInFlight = 2;

    // A batch stops growing here (a full one goes at once, without waiting for a slot).
    private const int MaxAlertsPerBatch = 2_000;

    private GroupCommit<Delivery>? _batches;

    /// <summary>Concurrent invocations' messages, routed together.</summary>
    private GroupCommit<Delivery> Batches => LazyInitializer.EnsureInitialized(ref _batches,
        () => new GroupCommit<Delivery>(RouteTogetherAsync, BatchesInFlight, MaxAlertsPerBatch, d => Math.Max(1, d.Batch.Alerts.Count), isolateFailures: true));

    public Task RouteAsync(AlertBatchMessage batch, CancellationToken ct) => RouteAsync(batch, redelivered: false, ct);

    /// <summary>
    /// Routes one message's alerts, in a batch with the messages other invocations on this instance are
    /// routing at the same time: their alerts share one merge, one inhibition record and one membership
    /// write per group. Completes when this message's alerts are stored and in their groups; if the
    /// batch fails, this message is routed again alone, and only its own failure is thrown (so a message
    /// that can never be stored does not take every batch it joins to the poison queue with it).
    /// </summary>
    /// <param name="redelivered">The message was received before (its dequeue count is above 1).</param>
    public Task RouteAsync(AlertBatchMessage batch, bool redelivered, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Batches.SubmitAsync(new Delivery(batch, redelivered), ct);
    }

    /// <summary>A received message and whether it was received before.</summary>
    private sealed record Delivery(AlertBatchMessage Batch, bool Redelivered);

    // Shared by every message of the batch, so it runs on no one invocation's token.
    private async Task RouteTogetherAsync(IReadOnlyList<Delivery> deliveries)
    {
        var ct = CancellationToken.None;
        var (am, _) = config.Alertmanager();
        var now = time.GetUtcNow();
        // In arrival order: alerts with one fingerprint in several messages merge as received one after the other.
        var incoming = deliveries
            .SelectMany(d => d.Batch.Alerts.Select(m => (Normalized: Normalize(m, now, am.Global.ResolveTimeout), d.Redelivered)))
            .ToArray();

        var stored = await alerts.MergeAsync(incoming.Select(i => i.Normalized).ToArray(), now, ct).ConfigureAwait(false);
        await inhibitSources.RecordAsync(am.InhibitRules, stored, ct).ConfigureAwait(false);
        await Parallel.ForEachAsync(stored, new ParallelOptions { MaxDegreeOfParallelism = IncidentConcurrency, CancellationToken = ct }, async (s, token) =>
            await incidents.OnAlertAsync(s.Alert, token).ConfigureAwait(false)).ConfigureAwait(false);

        var memberships = Memberships(am, incoming.Select(i => (i.Normalized.Alert, i.Redelivered)), now);
        await Task.WhenAll(memberships.Select(m => JoinAsync(m, now, ct))).ConfigureAwait(false);
        foreach (var d in deliveries)
        {
            LogRouted(logger, d.Batch.Alerts.Count, d.Batch.Source);
        }
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
    /// its members, the earliest start among them (which decides whether its first flush waits group_wait)
    /// and whether a redelivered message brought any of them.
    /// </summary>
    private static IReadOnlyList<Membership> Memberships(AlertmanagerConfig am, IEnumerable<(Alert Alert, bool Redelivered)> alerts, DateTimeOffset now)
    {
        var byGroup = new Dictionary<string, (RouteMatch Route, Labels Labels, DateTimeOffset OldestStart, HashSet<string> Members, bool Redelivered)>(StringComparer.Ordinal);
        foreach (var (alert, redelivered) in alerts)
        {
            foreach (var route in am.Root.Match(alert.Labels))
            {
                var id = GroupStore.IdFor(route.Receiver, route.GroupKey(alert.Labels));
                if (!byGroup.TryGetValue(id, out var group))
                {
                    group = (route, alert.Labels, alert.StartsAt, new HashSet<string>(StringComparer.Ordinal), false);
                }
                group.Members.Add(alert.Fingerprint);
                byGroup[id] = group with { OldestStart = alert.StartsAt < group.OldestStart ? alert.StartsAt : group.OldestStart, Redelivered = group.Redelivered || redelivered };
            }
        }
        return byGroup.Select(g =>
            {
                var (route, labels, oldest, members, redelivered) = g.Value;
                var fresh = new GroupRecord(g.Key, route.GroupKey(labels), route.RouteId, route.Receiver, route.GroupLabels(labels), [], Guid.NewGuid().ToString("N"),
                    FirstFlush.At(oldest, now, route.GroupWait), route.GroupWait, route.GroupInterval, route.RepeatInterval, now);
                return (fresh, oldest, members, redelivered);
            })
            .SelectMany(g => g.members.Order(StringComparer.Ordinal).Chunk(GroupStore.MembersPerWrite).Select(chunk => new Membership(g.fresh, chunk, g.oldest, g.redelivered)))
            .ToArray();
    }

    /// <param name="Redelivered">A redelivered message brought some of the members: the group's pending flush is sent again.</param>
    private sealed record Membership(GroupRecord Fresh, IReadOnlyList<string> Members, DateTimeOffset OldestStart, bool Redelivered);

    private enum Restart { None, Overdue, Early }

    private async Task JoinAsync(Membership membership, DateTimeOffset now, CancellationToken ct)
    {
        var (fresh, members, oldestStart, redelivered) = membership;
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
