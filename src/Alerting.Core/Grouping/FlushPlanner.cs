using Alerting.Core.Alertmanager;
using Alerting.Core.Escalation;
using Alerting.Core.Model;
using Alerting.Core.NotificationLog;

namespace Alerting.Core.Grouping;

/// <summary>What the notification log holds for one integration of the group, and which flush wrote it.</summary>
/// <param name="IntegrationId">The integration's stable id within its receiver (<c>slack-0</c>, ...).</param>
/// <param name="SendResolved">The integration's <c>send_resolved</c>.</param>
/// <param name="Last">The last entry, or null when the integration was never told about the group.</param>
/// <param name="LastFlushToken">The flush token the entry was written under.</param>
public sealed record IntegrationLogState(string IntegrationId, bool SendResolved, NotificationLogEntry? Last, string? LastFlushToken);

/// <summary>Everything a flush decision depends on, loaded by the caller; nothing here does I/O.</summary>
public sealed record FlushRequest
{
    public required string GroupKey { get; init; }

    public required string Receiver { get; init; }

    /// <summary>The token of the flush being run; an integration logged under it was already handled.</summary>
    public required string FlushToken { get; init; }

    public required DateTimeOffset Now { get; init; }

    /// <summary>The group's alerts as stored (merged, with Alertmanager's resolve_timeout end where none was sent).</summary>
    public required IReadOnlyList<Alert> Alerts { get; init; }

    /// <summary>The configuration in force: inhibit rules, time intervals, the receiver and the route.</summary>
    public required AlertmanagerConfig Config { get; init; }

    /// <summary>The group's route (its time intervals apply), or null when the route no longer exists.</summary>
    public Route? Route { get; init; }

    public IReadOnlyList<Silence> Silences { get; init; } = [];

    /// <summary>Labels of every firing alert held, the candidates that can inhibit the group's alerts.</summary>
    public IReadOnlyList<Labels> InhibitionSources { get; init; } = [];

    /// <summary>Escalation policies, whose covered alerts reach the receivers their steps name through the escalation instead.</summary>
    public EscalationPolicySet? Escalation { get; init; }

    /// <summary>The notification log state of each integration, in the receiver's integration order.</summary>
    public IReadOnlyList<IntegrationLogState> Integrations { get; init; } = [];

    public TimeSpan RepeatInterval { get; init; }

    public TimeSpan GroupInterval { get; init; }
}

public enum FlushOutcome
{
    /// <summary>The integrations' steps say what to send (possibly nothing).</summary>
    Notify,

    /// <summary>The route's mute or active time intervals suppress notifications now; the log is left as it is.</summary>
    MutedByTimeInterval,

    /// <summary>The group's receiver is no longer configured.</summary>
    UnknownReceiver,

    /// <summary>Every alert of the group is silenced, inhibited or escalated instead: nothing to tell anyone.</summary>
    NothingToNotify,
}

public enum IntegrationAction
{
    /// <summary>Already logged under this flush token: a redelivered flush, done before.</summary>
    AlreadyDone,

    /// <summary>The notification log says the integration already knows this state (Alertmanager's DedupStage).</summary>
    Deduplicated,

    /// <summary>Only resolved alerts and <c>send_resolved: false</c>: nothing is sent, but the log records the state.</summary>
    LogOnly,

    /// <summary>Send <see cref="IntegrationStep.Alerts"/>, then log <see cref="IntegrationStep.Entry"/>.</summary>
    Send,
}

/// <summary>What one integration does in this flush, and the log entry that records it.</summary>
public sealed record IntegrationStep(string IntegrationId, IntegrationAction Action, IReadOnlyList<Alert> Alerts, NotificationLogEntry Entry)
{
    /// <summary>
    /// The identity of this send (<see cref="SendIdentity"/>): equal for every attempt at telling this
    /// integration the same alerts since its last log entry, whichever flush token runs it. Set for sends.
    /// </summary>
    public string? SendKey { get; init; }
}

/// <summary>The decision for one flush of one aggregation group.</summary>
/// <param name="Outcome">Whether integrations are considered at all, and why not.</param>
/// <param name="Alerts">The alerts the notification is about, after silences, inhibition and escalation, as Alertmanager hands them to integrations: firing alerts carry no end time.</param>
/// <param name="Steps">One per integration, in the receiver's order (empty unless <see cref="FlushOutcome.Notify"/>).</param>
/// <param name="ResolvedAtFlush">Fingerprints resolved at this flush: they leave the group once the flush succeeded, if still resolved then.</param>
/// <param name="NextFlushAt">When the group flushes next, if it still has alerts.</param>
public sealed record FlushPlan(
    FlushOutcome Outcome,
    IReadOnlyList<Alert> Alerts,
    IReadOnlyList<IntegrationStep> Steps,
    IReadOnlySet<string> ResolvedAtFlush,
    DateTimeOffset NextFlushAt)
{
    public IEnumerable<IntegrationStep> ToSend => Steps.Where(s => s.Action == IntegrationAction.Send);
}

