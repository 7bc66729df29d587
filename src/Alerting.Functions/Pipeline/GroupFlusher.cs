using Alerting.Core.Grouping;
using Alerting.Core.Model;
using Alerting.Functions.Notify;
using Alerting.Functions.Options;
using Alerting.Functions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Pipeline;

/// <summary>
/// The "notifications" queue handler: flushes one aggregation group. It loads what the flush depends on
/// (the group's alerts, silences, the notification log of each integration), asks the pure
/// <see cref="FlushPlanner"/> what the flush does, sends what the plan says through the one
/// <see cref="Deliverer"/>, and saves the log. A redelivered flush skips integrations already logged under its token, so a retry
/// after a partial failure resends only what failed. Afterwards resolved alerts leave the group and the
/// next flush is scheduled group_interval later, or the empty group is deleted.
/// </summary>
public sealed partial class GroupFlusher(
    ConfigProvider config,
    AlertStore alerts,
    GroupStore groups,
    InhibitSourceStore inhibitSources,
    NotificationLogStore log,
    SilenceStore silences,
    QueueSender queues,
    Deliverer deliverer,
    TimeProvider time,
    IOptions<AlertingOptions> options,
    ILogger<GroupFlusher> logger)
{
    public async Task FlushAsync(FlushGroupMessage message, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var group = await groups.GetHeaderAsync(message.GroupId, ct).ConfigureAwait(false);
        if (group is null || group.FlushToken != message.Token)
        {
            return; // superseded or duplicate flush
        }
        if (message.NotBefore > now)
        {
            // Arrived early (delays are scaled, or the queue woke us early): wait the remainder.
            await queues.SendAsync(StorageNames.NotificationsQueue, message, message.NotBefore - now, ct).ConfigureAwait(false);
            return;
        }

        // Copies of one flush can run at once (at-least-once delivery, several instances). Only the copy
        // that claims the group by ETag sends; the others stop here and are deleted.
        var claimId = Guid.NewGuid().ToString("N");
        var claimed = await ClaimAsync(group.GroupId, message.Token, claimId, now, ct).ConfigureAwait(false);
        if (claimed is null)
        {
            // Another copy holds the claim. If its holder died mid-flush, the claim lapses: try again then
            // rather than drop the chain. If it finishes, it rotates the token and this copy is stale.
            if (await groups.GetHeaderAsync(message.GroupId, ct).ConfigureAwait(false) is { ClaimedUntil: { } until } held
                && held.FlushToken == message.Token && until > now)
            {
                await queues.SendAsync(StorageNames.NotificationsQueue, message, until - now, ct).ConfigureAwait(false);
            }
            return;
        }
        group = claimed.Group;
        try
        {
            await FlushClaimedAsync(group, message, claimed.EarlierAttempt, now, ct).ConfigureAwait(false);
        }
        catch
        {
            // Let the redelivered message claim again at once instead of waiting for the claim to lapse.
            await ReleaseAsync(group.GroupId, claimId, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// How long a claim holds if its holder dies without releasing it. Short, so a crash mid-flush delays
    /// the group by well under a minute; a live flush sends within seconds (in-process retries are bounded
    /// by Alerting:Delivery), and its queue lease is renewed meanwhile.
    /// </summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromSeconds(45);

    /// <summary>A won claim: the group as claimed, and when an earlier unfinished attempt of the flush began.</summary>
    private sealed record Claim(GroupRecord Group, DateTimeOffset? EarlierAttempt);

    private async Task<Claim?> ClaimAsync(string groupId, string token, string claimId, DateTimeOffset now, CancellationToken ct)
    {
        DateTimeOffset? earlier = null;
        var claimed = await groups.UpdateAsync(groupId, g =>
        {
            if (g is null || g.FlushToken != token || g.IsClaimedByOther(claimId, now))
            {
                return (g, false);
            }
            // The first claim of a flush records when it began; a later claim finds it and knows an
            // attempt came before (crashed, or failed), whose sends may have reached receivers unrecorded.
            earlier = g.AttemptedAt;
            return (g with { ClaimedBy = claimId, ClaimedUntil = now + ClaimLease, AttemptedAt = g.AttemptedAt ?? now }, true);
        }, ct, withMembers: false).ConfigureAwait(false);
        return claimed && await groups.GetAsync(groupId, ct).ConfigureAwait(false) is { } fresh && fresh.ClaimedBy == claimId
            ? new Claim(fresh, earlier)
            : null;
    }

    private async Task ReleaseAsync(string groupId, string claimId, CancellationToken ct)
    {
        try
        {
            await groups.UpdateAsync(groupId, g => g?.ClaimedBy == claimId ? (g with { ClaimedBy = null, ClaimedUntil = null }, true) : (g, false), ct, withMembers: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Best effort, whatever the failure (also the storage SDK's AggregateException after retries): the claim
            // lapses after ClaimLease anyway; the original failure matters more.
        }
    }

    private async Task FlushClaimedAsync(GroupRecord group, FlushGroupMessage message, DateTimeOffset? unrecordedSince, DateTimeOffset now, CancellationToken ct)
    {
        var (am, templates) = config.Alertmanager();
        var receiver = am.GetReceiver(group.Receiver);
        var integrations = receiver is null ? [] : Integration.For(receiver);
        var held = await alerts.GetManyAsync(group.Fingerprints, ct).ConfigureAwait(false);
        var logStates = new List<IntegrationLogState>();
        foreach (var integration in integrations)
        {
            var last = await log.GetAsync(group.GroupId, integration.Id, ct).ConfigureAwait(false);
            logStates.Add(new IntegrationLogState(integration.Id, integration.SendResolved, last?.Entry, last?.FlushToken));
        }
        var plan = FlushPlanner.Plan(new FlushRequest
        {
            GroupKey = group.GroupKey,
            Receiver = group.Receiver,
            FlushToken = message.Token,
            Now = now,
            Alerts = held.Select(h => h.Alert).ToArray(),
            Config = am,
            Route = am.Root.Walk().FirstOrDefault(r => r.Id == group.RouteId),
            Silences = await silences.ListAsync(ct).ConfigureAwait(false),
            InhibitionSources = am.InhibitRules.Count == 0 ? [] : await InhibitionSourcesAsync(am, now, ct).ConfigureAwait(false),
            Escalation = config.Escalation(),
            Integrations = logStates,
            RepeatInterval = group.RepeatInterval,
            GroupInterval = group.GroupInterval,
        });
        switch (plan.Outcome)
        {
            case FlushOutcome.UnknownReceiver:
                LogUnknownReceiver(logger, group.Receiver, group.GroupKey);
                break;
            case FlushOutcome.MutedByTimeInterval:
                LogMuted(logger, group.GroupKey);
                break;
        }

        var failures = new List<Exception>();
        foreach (var step in plan.Steps.Where(s => s.Action is IntegrationAction.Send or IntegrationAction.LogOnly))
        {
            var integration = integrations.First(i => i.Id == step.IntegrationId);
            if (step.Action == IntegrationAction.LogOnly)
            {
                await log.WriteAsync(group.GroupId, integration.Id, step.Entry, message.Token, delivered: false, group.RepeatInterval, ct).ConfigureAwait(false);
                continue;
            }
            var notification = new Notification(group.Receiver, group.GroupLabels, step.Alerts, now, options.Value.ExternalUrl, group.GroupKey)
            {
                Templates = templates,
                DeliveryId = $"{group.GroupId}/{message.Token}/{integration.Id}",
                SendKey = step.SendKey,
                UnrecordedAttemptSince = unrecordedSince,
            };
            var result = await deliverer.DeliverAsync(integration, notification, ct).ConfigureAwait(false);
            switch (result.Status)
            {
                case DeliveryStatus.Delivered:
                    await log.WriteAsync(group.GroupId, integration.Id, step.Entry, message.Token, delivered: true, group.RepeatInterval, ct).ConfigureAwait(false);
                    LogNotified(logger, group.Receiver, integration.Id, step.Entry.FiringFingerprints.Count, step.Entry.ResolvedFingerprints.Count, group.GroupKey);
                    break;
                case DeliveryStatus.Rejected:
                    // Retrying an identical request cannot succeed; record it so we do not loop (the deliverer said so loudly).
                    await log.WriteAsync(group.GroupId, integration.Id, step.Entry, message.Token, delivered: false, group.RepeatInterval, ct).ConfigureAwait(false);
                    break;
                case DeliveryStatus.Failed:
                    failures.Add(result.Error!);
                    break;
            }
        }
        if (failures.Count > 0)
        {
            // Redelivery retries only the failed integrations (the others logged this token).
            throw new AggregateException($"flush of group {group.GroupKey} failed for {failures.Count} integration(s)", failures);
        }
        await FinishFlushAsync(group, plan.ResolvedAtFlush, plan.NextFlushAt, now, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The firing alerts that can inhibit, from their own index: the flush never reads all alerts, except
    /// once to build the index after the inhibit rules changed.
    /// </summary>
    private async Task<IReadOnlyList<Labels>> InhibitionSourcesAsync(Core.Alertmanager.AlertmanagerConfig am, DateTimeOffset now, CancellationToken ct) =>
        await inhibitSources.FiringAsync(am.InhibitRules, now, ct).ConfigureAwait(false)
        ?? await inhibitSources.BuildAsync(am.InhibitRules, await alerts.ListAsync(ct).ConfigureAwait(false), now, ct).ConfigureAwait(false);

    private async Task FinishFlushAsync(GroupRecord group, IReadOnlySet<string> resolvedAtFlush, DateTimeOffset nextFlushAt, DateTimeOffset now, CancellationToken ct)
    {
        var next = await groups.UpdateAsync<IReadOnlySet<string>, GroupRecord?>(
            group.GroupId,
            // Read after the group on every attempt: only alerts still resolved now leave it, since one may
            // have fired again meanwhile (the router stores an alert before it touches the group).
            async (latest, token) => latest is null ? new HashSet<string>() : (await alerts.GetManyAsync(resolvedAtFlush.Intersect(latest.Fingerprints), token).ConfigureAwait(false))
                .Where(a => a.Alert.IsResolvedAt(now))
                .Select(a => a.Alert.Fingerprint)
                .ToHashSet(StringComparer.Ordinal),
            (latest, stillResolved) =>
            {
                if (latest is null || latest.FlushToken != group.FlushToken)
                {
                    return (latest, null);
                }
                var remaining = latest.Fingerprints.Where(f => !stillResolved.Contains(f)).ToArray();
                if (remaining.Length == 0)
                {
                    return (null, null);
                }
                var following = latest with
                {
                    Fingerprints = remaining,
                    FlushToken = Guid.NewGuid().ToString("N"),
                    NextFlushAt = nextFlushAt,
                    ClaimedBy = null,
                    ClaimedUntil = null,
                    AttemptedAt = null,
                };
                return (following, following);
            },
            ct).ConfigureAwait(false);
        if (next is not null)
        {
            await queues.SendAsync(StorageNames.NotificationsQueue, new FlushGroupMessage(next.GroupId, next.FlushToken, next.NextFlushAt), next.GroupInterval, ct).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Notified {Receiver}/{Integration}: {Firing} firing, {Resolved} resolved, group {GroupKey}")]
    private static partial void LogNotified(ILogger logger, string receiver, string integration, int firing, int resolved, string groupKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {GroupKey} is muted by its time intervals; nothing sent")]
    private static partial void LogMuted(ILogger logger, string groupKey);

    [LoggerMessage(Level = LogLevel.Error, Message = "Receiver {Receiver} for group {GroupKey} no longer exists in the configuration")]
    private static partial void LogUnknownReceiver(ILogger logger, string receiver, string groupKey);
}
