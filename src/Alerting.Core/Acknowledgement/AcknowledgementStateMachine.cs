namespace Alerting.Core.Acknowledgement;

public enum AckAction
{
    Acknowledge,
    Unacknowledge,
    Resolve,
    Snooze,
    Silence,
}

/// <summary>How an operator reached us; kept in the audit trail.</summary>
public enum AckChannel
{
    Api,
    Email,
    Slack,
    PagerDuty,
    Web,
}

/// <summary>The operator state of one alert. <see cref="SnoozedUntil"/> is set only while snoozed.</summary>
public sealed record AlertAckState(AlertStatus Status, DateTimeOffset Since, string? By = null, DateTimeOffset? SnoozedUntil = null)
{
    public static AlertAckState FiringSince(DateTimeOffset since) => new(AlertStatus.Firing, since);

    /// <summary>A snooze that has run out counts as firing again; nothing needs to write that back first.</summary>
    public AlertStatus EffectiveStatus(DateTimeOffset now) =>
        Status == AlertStatus.Snoozed && SnoozedUntil is { } until && until <= now ? AlertStatus.Firing : Status;

    /// <summary>Whether notifications and escalation should stay quiet at <paramref name="now"/>.</summary>
    public bool IsQuiet(DateTimeOffset now) => EffectiveStatus(now) != AlertStatus.Firing;
}

/// <summary>What an operator asked for. <see cref="Until"/> is required for <see cref="AckAction.Snooze"/>.</summary>
public sealed record AckCommand(AckAction Action, string Who, AckChannel How, string? Note = null, DateTimeOffset? Until = null);

/// <summary>One line of an alert's history: who moved it from which state to which, when and through what.</summary>
public sealed record AuditRecord(
    string AlertId,
    AckAction Action,
    string Who,
    DateTimeOffset When,
    AckChannel How,
    AlertStatus From,
    AlertStatus To,
    string? Note,
    DateTimeOffset? SnoozedUntil);

public enum TransitionError
{
    None,

    /// <summary>The alert is already where the command would put it (e.g. a second Acknowledge click).</summary>
    AlreadyInState,

    /// <summary>The command makes no sense from the current state (e.g. acknowledge a resolved alert).</summary>
    NotAllowed,

    /// <summary>The command itself is incomplete (snooze without a future end, no operator name).</summary>
    InvalidCommand,
}

public sealed record TransitionResult(AlertAckState State, AuditRecord? Audit, TransitionError Error, string? Message)
{
    public bool Ok => Error == TransitionError.None;

    /// <summary>For callers where a failed transition is a bug rather than user input.</summary>
    public TransitionResult ThrowIfFailed() =>
        Ok ? this : throw new InvalidOperationException(Message);
}

/// <summary>
/// The acknowledgement state machine. Pure: it takes the stored state and a command and returns the new
/// state plus the audit record to append; storing both (with an ETag check) is the caller's job.
/// <code>
///   firing ──ack──► acknowledged ──unack──► firing
///   firing/acknowledged ──snooze(until)──► snoozed ──(until passes)──► firing
///   firing/acknowledged/snoozed ──silence──► silenced
///   any but resolved ──resolve──► resolved (final)
/// </code>
/// </summary>
public sealed class AcknowledgementStateMachine(TimeProvider time)
{
    public TransitionResult Apply(string alertId, AlertAckState current, AckCommand command)
    {
        var now = time.GetUtcNow();
        var from = current.EffectiveStatus(now);
        if (string.IsNullOrWhiteSpace(command.Who))
        {
            return Fail(current, TransitionError.InvalidCommand, "Every transition needs the operator's name for the audit trail.");
        }

        AlertStatus? to = (command.Action, from) switch
        {
            (AckAction.Acknowledge, AlertStatus.Firing or AlertStatus.Snoozed) => AlertStatus.Acknowledged,
            (AckAction.Unacknowledge, AlertStatus.Acknowledged) => AlertStatus.Firing,
            (AckAction.Resolve, not AlertStatus.Resolved) => AlertStatus.Resolved,
            (AckAction.Snooze, AlertStatus.Firing or AlertStatus.Acknowledged or AlertStatus.Snoozed) => AlertStatus.Snoozed,
            (AckAction.Silence, AlertStatus.Firing or AlertStatus.Acknowledged or AlertStatus.Snoozed) => AlertStatus.Silenced,
            _ => null,
        };

        if (to is null)
        {
            var already = (command.Action, from) switch
            {
                (AckAction.Acknowledge, AlertStatus.Acknowledged) => true,
                (AckAction.Unacknowledge, AlertStatus.Firing) => true,
                (AckAction.Resolve, AlertStatus.Resolved) => true,
                (AckAction.Silence, AlertStatus.Silenced) => true,
                _ => false,
            };
            return already
                ? Fail(current, TransitionError.AlreadyInState, $"Alert {alertId} is already {Name(from)}.")
                : Fail(current, TransitionError.NotAllowed, $"Cannot {Verb(command.Action)} alert {alertId}: it is {Name(from)}.");
        }

        DateTimeOffset? until = null;
        if (command.Action == AckAction.Snooze)
        {
            if (command.Until is not { } u || u <= now)
            {
                return Fail(current, TransitionError.InvalidCommand, "Snooze needs an end time in the future.");
            }
            until = u;
        }

        var state = new AlertAckState(to.Value, now, command.Who, until);
        var audit = new AuditRecord(alertId, command.Action, command.Who, now, command.How, from, to.Value, command.Note, until);
        return new TransitionResult(state, audit, TransitionError.None, null);
    }

    private static TransitionResult Fail(AlertAckState current, TransitionError error, string message) =>
        new(current, null, error, message);

    public static string Name(AlertStatus status) => status.ToString().ToLowerInvariant();

    private static string Verb(AckAction action) => action.ToString().ToLowerInvariant();
}
