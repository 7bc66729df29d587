using Alerting.Core.Model;
using Alerting.Functions.Storage;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Pipeline;

/// <summary>
/// The "alerts" queue handler: stores each alert (merged with what we hold), finds its routes in the
/// Alertmanager tree and adds it to each route's aggregation group. A new group gets its first flush
/// scheduled after group_wait; an existing group already has a flush chain. Idempotent: replaying a
/// batch merges to the same state and adds no duplicate members or flushes.
/// </summary>
public sealed partial class AlertRouter(
    ConfigProvider config,
    AlertStore alerts,
    GroupStore groups,
    QueueSender queues,
    IncidentService incidents,
    TimeProvider time,
    ILogger<AlertRouter> logger)
{
    public async Task RouteAsync(AlertBatchMessage batch, CancellationToken ct)
    {
        var (am, _) = config.Alertmanager();
        var now = time.GetUtcNow();
        foreach (var message in batch.Alerts)
        {
            var (alert, timeout) = Normalize(message, now, am.Global.ResolveTimeout);
            var stored = await alerts.MergeAsync(alert, timeout, now, ct).ConfigureAwait(false);
            await incidents.OnAlertAsync(stored.Alert, ct).ConfigureAwait(false);
            foreach (var route in am.Root.Match(alert.Labels))
            {
                await AddToGroupAsync(route, alert, now, ct).ConfigureAwait(false);
            }
        }
        LogRouted(logger, batch.Alerts.Count, batch.Source);
    }

    /// <summary>Alertmanager's defaults for a received alert: start now, and end after resolve_timeout if no end was given.</summary>
    public static (Alert Alert, bool EndsAtIsTimeout) Normalize(AlertMessage m, DateTimeOffset now, TimeSpan resolveTimeout)
    {
        var starts = m.StartsAt is { } s && s > DateTimeOffset.UnixEpoch ? s : now;
        var timeout = m.EndsAt is null || m.EndsAt <= DateTimeOffset.UnixEpoch;
        var ends = timeout ? now + resolveTimeout : m.EndsAt!.Value;
        return (new Alert(m.Labels, m.Annotations ?? Labels.Empty, starts, ends, m.GeneratorUrl ?? string.Empty), timeout);
    }

    private async Task AddToGroupAsync(Core.Alertmanager.RouteMatch route, Alert alert, DateTimeOffset now, CancellationToken ct)
    {
        var groupLabels = route.GroupLabels(alert.Labels);
        var groupKey = route.GroupKey(alert.Labels);
        var id = GroupStore.IdFor(route.Receiver, groupKey);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var group = await groups.GetAsync(id, ct).ConfigureAwait(false);
            if (group is null)
            {
                var token = Guid.NewGuid().ToString("N");
                var firstFlush = Core.Dispatch.FirstFlush.At(alert.StartsAt, now, route.GroupWait);
                var fresh = new GroupRecord(id, groupKey, route.RouteId, route.Receiver, groupLabels, [alert.Fingerprint], token,
                    firstFlush, route.GroupWait, route.GroupInterval, route.RepeatInterval, now);
                if (await groups.TryAddAsync(fresh, ct).ConfigureAwait(false))
                {
                    await queues.SendAsync(StorageNames.NotificationsQueue, new FlushGroupMessage(id, token, firstFlush), firstFlush - now, ct).ConfigureAwait(false);
                    return;
                }
                continue;
            }
            var members = group.Fingerprints.Contains(alert.Fingerprint, StringComparer.Ordinal)
                ? group.Fingerprints
                : [.. group.Fingerprints, alert.Fingerprint];
            // A flush chain whose message was lost (poisoned, deleted by hand) would leave the group
            // silent forever; restart it when it is clearly overdue.
            var overdue = Core.Escalation.RearmPlan.FlushOverdue(group.NextFlushAt, group.ClaimedUntil, now);
            // An alert that started over group_wait ago sends a group that has not flushed yet at once.
            var early = !overdue && !ReferenceEquals(members, group.Fingerprints)
                && Core.Dispatch.FirstFlush.BringForward(group.CreatedAt, group.NextFlushAt, alert.StartsAt, now, group.GroupWait);
            if (ReferenceEquals(members, group.Fingerprints) && !overdue)
            {
                return;
            }
            var updated = group with { Fingerprints = members };
            if (overdue || early)
            {
                updated = updated with { FlushToken = Guid.NewGuid().ToString("N"), NextFlushAt = now };
            }
            if (await groups.TryReplaceAsync(updated, ct).ConfigureAwait(false))
            {
                if (overdue || early)
                {
                    if (overdue)
                    {
                        LogRestartedFlush(logger, id);
                    }
                    await queues.SendAsync(StorageNames.NotificationsQueue, new FlushGroupMessage(id, updated.FlushToken, now), ct).ConfigureAwait(false);
                }
                return;
            }
        }
        throw new InvalidOperationException($"could not add alert {alert.Fingerprint} to group {id} after repeated write conflicts");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Routed {Count} alerts from {Source}")]
    private static partial void LogRouted(ILogger logger, int count, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {GroupId} had no live flush; restarted it")]
    private static partial void LogRestartedFlush(ILogger logger, string groupId);
}
