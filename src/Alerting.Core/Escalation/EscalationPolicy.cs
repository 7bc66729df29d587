using Alerting.Core.Model;

namespace Alerting.Core.Escalation;

public enum EscalationTargetKind
{
    /// <summary>A receiver name from the routing configuration (Slack channel, email list, PagerDuty...).</summary>
    Receiver,

    /// <summary>Whoever holds an on-call role at the time of the step (<c>oncall:engineer</c>).</summary>
    OnCall,
}

/// <summary>
/// One notify target. For on-call targets <see cref="Name"/> is the role and <see cref="Schedule"/>
/// the schedule name when written <c>oncall:schedule/role</c> (null means the default schedule).
/// </summary>
public sealed record EscalationTarget(EscalationTargetKind Kind, string Name, string? Schedule = null)
{
    public const string OnCallPrefix = "oncall:";

    public static EscalationTarget Parse(string text)
    {
        if (!text.StartsWith(OnCallPrefix, StringComparison.Ordinal))
        {
            return new EscalationTarget(EscalationTargetKind.Receiver, text);
        }
        var rest = text[OnCallPrefix.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0
            ? new EscalationTarget(EscalationTargetKind.OnCall, rest)
            : new EscalationTarget(EscalationTargetKind.OnCall, rest[(slash + 1)..], rest[..slash]);
    }

    public override string ToString() => Kind == EscalationTargetKind.Receiver
        ? Name
        : OnCallPrefix + (Schedule is null ? Name : Schedule + "/" + Name);
}

/// <summary>A step: <see cref="After"/> is measured from when the alert started firing (T+0).</summary>
public sealed record EscalationStep(TimeSpan After, IReadOnlyList<EscalationTarget> Notify);

/// <summary>
/// Re-run the whole step list <see cref="Count"/> more times; each run starts <see cref="Interval"/>
/// after the previous run's last step, so an unacknowledged alert keeps paging but not forever.
/// </summary>
public sealed record EscalationRepeat(int Count, TimeSpan Interval)
{
    public static readonly EscalationRepeat None = new(0, TimeSpan.Zero);
}

public sealed record EscalationPolicy(
    string Name,
    IReadOnlyList<LabelMatcher> Matchers,
    IReadOnlyList<EscalationStep> Steps,
    EscalationRepeat Repeat)
{
    public bool Matches(Labels labels) => Matchers.All(m => m.Matches(labels));
}

/// <summary>The policies of one file, in file order; the first policy whose matchers all match wins.</summary>
public sealed record EscalationPolicySet(IReadOnlyList<EscalationPolicy> Policies)
{
    public EscalationPolicy? For(Labels labels) => Policies.FirstOrDefault(p => p.Matches(labels));

    public EscalationPolicy? Named(string name) => Policies.FirstOrDefault(p => p.Name == name);
}
