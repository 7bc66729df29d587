using Alerting.Core.Acknowledgement;
using Alerting.Core.Escalation;
using Alerting.Core.OnCall;

namespace Alerting.Core.Tests.Escalation;

public sealed class EscalationTimelineTests
{
    private static readonly EscalationPolicy Critical =
        EscalationPolicyLoader.LoadFile(Path.Combine(TestPaths.RepoRoot, "rules", "escalation.yml")).Named("critical")!;

    private static readonly OnCallConfig OnCall = OnCallLoader.LoadFile(Path.Combine(TestPaths.RepoRoot, "rules", "oncall.yml"));

    private static readonly DateTimeOffset T0 = new(2026, 3, 10, 17, 50, 0, TimeSpan.Zero);

    [Fact]
    public void Shows_the_steps_done_the_next_one_with_its_time_and_the_rest_of_the_run()
    {
        var state = new EscalationState(T0, AlertAckState.FiringSince(T0), 2);

        var timeline = EscalationTimeline.Build(Critical, state, OnCall, T0.AddMinutes(8));

        Assert.Equal("critical", timeline.Policy);
        Assert.Null(timeline.StoppedBecause);
        Assert.Equal(T0.AddMinutes(15), timeline.NextAt);
        Assert.Equal(
            [EscalationStepState.Done, EscalationStepState.Done, EscalationStepState.Next, EscalationStepState.Upcoming],
            timeline.Steps.Select(s => s.State).ToArray());
        Assert.Equal(T0.AddMinutes(5), timeline.Steps[1].DueAt);
        // The engineer step fell due at 17:55 London, alice's shift; bob's override starts at 18:00.
        Assert.Equal("alice", timeline.Steps[1].Recipients.Single().Person!.Name);
        Assert.Equal("reliability-team", timeline.Steps[0].Recipients.Single().Receiver);
        Assert.Equal("oncall:manager", timeline.Steps[2].Recipients.Single().Target.ToString());
    }

    [Fact]
    public void An_acknowledged_alert_keeps_the_steps_done_and_says_why_nothing_follows()
    {
        var ack = new AlertAckState(AlertStatus.Acknowledged, T0.AddMinutes(7), "carol");

        var timeline = EscalationTimeline.Build(Critical, new EscalationState(T0, ack, 2), OnCall, T0.AddMinutes(8));

        Assert.Equal("alert is acknowledged", timeline.StoppedBecause);
        Assert.Null(timeline.NextAt);
        Assert.All(timeline.Steps, s => Assert.Equal(EscalationStepState.Done, s.State));
        Assert.Equal(2, timeline.Steps.Count);
    }

    [Fact]
    public void A_snooze_moves_the_next_step_to_its_end_and_repeats_are_numbered()
    {
        var snoozed = new AlertAckState(AlertStatus.Snoozed, T0.AddMinutes(40), "bob", T0.AddMinutes(70));

        var timeline = EscalationTimeline.Build(Critical, new EscalationState(T0, snoozed, 4), OnCall, T0.AddMinutes(41));

        Assert.Equal(T0.AddMinutes(70), timeline.NextAt);
        var next = timeline.Steps.Single(s => s.State == EscalationStepState.Next);
        Assert.Equal(1, next.Run);
        Assert.Equal(1, next.Index);
        Assert.Equal(T0.AddMinutes(60), next.DueAt);
        Assert.Equal(8, timeline.Steps.Count);
    }
}
