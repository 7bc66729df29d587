using Alerting.Core.OnCall;

namespace Alerting.Core.Escalation;

public enum EscalationStepState
{
    /// <summary>Notified (the incident's StepsDone counts it).</summary>
    Done,

    /// <summary>The step the planner will send next, at <see cref="EscalationTimeline.NextAt"/>.</summary>
    Next,

    /// <summary>Later in the current run, if nobody acknowledges first.</summary>
    Upcoming,
}

/// <summary>
/// One step of an incident's escalation as the console shows it. <see cref="Number"/> counts repeats
/// (as <see cref="EscalationState.StepsDone"/> does); <see cref="Index"/> is the step's 1-based place
/// in the policy. Recipients are resolved at <see cref="DueAt"/>, the moment the step is or was due.
/// </summary>
public sealed record EscalationTimelineStep(
    int Number,
    int Run,
    int Index,
    TimeSpan After,
    DateTimeOffset DueAt,
    EscalationStepState State,
    IReadOnlyList<EscalationRecipient> Recipients);

/// <summary>
/// The steps an incident went through and the ones still ahead, with the planner's decision: the next
/// step and when it goes out, or why nothing more will happen.
/// </summary>
public sealed record EscalationTimeline(
    string Policy,
    IReadOnlyList<EscalationTimelineStep> Steps,
    DateTimeOffset? NextAt,
    string? StoppedBecause)
{
    /// <summary>
    /// Built from the same <see cref="EscalationPlan"/> the "escalations" handler asks, so the console's
    /// "next step at" is exactly when the handler will act (a snooze pushes it to the snooze's end).
    /// </summary>
    public static EscalationTimeline Build(EscalationPolicy policy, EscalationState state, OnCallConfig? onCall, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(state);
        var decision = EscalationPlan.NextStep(policy, state, now);
        var stopped = decision.Kind == EscalationDecisionKind.Stop;
        var total = EscalationPlan.TotalSteps(policy);
        var done = Math.Min(state.StepsDone, total);
        // Done steps, then (unless stopped) the rest of the run the next step belongs to.
        var last = stopped ? done : Math.Min(total, ((done / policy.Steps.Count) + 1) * policy.Steps.Count);
        var steps = new List<EscalationTimelineStep>(last);
        for (var n = 0; n < last; n++)
        {
            var step = policy.Steps[n % policy.Steps.Count];
            var due = EscalationPlan.DueAt(policy, state.FiringSince, n);
            var kind = n < done ? EscalationStepState.Done : n == done ? EscalationStepState.Next : EscalationStepState.Upcoming;
            steps.Add(new EscalationTimelineStep(n, n / policy.Steps.Count, (n % policy.Steps.Count) + 1, step.After, due, kind,
                EscalationRecipients.Resolve(step, onCall, due)));
        }
        DateTimeOffset? nextAt = decision.Kind switch
        {
            EscalationDecisionKind.Wait => decision.NextCheckAt,
            EscalationDecisionKind.Notify => decision.DueAt,
            _ => null,
        };
        return new EscalationTimeline(policy.Name, steps, nextAt, stopped ? decision.Reason : null);
    }
}
