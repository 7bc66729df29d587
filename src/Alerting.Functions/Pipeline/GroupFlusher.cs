using Alerting.Core.Dispatch;
using Alerting.Core.Model;
using Alerting.Core.Templating;
using Alerting.Functions.Notify;
using Alerting.Functions.Options;
using Alerting.Functions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Pipeline;

/// <summary>
/// The "notifications" queue handler: flushes one aggregation group. For each integration of the
/// group's receiver it applies Alertmanager's dedup decision against the notification log, renders and
/// sends, then logs. A redelivered flush skips integrations already logged under its token, so a retry
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
    IEnumerable<INotifier> notifiers,
    TimeProvider time,
    IOptions<AlertingOptions> options,
    ILogger<GroupFlusher> logger)
{
    private readonly Dictionary<string, INotifier> _notifiers = notifiers.ToDictionary(n => n.Kind, StringComparer.Ordinal);

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
        group = claimed;
        try
        {
            await FlushClaimedAsync(group, message, now, ct).ConfigureAwait(false);
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

    private async Task<GroupRecord?> ClaimAsync(string groupId, string token, string claimId, DateTimeOffset now, CancellationToken ct)
    {
        var claimed = await groups.UpdateAsync(groupId, g => g is null || g.FlushToken != token || g.IsClaimedByOther(claimId, now)
            ? (g, false)
            : (g with { ClaimedBy = claimId, ClaimedUntil = now + ClaimLease }, true), ct, withMembers: false).ConfigureAwait(false);
        return claimed && await groups.GetAsync(groupId, ct).ConfigureAwait(false) is { } fresh && fresh.ClaimedBy == claimId ? fresh : null;
    }

    private async Task ReleaseAsync(string groupId, string claimId, CancellationToken ct)
    {
        try
        {
            await groups.UpdateAsync(groupId, g => g?.ClaimedBy == claimId ? (g with { ClaimedBy = null, ClaimedUntil = null }, true) : (g, false), ct, withMembers: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Azure.RequestFailedException or ConcurrentUpdateException)
        {
            // Best effort: the claim lapses after ClaimLease anyway; the original failure matters more.
        }
    }

    private async Task FlushClaimedAsync(GroupRecord group, FlushGroupMessage message, DateTimeOffset now, CancellationToken ct)
    {
        var (am, templates) = config.Alertmanager();
        var held = await alerts.GetManyAsync(group.Fingerprints, ct).ConfigureAwait(false);
        var all = held.Select(h => h.Alert).OrderBy(a => a.Labels.ToString(), StringComparer.Ordinal).ToArray();
        var resolvedAll = all.Where(a => a.IsResolvedAt(now)).Select(a => a.Fingerprint).ToHashSet(StringComparer.Ordinal);
        // Alertmanager's mute stages run before dedup: inhibited alerts are not part of the notification.
        var current = WithoutEscalated(await WithoutMutedAsync(am, all, now, ct).ConfigureAwait(false), group.Receiver);
        var firing = current.Where(a => !a.IsResolvedAt(now)).Select(a => a.Fingerprint).ToHashSet(StringComparer.Ordinal);
        var resolved = current.Where(a => a.IsResolvedAt(now)).Select(a => a.Fingerprint).ToHashSet(StringComparer.Ordinal);

        var receiver = am.Receivers.FirstOrDefault(r => r.Name == group.Receiver);
        var route = am.Root.Walk().FirstOrDefault(r => r.Id == group.RouteId);
        var failures = new List<Exception>();
        if (receiver is null)
        {
            LogUnknownReceiver(logger, group.Receiver, group.GroupKey);
        }
        else if (route is not null && am.IsMuted(new Core.Alertmanager.RouteMatch(route), now))
        {
            LogMuted(logger, group.GroupKey);
        }
        else if (current.Count > 0)
        {
            foreach (var integration in Integration.For(receiver))
            {
                var error = await NotifyIntegrationAsync(integration, group, message.Token, current, firing, resolved, templates, now, ct).ConfigureAwait(false);
                if (error is not null)
                {
                    failures.Add(error);
                }
            }
        }
        if (failures.Count > 0)
        {
            // Redelivery retries only the failed integrations (the others logged this token).
            throw new AggregateException($"flush of group {group.GroupKey} failed for {failures.Count} integration(s)", failures);
        }
        await FinishFlushAsync(group, resolvedAll, now, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Alertmanager's mute stages: drops alerts that a firing source alert inhibits under the config's
    /// inhibit_rules, and alerts that an active silence matches (firing or resolved, as Alertmanager's
    /// silencer does). Silences are read at every flush, so one created after an alert fired still
    /// mutes its next notification, and expiring it lets the next one through.
    /// </summary>
    private async Task<IReadOnlyList<Alert>> WithoutMutedAsync(Core.Alertmanager.AlertmanagerConfig am, IReadOnlyList<Alert> candidates, DateTimeOffset now, CancellationToken ct)
    {
        var active = (await silences.ListAsync(ct).ConfigureAwait(false)).Where(s => s.IsActive(now)).ToArray();
        var unsilenced = candidates.Where(a => !active.Any(s => s.Matches(a.Labels))).ToArray();
        if (am.InhibitRules.Count == 0 || unsilenced.Length == 0)
        {
            return unsilenced;
        }
        // The firing alerts that can inhibit, from their own index: the flush never reads all alerts,
        // except once to build the index after the inhibit rules changed.
        var sources = await inhibitSources.FiringAsync(am.InhibitRules, now, ct).ConfigureAwait(false)
            ?? await inhibitSources.BuildAsync(am.InhibitRules, await alerts.ListAsync(ct).ConfigureAwait(false), now, ct).ConfigureAwait(false);
        var inhibitor = am.CreateInhibitor();
        return unsilenced.Where(a => a.IsResolvedAt(now) || !inhibitor.IsInhibited(a.Labels, sources)).ToArray();
    }

    /// <summary>
    /// Alerts an escalation policy covers reach the receivers its steps name through the escalation
    /// (Block Kit with an Acknowledge button, emails with a signed link, updated in place later), so the
    /// group notification to the same receiver leaves them out instead of announcing them twice.
    /// </summary>
    private IReadOnlyList<Alert> WithoutEscalated(IReadOnlyList<Alert> alerts, string receiver)
    {
        var policies = config.Escalation();
        if (policies is null)
        {
            return alerts;
        }
        return alerts.Where(a => policies.For(a.Labels) is not { } p
            || !p.Steps.Any(s => s.Notify.Any(t => t.Kind == Core.Escalation.EscalationTargetKind.Receiver && t.Name == receiver))).ToArray();
    }

    private async Task<Exception?> NotifyIntegrationAsync(
        Integration integration,
        GroupRecord group,
        string token,
        IReadOnlyList<Alert> current,
        IReadOnlySet<string> firing,
        IReadOnlySet<string> resolved,
        TemplateSet templates,
        DateTimeOffset now,
        CancellationToken ct)
    {
        var last = await log.GetAsync(group.GroupId, integration.Id, ct).ConfigureAwait(false);
        if (last?.FlushToken == token)
        {
            return null;
        }
        if (!DedupPolicy.NeedsUpdate(last?.Entry, firing, resolved, integration.SendResolved, group.RepeatInterval, now))
        {
            return null;
        }
        var toSend = integration.SendResolved ? current : current.Where(a => firing.Contains(a.Fingerprint)).ToArray();
        var entry = new NotificationLogEntry(firing.ToArray(), resolved.ToArray(), now);
        if (toSend.Count == 0)
        {
            await log.WriteAsync(group.GroupId, integration.Id, entry, token, delivered: false, group.RepeatInterval, ct).ConfigureAwait(false);
            return null;
        }
        if (!_notifiers.TryGetValue(integration.Kind, out var notifier))
        {
            LogUnsupported(logger, integration.Kind, group.Receiver);
            return null;
        }
        var notification = new Notification(group.Receiver, group.GroupLabels, toSend, now, options.Value.ExternalUrl, group.GroupKey);
        try
        {
            await notifier.SendAsync(integration, notification, templates, ct).ConfigureAwait(false);
        }
        catch (PermanentNotificationException e)
        {
            // Retrying an identical request cannot succeed; record it so we do not loop, and say so loudly.
            LogPermanentFailure(logger, e, integration.Id, group.Receiver, e.Message);
            Telemetry.AlertingTelemetry.NotificationFailed(integration.Kind);
            await log.WriteAsync(group.GroupId, integration.Id, entry, token, delivered: false, group.RepeatInterval, ct).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogDeliveryFailed(logger, e, integration.Id, group.Receiver, e.Message);
            Telemetry.AlertingTelemetry.NotificationFailed(integration.Kind);
            return e;
        }
        await log.WriteAsync(group.GroupId, integration.Id, entry, token, delivered: true, group.RepeatInterval, ct).ConfigureAwait(false);
        LogNotified(logger, group.Receiver, integration.Id, firing.Count, resolved.Count, group.GroupKey);
        Telemetry.AlertingTelemetry.NotificationSent(integration.Kind);
        return null;
    }

    private async Task FinishFlushAsync(GroupRecord group, IReadOnlySet<string> resolvedAtFlush, DateTimeOffset now, CancellationToken ct)
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
                    NextFlushAt = now + latest.GroupInterval,
                    ClaimedBy = null,
                    ClaimedUntil = null,
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Integration kind {Kind} of receiver {Receiver} is not delivered by this version")]
    private static partial void LogUnsupported(ILogger logger, string kind, string receiver);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery to {Integration} of {Receiver} failed, will retry: {Error}")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception e, string integration, string receiver, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery to {Integration} of {Receiver} was rejected permanently: {Error}")]
    private static partial void LogPermanentFailure(ILogger logger, Exception e, string integration, string receiver, string error);
}
