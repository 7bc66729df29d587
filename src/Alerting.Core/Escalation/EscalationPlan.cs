using Alerting.Core.Acknowledgement;

namespace Alerting.Core.Escalation;

/// <summary>
/// What the escalation store knows about one alert (or group): when it started firing, its operator
/// status, and how many steps have already been notified (counting repeats: step i of run k is
/// number k × steps + i).
/// </summary>
public sealed record EscalationState(DateTimeOffset FiringSince, AlertAckState Ack, int StepsDone)
{
    public static EscalationState Start(DateTimeOffset firingSince) => new(firingSince, AlertAckState.FiringSince(firingSince), 0);
}

public enum EscalationDecisionKind
{
    /// <summary>Notify <see cref="EscalationDecision.Step"/> now, then schedule a check at <see cref="EscalationDecision.NextCheckAt"/>.</summary>
    Notify,

    /// <summary>Nothing is due; check again at <see cref="EscalationDecision.NextCheckAt"/>.</summary>
    Wait,

    /// <summary>Nothing more will happen: acknowledged, resolved, silenced, or every step (and repeat) done.</summary>
    Stop,
}

public sealed record EscalationDecision(
    EscalationDecisionKind Kind,
    int StepNumber,
    EscalationStep? Step,
    int Run,
    DateTimeOffset? DueAt,
    DateTimeOffset? NextCheckAt,
    string Reason)
{
    /// <summary>The <see cref="EscalationState.StepsDone"/> to store after the notification went out.</summary>
    public int StepsDoneAfter => Kind == EscalationDecisionKind.Notify ? StepNumber + 1 : StepNumber;
}

/// <summary>
/// The pure escalation planner. A delayed queue message wakes a handler, which loads the state, asks
/// <see cref="NextStep"/> and does exactly what it says; because the decision is recomputed from stored
/// state, a late, duplicate or stale message can never page after an acknowledge or page twice for the
/// same step (the handler stores <see cref="EscalationDecision.StepsDoneAfter"/> with an ETag).
/// </summary>
public static class EscalationPlan
{
    public static int TotalSteps(EscalationPolicy policy) => policy.Steps.Count * (1 + policy.Repeat.Count);

    /// <summary>When step number <paramref name="stepNumber"/> (repeats included) falls due.</summary>
    public static DateTimeOffset DueAt(EscalationPolicy policy, DateTimeOffset firingSince, int stepNumber)
    {
        var run = stepNumber / policy.Steps.Count;
        var step = policy.Steps[stepNumber % policy.Steps.Count];
        var runLength = policy.Steps[^1].After + policy.Repeat.Interval;
        return firingSince + (runLength * run) + step.After;
    }

    public static EscalationDecision NextStep(EscalationPolicy policy, EscalationState state, DateTimeOffset now)
    {
        var status = state.Ack.EffectiveStatus(now);
        switch (status)
        {
            case AlertStatus.Acknowledged:
            case AlertStatus.Resolved:
            case AlertStatus.Silenced:
                return new(EscalationDecisionKind.Stop, state.StepsDone, null, 0, null, null,
                    $"alert is {AcknowledgementStateMachine.Name(status)}");
            default:
                break;
        }

        var total = TotalSteps(policy);
        if (state.StepsDone >= total)
        {
            return new(EscalationDecisionKind.Stop, state.StepsDone, null, 0, null, null, "all escalation steps done");
        }

        var number = state.StepsDone;
        var due = DueAt(policy, state.FiringSince, number);
        var run = number / policy.Steps.Count;
        var step = policy.Steps[number % policy.Steps.Count];

        if (status == AlertStatus.Snoozed && state.Ack.SnoozedUntil is { } until)
        {
            // Steps that fell due during the snooze go out when it ends, not before.
            return new(EscalationDecisionKind.Wait, number, step, run, due, Max(until, due), "alert is snoozed");
        }
        if (due > now)
        {
            return new(EscalationDecisionKind.Wait, number, step, run, due, due, "next step not due yet");
        }
        DateTimeOffset? next = number + 1 < total ? Max(DueAt(policy, state.FiringSince, number + 1), now) : null;
        return new(EscalationDecisionKind.Notify, number, step, run, due, next,
            run == 0 ? $"step {number % policy.Steps.Count + 1} due" : $"step {number % policy.Steps.Count + 1} due (repeat {run})");
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
