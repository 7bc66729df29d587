namespace Alerting.Core.Escalation;

/// <summary>
/// Decides when delayed work has stalled: its queue message was leased by a process that died (Azure's
/// queue listener leases for 10 minutes), or was lost between a table write and the enqueue after it.
/// Every resend of an alert asks, and stalled work is re-armed with a new token, so the old message, if
/// it ever comes back, is stale and does nothing. Work is stalled only once its due time is more than
/// <see cref="Grace"/> past: a live message is picked up within the local host's lease (30 s), a group
/// claim lapses within <c>GroupFlusher.ClaimLease</c>, and polling adds seconds, so a live chain is never
/// re-armed and a dead one waits at most about a minute plus the time to the alert's next resend.
/// </summary>
public static class RearmPlan
{
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a re-armed chain is left alone. Its new message goes to the back of the queue: under a backlog
    /// it may wait minutes before anyone reads it, and a reader may lease it for up to Azure's 10 minutes, so
    /// judging it by <see cref="Grace"/> again would re-arm on every resend and flood the queue with chains
    /// that all turn out stale.
    /// </summary>
    public static readonly TimeSpan RearmWindow = TimeSpan.FromMinutes(10);

    /// <summary>
    /// True when the incident's chain should have notified a step more than <see cref="Grace"/> ago and has
    /// not: the planner says a step is due now (not waiting, not stopped by acknowledge, resolve, silence or
    /// the end of the policy) and it fell due before <paramref name="now"/> minus the grace; and the chain was
    /// not itself re-armed (at <paramref name="rearmedAt"/>) within the last <see cref="RearmWindow"/>.
    /// </summary>
    public static bool IncidentStalled(EscalationPolicy policy, EscalationState state, DateTimeOffset now, DateTimeOffset? rearmedAt = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(state);
        if (rearmedAt is { } at && at + RearmWindow > now)
        {
            return false;
        }
        var decision = EscalationPlan.NextStep(policy, state, now);
        return decision is { Kind: EscalationDecisionKind.Notify, DueAt: { } due } && due + Grace < now;
    }

    /// <summary>
    /// True when a group's flush was due more than <see cref="Grace"/> ago and no live claim holds it (a
    /// flush in progress keeps its claim; one whose holder died loses it when the claim lapses).
    /// </summary>
    public static bool FlushOverdue(DateTimeOffset nextFlushAt, DateTimeOffset? claimedUntil, DateTimeOffset now) =>
        nextFlushAt + Grace < now && !(claimedUntil > now);
}
