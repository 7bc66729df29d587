using Alerting.Core.Acknowledgement;
using Alerting.Core.Escalation;
using Alerting.Core.Model;

namespace Alerting.Core.Tests.Escalation;

/// <summary>When the next resend of an alert restarts work whose queue message died with a process.</summary>
public sealed class RearmPlanTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    private static EscalationPolicy Critical() =>
        EscalationPolicyLoader.LoadFile(Path.Combine(TestPaths.RepoRoot, "rules", "escalation.yml"))
            .For(Labels.From(("severity", "critical")))!;

    [Fact]
    public void An_incident_whose_first_step_never_went_out_is_stalled_a_minute_after_it_fell_due()
    {
        var state = EscalationState.Start(T0);
        Assert.False(RearmPlan.IncidentStalled(Critical(), state, T0 + TimeSpan.FromSeconds(30)));
        Assert.True(RearmPlan.IncidentStalled(Critical(), state, T0 + TimeSpan.FromSeconds(61)));
    }

    [Fact]
    public void An_incident_waiting_for_its_next_step_is_not_stalled()
    {
        // Step 1 (T+0) done; step 2 is due at T+5m.
        var state = EscalationState.Start(T0) with { StepsDone = 1 };
        Assert.False(RearmPlan.IncidentStalled(Critical(), state, T0 + TimeSpan.FromMinutes(5)));
        Assert.True(RearmPlan.IncidentStalled(Critical(), state, T0 + TimeSpan.FromMinutes(6) + TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_chain_rearmed_a_moment_ago_is_not_rearmed_again_until_the_rearm_window_has_passed()
    {
        // Stalled since T+0; re-armed at T+2m, but its new message waits behind a backlog.
        var state = EscalationState.Start(T0);
        var rearmedAt = T0 + TimeSpan.FromMinutes(2);
        Assert.False(RearmPlan.IncidentStalled(Critical(), state, rearmedAt + TimeSpan.FromMinutes(1), rearmedAt));
        Assert.False(RearmPlan.IncidentStalled(Critical(), state, rearmedAt + RearmPlan.RearmWindow - TimeSpan.FromSeconds(1), rearmedAt));
        Assert.True(RearmPlan.IncidentStalled(Critical(), state, rearmedAt + RearmPlan.RearmWindow + TimeSpan.FromSeconds(1), rearmedAt));
    }

    [Fact]
    public void An_acknowledged_or_resolved_incident_is_never_stalled()
    {
        var acked = new EscalationState(T0, new AlertAckState(AlertStatus.Acknowledged, T0, "ana"), 1);
        var resolved = new EscalationState(T0, new AlertAckState(AlertStatus.Resolved, T0, "ana"), 1);
        Assert.False(RearmPlan.IncidentStalled(Critical(), acked, T0 + TimeSpan.FromHours(3)));
        Assert.False(RearmPlan.IncidentStalled(Critical(), resolved, T0 + TimeSpan.FromHours(3)));
    }

    [Fact]
    public void A_flush_is_overdue_a_minute_after_it_fell_due_unless_a_live_claim_holds_it()
    {
        Assert.False(RearmPlan.FlushOverdue(T0, null, T0 + TimeSpan.FromSeconds(59)));
        Assert.True(RearmPlan.FlushOverdue(T0, null, T0 + TimeSpan.FromSeconds(61)));
        Assert.False(RearmPlan.FlushOverdue(T0, T0 + TimeSpan.FromMinutes(2), T0 + TimeSpan.FromSeconds(61)));
        Assert.True(RearmPlan.FlushOverdue(T0, T0 + TimeSpan.FromSeconds(45), T0 + TimeSpan.FromSeconds(61)));
    }
}
