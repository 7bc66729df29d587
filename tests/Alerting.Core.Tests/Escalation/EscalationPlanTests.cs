using Alerting.Core.Acknowledgement;
using Alerting.Core.Escalation;
using Alerting.Core.Model;
using Alerting.Core.OnCall;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.Core.Tests.Escalation;

public sealed class EscalationPlanTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    private static EscalationPolicy Critical() =>
        EscalationPolicyLoader.LoadFile(Path.Combine(TestPaths.RepoRoot, "rules", "escalation.yml"))
            .For(Labels.From(("severity", "critical")))!;

    private static EscalationPolicy NoRepeat() => Critical() with { Repeat = EscalationRepeat.None };

    [Fact]
    public void Unacknowledged_alert_walks_the_seed_matrix_at_0_5_15_30_minutes()
    {
        var policy = NoRepeat();
        var state = EscalationState.Start(T0);
        var notified = new List<(TimeSpan At, string Targets)>();
        var now = T0;
        while (true)
        {
            var d = EscalationPlan.NextStep(policy, state, now);
            if (d.Kind == EscalationDecisionKind.Stop)
            {
                Assert.Equal("all escalation steps done", d.Reason);
                break;
            }
            if (d.Kind == EscalationDecisionKind.Wait)
            {
                now = d.NextCheckAt!.Value; // the delayed queue message wakes us here
                continue;
            }
            notified.Add((now - T0, string.Join(",", d.Step!.Notify)));
            state = state with { StepsDone = d.StepsDoneAfter };
            now = d.NextCheckAt ?? now;
        }
        Assert.Equal(
            [
                (TimeSpan.Zero, "reliability-team"),
                (TimeSpan.FromMinutes(5), "oncall:engineer"),
                (TimeSpan.FromMinutes(15), "oncall:manager"),
                (TimeSpan.FromMinutes(30), "emergency"),
            ],
            notified);
    }

    [Fact]
    public void Step_not_yet_due_waits_until_its_time()
    {
        var d = EscalationPlan.NextStep(Critical(), EscalationState.Start(T0) with { StepsDone = 1 }, T0.AddMinutes(2));
        Assert.Equal(EscalationDecisionKind.Wait, d.Kind);
        Assert.Equal(T0.AddMinutes(5), d.NextCheckAt);
        Assert.Equal(1, d.StepsDoneAfter);
    }

    [Fact]
    public void Notify_decision_schedules_the_following_step()
    {
        var d = EscalationPlan.NextStep(Critical(), EscalationState.Start(T0) with { StepsDone = 1 }, T0.AddMinutes(5));
        Assert.Equal(EscalationDecisionKind.Notify, d.Kind);
        Assert.Equal(T0.AddMinutes(5), d.DueAt);
        Assert.Equal(T0.AddMinutes(15), d.NextCheckAt);
        Assert.Equal(2, d.StepsDoneAfter);
    }

    [Theory]
    [InlineData(AckAction.Acknowledge, "alert is acknowledged")]
    [InlineData(AckAction.Resolve, "alert is resolved")]
    [InlineData(AckAction.Silence, "alert is silenced")]
    public void Acknowledged_resolved_or_silenced_alert_stops_escalating(AckAction action, string reason)
    {
        var time = new FakeTimeProvider(T0.AddMinutes(3));
        var ack = new AcknowledgementStateMachine(time)
            .Apply("a1", AlertAckState.FiringSince(T0), new AckCommand(action, "alice", AckChannel.Slack)).State;
        var state = new EscalationState(T0, ack, StepsDone: 1);

        var d = EscalationPlan.NextStep(Critical(), state, T0.AddMinutes(5));
        Assert.Equal(EscalationDecisionKind.Stop, d.Kind);
        Assert.Equal(reason, d.Reason);
        Assert.Null(d.Step);
    }

    [Fact]
    public void Unacknowledged_alert_resumes_with_the_overdue_step()
    {
        var state = new EscalationState(T0, new AlertAckState(AlertStatus.Firing, T0.AddMinutes(20), "alice"), StepsDone: 2);
        var d = EscalationPlan.NextStep(Critical(), state, T0.AddMinutes(20));
        Assert.Equal(EscalationDecisionKind.Notify, d.Kind);
        Assert.Equal("oncall:manager", d.Step!.Notify.Single().ToString());
        Assert.Equal(T0.AddMinutes(30), d.NextCheckAt);
    }

    [Fact]
    public void Snoozed_alert_waits_for_the_end_of_the_snooze_then_continues()
    {
        var ack = new AlertAckState(AlertStatus.Snoozed, T0.AddMinutes(1), "alice", SnoozedUntil: T0.AddMinutes(20));
        var state = new EscalationState(T0, ack, StepsDone: 1);

        var during = EscalationPlan.NextStep(Critical(), state, T0.AddMinutes(5));
        Assert.Equal(EscalationDecisionKind.Wait, during.Kind);
        Assert.Equal(T0.AddMinutes(20), during.NextCheckAt);

        var after = EscalationPlan.NextStep(Critical(), state, T0.AddMinutes(20));
        Assert.Equal(EscalationDecisionKind.Notify, after.Kind);
        Assert.Equal("oncall:engineer", after.Step!.Notify.Single().ToString());
    }

    [Fact]
    public void Repeat_reruns_the_matrix_after_the_interval_and_then_stops()
    {
        var policy = Critical(); // repeat: count 2, interval 30m -> runs start at T+0, T+60, T+120
        Assert.Equal(12, EscalationPlan.TotalSteps(policy));
        Assert.Equal(T0.AddMinutes(60), EscalationPlan.DueAt(policy, T0, 4));
        Assert.Equal(T0.AddMinutes(65), EscalationPlan.DueAt(policy, T0, 5));
        Assert.Equal(T0.AddMinutes(150), EscalationPlan.DueAt(policy, T0, 11));

        var last = EscalationPlan.NextStep(policy, EscalationState.Start(T0) with { StepsDone = 3 }, T0.AddMinutes(30));
        Assert.Equal(T0.AddMinutes(60), last.NextCheckAt);
        var repeat = EscalationPlan.NextStep(policy, EscalationState.Start(T0) with { StepsDone = 4 }, T0.AddMinutes(60));
        Assert.Equal((EscalationDecisionKind.Notify, 1, "reliability-team"), (repeat.Kind, repeat.Run, repeat.Step!.Notify.Single().Name));
        Assert.Contains("repeat 1", repeat.Reason, StringComparison.Ordinal);

        var final = EscalationPlan.NextStep(policy, EscalationState.Start(T0) with { StepsDone = 11 }, T0.AddMinutes(150));
        Assert.Equal(EscalationDecisionKind.Notify, final.Kind);
        Assert.Null(final.NextCheckAt);
        Assert.Equal(EscalationDecisionKind.Stop, EscalationPlan.NextStep(policy, EscalationState.Start(T0) with { StepsDone = 12 }, T0.AddHours(5)).Kind);
    }

    [Fact]
    public void Duplicate_or_late_message_for_a_done_step_does_not_page_again()
    {
        // The handler for the T+5 message ran, stored StepsDone=2; a redelivered T+5 message arrives at T+6.
        var d = EscalationPlan.NextStep(Critical(), EscalationState.Start(T0) with { StepsDone = 2 }, T0.AddMinutes(6));
        Assert.Equal(EscalationDecisionKind.Wait, d.Kind);
        Assert.Equal(T0.AddMinutes(15), d.NextCheckAt);
    }

    [Fact]
    public void Oncall_targets_resolve_to_the_person_on_call_at_the_step_time()
    {
        var onCall = OnCallLoader.LoadFile(Path.Combine(TestPaths.RepoRoot, "rules", "oncall.yml"));
        var step = new EscalationStep(TimeSpan.FromMinutes(5),
            [EscalationTarget.Parse("reliability-team"), EscalationTarget.Parse("oncall:engineer"), EscalationTarget.Parse("oncall:nosuch/engineer"), EscalationTarget.Parse("oncall:cto")]);

        var recipients = EscalationRecipients.Resolve(step, onCall, new DateTimeOffset(2026, 1, 6, 12, 0, 0, TimeSpan.Zero));

        Assert.Equal("reliability-team", recipients[0].Receiver);
        Assert.Equal("alice", recipients[1].Person!.Name);
        Assert.Equal("alice@team.example", recipients[1].Person!.Email);
        Assert.Contains("no on-call schedule named 'nosuch'", recipients[2].Problem, StringComparison.Ordinal);
        Assert.Contains("nobody is on call as 'cto'", recipients[3].Problem, StringComparison.Ordinal);
    }
}