/// <summary>
/// Alertmanager's notification pipeline for one aggregation group flush (<c>dispatch.aggrGroup.flush</c> and
/// the stages of <c>notify.BuildPipeline</c>), as a pure decision: the mute stages (inhibition, then time
/// intervals, then silences), then per integration the dedup stage against the notification log and
/// send_resolved's filtering. The function that runs a flush loads the inputs, executes the plan's
/// sends and saves the log; it makes no decision of its own.
/// </summary>
public static class FlushPlanner
{
    public static FlushPlan Plan(FlushRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = request.Now;
        // aggrGroup.flush: a firing alert is handed on without its end time ("Ensure that alerts don't resolve
        // as time moves forwards"), so receivers see Go's zero time, never the resolve_timeout we stored.
        var all = request.Alerts
            .OrderBy(a => a.Labels.ToString(), StringComparer.Ordinal)
            .Select(a => a.IsResolvedAt(now) ? a : a with { EndsAt = null })
            .ToArray();
        var resolvedAtFlush = all.Where(a => a.IsResolvedAt(now)).Select(a => a.Fingerprint).ToHashSet(StringComparer.Ordinal);
        var next = now + request.GroupInterval;

        var receiver = request.Config.GetReceiver(request.Receiver);
        if (receiver is null)
        {
            return new FlushPlan(FlushOutcome.UnknownReceiver, [], [], resolvedAtFlush, next);
        }
        var notified = WithoutEscalated(Unmuted(request, all), request);
        if (request.Route is { } route && request.Config.IsMuted(new RouteMatch(route), now))
        {
            return new FlushPlan(FlushOutcome.MutedByTimeInterval, notified, [], resolvedAtFlush, next);
        }
        if (notified.Count == 0)
        {
            return new FlushPlan(FlushOutcome.NothingToNotify, notified, [], resolvedAtFlush, next);
        }
        var firing = notified.Where(a => !a.IsResolvedAt(now)).Select(a => a.Fingerprint).ToHashSet(StringComparer.Ordinal);
        var resolved = notified.Where(a => a.IsResolvedAt(now)).Select(a => a.Fingerprint).ToHashSet(StringComparer.Ordinal);
        var entry = new NotificationLogEntry(firing.ToArray(), resolved.ToArray(), now);
        var steps = request.Integrations.Select(i => Step(i, notified, firing, resolved, entry, request)).ToArray();
        return new FlushPlan(FlushOutcome.Notify, notified, steps, resolvedAtFlush, next);
    }

    /// <summary>
    /// Alertmanager's mute stages: an alert inhibited by a firing source under the inhibit_rules (firing
    /// alerts only; a resolved one is never inhibited), or matched by an active silence (firing or resolved).
    /// </summary>
    private static IReadOnlyList<Alert> Unmuted(FlushRequest request, IReadOnlyList<Alert> alerts)
    {
        var now = request.Now;
        var active = request.Silences.Where(s => s.IsActive(now)).ToArray();
        var inhibitor = request.Config.InhibitRules.Count > 0 ? request.Config.CreateInhibitor() : null;
        return alerts
            .Where(a => inhibitor is null || a.IsResolvedAt(now) || !inhibitor.IsInhibited(a.Labels, request.InhibitionSources))
            .Where(a => !active.Any(s => s.Matches(a.Labels)))
            .ToArray();
    }

    /// <summary>
    /// Alerts an escalation policy covers reach the receivers its steps name through the escalation (Block
    /// Kit with an Acknowledge button, emails with a signed link, updated in place later), so the group
    /// notification to the same receiver leaves them out instead of announcing them twice.
    /// </summary>
    private static IReadOnlyList<Alert> WithoutEscalated(IReadOnlyList<Alert> alerts, FlushRequest request)
    {
        if (request.Escalation is not { } policies)
        {
            return alerts;
        }
        return alerts.Where(a => policies.For(a.Labels) is not { } p
            || !p.Steps.Any(s => s.Notify.Any(t => t.Kind == EscalationTargetKind.Receiver && t.Name == request.Receiver))).ToArray();
    }

    private static IntegrationStep Step(
        IntegrationLogState integration,
        IReadOnlyList<Alert> alerts,
        IReadOnlySet<string> firing,
        IReadOnlySet<string> resolved,
        NotificationLogEntry entry,
        FlushRequest request)
    {
        if (integration.LastFlushToken == request.FlushToken && integration.Last is not null)
        {
            return new IntegrationStep(integration.IntegrationId, IntegrationAction.AlreadyDone, [], entry);
        }
        if (!DedupPolicy.NeedsUpdate(integration.Last, firing, resolved, integration.SendResolved, request.RepeatInterval, request.Now))
        {
            return new IntegrationStep(integration.IntegrationId, IntegrationAction.Deduplicated, [], entry);
        }
        // RetryStage: without send_resolved only firing alerts go out; with none, the state is still logged
        // so the next dedup decision knows the receiver was told everything resolved.
        var toSend = integration.SendResolved ? alerts : alerts.Where(a => firing.Contains(a.Fingerprint)).ToArray();
        return toSend.Count == 0
            ? new IntegrationStep(integration.IntegrationId, IntegrationAction.LogOnly, [], entry)
            : new IntegrationStep(integration.IntegrationId, IntegrationAction.Send, toSend, entry)
            {
                SendKey = SendIdentity.For(request.Receiver, request.GroupKey, integration.IntegrationId, firing, resolved, integration.LastFlushToken),
            };
    }
}
