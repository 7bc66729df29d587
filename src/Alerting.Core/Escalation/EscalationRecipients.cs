using Alerting.Core.OnCall;

namespace Alerting.Core.Escalation;

/// <summary>
/// A step's target made concrete at the moment of notifying: a receiver name, or the person on call.
/// <see cref="Problem"/> explains a target nobody could be found for (the handler should say so loudly,
/// e.g. fall back to the team channel, rather than drop the page).
/// </summary>
public sealed record EscalationRecipient(EscalationTarget Target, string? Receiver, OnCallPerson? Person, OnCallAssignment? Assignment, string? Problem);

public static class EscalationRecipients
{
    public static IReadOnlyList<EscalationRecipient> Resolve(EscalationStep step, OnCallConfig? onCall, DateTimeOffset at)
    {
        var result = new List<EscalationRecipient>();
        foreach (var target in step.Notify)
        {
            if (target.Kind == EscalationTargetKind.Receiver)
            {
                result.Add(new EscalationRecipient(target, target.Name, null, null, null));
                continue;
            }
            var schedule = onCall?.Schedule(target.Schedule);
            if (schedule is null)
            {
                result.Add(new EscalationRecipient(target, null, null, null,
                    target.Schedule is null ? "no on-call schedule is configured" : $"no on-call schedule named '{target.Schedule}'"));
                continue;
            }
            var assignment = OnCallResolver.WhoIsOnCall(schedule, target.Name, at);
            result.Add(assignment is null
                ? new EscalationRecipient(target, null, null, null, $"nobody is on call as '{target.Name}' in schedule '{schedule.Name}'")
                : new EscalationRecipient(target, null, onCall!.Person(assignment.Who), assignment, null));
        }
        return result;
    }
}
