using Alerting.Core.Acknowledgement;
using Alerting.Core.Alertmanager;
using Alerting.Core.Escalation;
using Alerting.Core.Model;
using Alerting.Functions.Notify;
using Alerting.Functions.Storage;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Pipeline;

public enum OperatorOutcome
{
    Done,
    NotFound,
    Rejected,
    Conflict,
}

/// <summary>What an operator action came to: the new status, or why nothing changed.</summary>
public sealed record OperatorResult(OperatorOutcome Outcome, AlertStatus? Status, string? Message);

/// <summary>
/// Incidents: the escalation chain and the operator state of each alert that a policy covers (and of
/// any alert an operator acts on). The chain is a sequence of delayed "escalations" messages carrying
/// the incident's chain token; each one reloads the incident and asks the pure planner what is due, so
/// an acknowledge, resolve or silence stops it even when a message is already queued, and a stale or
/// duplicated message does nothing. Targets already notified for a step are recorded one by one, so a
/// redelivered step resends only what had not gone out (PagerDuty triggers carry a stable dedup key, so
/// even a resend after a crash in between joins the open incident rather than paging again).
/// </summary>
public sealed partial class IncidentService(
    ConfigProvider config,
    AlertStore alerts,
    IncidentStore incidents,
    AuditStore audit,
    SilenceStore silences,
    QueueSender queues,
    IncidentMessenger messenger,
    TimeProvider time,
    ILogger<IncidentService> logger)
{
    /// <summary>Default length of a silence created from an alert without an end time.</summary>
    public static readonly TimeSpan DefaultSilence = TimeSpan.FromHours(2);

    /// <summary>Called by the router for every stored alert: starts a chain when a covered alert fires, ends it when it resolves.</summary>
    public async Task OnAlertAsync(Alert alert, CancellationToken ct)
    {
        var policy = config.Escalation()?.For(alert.Labels);
        if (policy is null)
        {
            return;
        }
        var now = time.GetUtcNow();
        var id = alert.Fingerprint;
        if (alert.IsResolvedAt(now))
        {
            var incident = await incidents.GetAsync(id, ct).ConfigureAwait(false);
            if (incident is null || incident.Ack.Status == AlertStatus.Resolved)
            {
                return;
            }
            var result = await ApplyAsync(id, new AckCommand(AckAction.Resolve, "alerting (alert resolved)", AckChannel.Api), ct).ConfigureAwait(false);
            if (result is { Outcome: OperatorOutcome.Conflict, Status: null })
            {
                throw new InvalidOperationException($"could not resolve the incident of alert {id}: {result.Message}");
            }
            return;
        }
        var firingSince = alert.StartsAt < now ? alert.StartsAt : now;
        var started = await incidents.UpdateAsync(id, incident =>
        {
            if (incident is not null && (incident.Ack.Status != AlertStatus.Resolved || firingSince <= incident.FiringSince))
            {
                // This firing already has its chain; restart it (a new token, so stale messages of the old
                // chain do nothing) if its step message died with a process.
                return RearmPlan.IncidentStalled(policy, new EscalationState(incident.FiringSince, incident.Ack, incident.StepsDone), now, incident.RearmedAt)
                    && policy.Name == incident.Policy
                    ? Chain(incident with { ChainToken = Guid.NewGuid().ToString("N"), RearmedAt = now }, rearmed: true)
                    : (incident, null);
            }
            return Chain(new IncidentRecord(id, policy.Name, firingSince, AlertAckState.FiringSince(firingSince), 0, Guid.NewGuid().ToString("N"), [], [], [], incident?.Version ?? 0), rearmed: false);
        }, ct).ConfigureAwait(false);
        if (started is null)
        {
            return;
        }
        if (started.Rearmed)
        {
            LogRearmed(logger, id, started.Incident.StepsDone);
        }
        else
        {
            LogStarted(logger, id, policy.Name);
        }
        await queues.SendAsync(StorageNames.EscalationsQueue, new EscalationMessage(id, EscalationMessage.Step, started.Incident.ChainToken, now), ct).ConfigureAwait(false);

        static (IncidentRecord, ChainStart?) Chain(IncidentRecord next, bool rearmed) => (next, new ChainStart(next, rearmed));
    }

    /// <summary>A chain this call started (or restarted, when its step message was lost): its first step is the caller's to queue.</summary>
    private sealed record ChainStart(IncidentRecord Incident, bool Rearmed);

    /// <summary>The "escalations" queue handler.</summary>
    public async Task HandleAsync(EscalationMessage message, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var incident = await incidents.GetAsync(message.AlertId, ct).ConfigureAwait(false);
        if (incident is null)
        {
            return;
        }
        if (message.Kind == EscalationMessage.Sync)
        {
            await messenger.SyncAsync(incident, (await alerts.GetAsync(message.AlertId, ct).ConfigureAwait(false))?.Alert, now, ct).ConfigureAwait(false);
            return;
        }
        if (incident.ChainToken != message.Token)
        {
            return; // superseded by a newer chain (re-fired, un-acknowledged, snoozed)
        }
        if (message.NotBefore > now)
        {
            await queues.SendAsync(StorageNames.EscalationsQueue, message, message.NotBefore - now, ct).ConfigureAwait(false);
            return;
        }
        var stored = await alerts.GetAsync(message.AlertId, ct).ConfigureAwait(false);
        var policy = incident.Policy is null ? null : config.Escalation()?.Named(incident.Policy);
        if (policy is null || stored is null || stored.Alert.IsResolvedAt(now))
        {
            return;
        }
        if ((await silences.ListAsync(ct).ConfigureAwait(false)).Any(s => s.Mutes(stored.Alert.Labels, now)))
        {
            LogSilenced(logger, incident.AlertId);
            return;
        }
        var decision = EscalationPlan.NextStep(policy, new EscalationState(incident.FiringSince, incident.Ack, incident.StepsDone), now);
        switch (decision.Kind)
        {
            case EscalationDecisionKind.Stop:
                LogStopped(logger, incident.AlertId, decision.Reason);
                return;
            case EscalationDecisionKind.Wait:
                await ScheduleAsync(incident.AlertId, message.Token, decision.NextCheckAt!.Value, now, ct).ConfigureAwait(false);
                return;
            default:
                break;
        }

        foreach (var recipient in EscalationRecipients.Resolve(decision.Step!, config.OnCall(), now))
        {
            var key = $"{decision.StepNumber}:{recipient.Target}";
            if (incident.Delivered.Contains(key, StringComparer.Ordinal))
            {
                continue;
            }
            // The chain token and step key are the same when this message is redelivered after a crash.
            var delivery = new EscalationDelivery($"escalation/{incident.AlertId}/{message.Token}/{key}", decision.DueAt ?? now);
            var refs = await messenger.NotifyAsync(recipient, stored.Alert, incident, delivery, now, ct).ConfigureAwait(false);
            if (refs.PagerDuty.Count > 0)
            {
                // Before the incident records the page, so PagerDuty's webhook can always find its alert.
                await incidents.IndexPagerDutyAsync(incident.AlertId, refs.PagerDuty, ct).ConfigureAwait(false);
            }
            incident = await UpdateAsync(incident.AlertId, i => i with
            {
                Delivered = [.. i.Delivered, key],
                Slack = [.. i.Slack, .. refs.Slack],
                PagerDuty = [.. i.PagerDuty, .. refs.PagerDuty.Where(p => !i.PagerDuty.Contains(p))],
            }, ct).ConfigureAwait(false);
            if (incident is null)
            {
                return;
            }
            LogNotified(logger, incident.AlertId, decision.StepNumber, recipient.Target.ToString(), decision.Reason);
            Telemetry.AlertingTelemetry.IncidentStepNotified(incident.Policy ?? string.Empty);
        }
        var stepsDone = decision.StepsDoneAfter;
        incident = await UpdateAsync(incident.AlertId, i => i.ChainToken == message.Token && i.StepsDone < stepsDone
            ? i with { StepsDone = stepsDone, Delivered = i.Delivered.Where(d => !d.StartsWith($"{decision.StepNumber}:", StringComparison.Ordinal)).ToArray() }
            : i, ct).ConfigureAwait(false);
        if (decision.NextCheckAt is { } next && incident?.ChainToken == message.Token)
        {
            await ScheduleAsync(incident.AlertId, message.Token, next, now, ct).ConfigureAwait(false);
        }
    }

    /// <summary>An operator action from any channel. Writes the new state and the audit row, then updates Slack and PagerDuty.</summary>
    public async Task<OperatorResult> ApplyAsync(string alertId, AckCommand command, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        var now = time.GetUtcNow();
        // Any alert we hold can be acted on, not only those an escalation policy covers.
        var stored = await incidents.GetAsync(alertId, ct).ConfigureAwait(false) is null ? await alerts.GetAsync(alertId, ct).ConfigureAwait(false) : null;
        Applied applied;
        try
        {
            applied = await incidents.UpdateAsync(alertId, incident =>
            {
                var isNew = false;
                if (incident is null)
                {
                    if (stored is null)
                    {
                        return (incident, new Applied(new OperatorResult(OperatorOutcome.NotFound, null, $"no alert with id {alertId}"), null));
                    }
                    var status = stored.Alert.IsResolvedAt(now) ? AlertStatus.Resolved : AlertStatus.Firing;
                    incident = new IncidentRecord(alertId, null, stored.Alert.StartsAt, new AlertAckState(status, stored.Alert.StartsAt), 0, Guid.NewGuid().ToString("N"), [], [], [], 0);
                    isNew = true;
                }
                var result = new AcknowledgementStateMachine(time).Apply(alertId, incident.Ack, command);
                if (!result.Ok)
                {
                    var outcome = result.Error == TransitionError.InvalidCommand ? OperatorOutcome.Rejected : OperatorOutcome.Conflict;
                    return (isNew ? null : incident, new Applied(new OperatorResult(outcome, incident.Ack.EffectiveStatus(now), result.Message), null));
                }
                // Un-acknowledging or snoozing starts a new chain from where the old one stopped.
                var restart = command.Action is AckAction.Unacknowledge or AckAction.Snooze && incident.Policy is not null;
                var updated = incident with { Ack = result.State, ChainToken = restart ? Guid.NewGuid().ToString("N") : incident.ChainToken };
                return (updated, new Applied(
                    new OperatorResult(OperatorOutcome.Done, result.State.Status, null),
                    new Transition(result.Audit!, isNew ? 0 : incident.Version + 1, restart ? updated.ChainToken : null)));
            }, ct).ConfigureAwait(false);
        }
        catch (ConcurrentUpdateException)
        {
            return new OperatorResult(OperatorOutcome.Conflict, null, $"alert {alertId} changed concurrently; try again");
        }
        if (applied.Transition is not { } done)
        {
            return applied.Result;
        }
        await audit.AppendAsync(done.Audit, done.Sequence, ct).ConfigureAwait(false);
        if (command.Action == AckAction.Silence)
        {
            await SilenceAsync(alertId, command, now, ct).ConfigureAwait(false);
        }
        if (done.NewChainToken is { } token)
        {
            var at = command.Action == AckAction.Snooze ? command.Until!.Value : now;
            await ScheduleAsync(alertId, token, at, now, ct).ConfigureAwait(false);
        }
        await queues.SendAsync(StorageNames.EscalationsQueue, new EscalationMessage(alertId, EscalationMessage.Sync, string.Empty, now), ct).ConfigureAwait(false);
        LogTransition(logger, alertId, command.Action.ToString(), command.Who, command.How.ToString(), done.Audit.From.ToString(), done.Audit.To.ToString());
        return applied.Result;
    }

    /// <summary>The alert whose PagerDuty incident has this dedup key, if it is one of ours.</summary>
    public Task<string?> FindByDedupKeyAsync(string dedupKey, CancellationToken ct) => incidents.FindByDedupKeyAsync(dedupKey, ct);

    private async Task SilenceAsync(string alertId, AckCommand command, DateTimeOffset now, CancellationToken ct)
    {
        var stored = await alerts.GetAsync(alertId, ct).ConfigureAwait(false);
        if (stored is null)
        {
            return;
        }
        var matchers = stored.Alert.Labels.Select(l => new LabelMatcher(MatcherType.Equal, l.Name, l.Value)).ToArray();
        var silence = new Silence(string.Empty, matchers, now, command.Until ?? now + DefaultSilence, command.Who,
            command.Note ?? $"silenced from {command.How.ToString().ToLowerInvariant()} for alert {alertId}");
        var written = await silences.SetAsync(silence, now, ct).ConfigureAwait(false);
        if (!written.Succeeded)
        {
            throw new InvalidOperationException($"could not create the silence for alert {alertId}: {written.Error}");
        }
    }

    private Task ScheduleAsync(string alertId, string token, DateTimeOffset at, DateTimeOffset now, CancellationToken ct) =>
        queues.SendAsync(StorageNames.EscalationsQueue, new EscalationMessage(alertId, EscalationMessage.Step, token, at), at > now ? at - now : TimeSpan.Zero, ct);

    /// <summary>Applies <paramref name="change"/> to the stored incident (re-read and retried on conflict); null if it is gone.</summary>
    private Task<IncidentRecord?> UpdateAsync(string alertId, Func<IncidentRecord, IncidentRecord> change, CancellationToken ct) =>
        incidents.UpdateAsync(alertId, i => i is null ? null : change(i), ct);

    /// <summary>What an operator action did: its answer, and the transition it wrote if any.</summary>
    private sealed record Applied(OperatorResult Result, Transition? Transition);

    /// <summary>A written transition: its audit row and sequence, and the new chain token when the chain restarts.</summary>
    private sealed record Transition(AuditRecord Audit, long Sequence, string? NewChainToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Escalation of alert {AlertId} had stalled after {StepsDone} steps (its step message was lost or leased by a dead process); restarted it")]
    private static partial void LogRearmed(ILogger logger, string alertId, int stepsDone);

    [LoggerMessage(Level = LogLevel.Information, Message = "Escalation of alert {AlertId} started with policy {Policy}")]
    private static partial void LogStarted(ILogger logger, string alertId, string policy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Escalation of alert {AlertId}: step {Step} notified {Target} ({Reason})")]
    private static partial void LogNotified(ILogger logger, string alertId, int step, string target, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Escalation of alert {AlertId} stopped: {Reason}")]
    private static partial void LogStopped(ILogger logger, string alertId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Escalation of alert {AlertId} stopped: a silence matches it")]
    private static partial void LogSilenced(ILogger logger, string alertId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId}: {Action} by {Who} via {How} ({From} -> {To})")]
    private static partial void LogTransition(ILogger logger, string alertId, string action, string who, string how, string from, string to);
}
