using Alerting.Core.NotificationLog;
using Alerting.Core.Grouping;
using Alerting.Core.Model;

namespace Alerting.Core.Tests.NotificationLog;

/// <summary>Alertmanager's DedupStage decision, case by case.</summary>
public sealed class DedupPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Repeat = TimeSpan.FromHours(4);

    private static HashSet<string> Set(params string[] fps) => [.. fps];

    private static NotificationLogEntry Sent(string[] firing, string[] resolved, TimeSpan ago) => new(firing, resolved, Now - ago);

    [Fact]
    public void A_group_never_notified_is_sent_only_when_something_fires()
    {
        Assert.True(DedupPolicy.NeedsUpdate(null, Set("a"), Set(), true, Repeat, Now));
        Assert.False(DedupPolicy.NeedsUpdate(null, Set(), Set("a"), true, Repeat, Now));
    }

    [Fact]
    public void A_new_firing_alert_is_sent_at_once()
    {
        var last = Sent(["a"], [], TimeSpan.FromMinutes(1));
        Assert.True(DedupPolicy.NeedsUpdate(last, Set("a", "b"), Set(), false, Repeat, Now));
    }

    [Fact]
    public void Nothing_new_waits_for_the_repeat_interval()
    {
        Assert.False(DedupPolicy.NeedsUpdate(Sent(["a"], [], TimeSpan.FromHours(1)), Set("a"), Set(), true, Repeat, Now));
        Assert.True(DedupPolicy.NeedsUpdate(Sent(["a"], [], TimeSpan.FromHours(5)), Set("a"), Set(), true, Repeat, Now));
    }

    [Fact]
    public void A_resolution_is_sent_only_to_integrations_with_send_resolved()
    {
        var last = Sent(["a", "b"], [], TimeSpan.FromMinutes(1));
        Assert.True(DedupPolicy.NeedsUpdate(last, Set("a"), Set("b"), sendResolved: true, Repeat, Now));
        Assert.False(DedupPolicy.NeedsUpdate(last, Set("a"), Set("b"), sendResolved: false, Repeat, Now));
    }

    [Fact]
    public void All_resolved_is_sent_regardless_of_send_resolved_when_the_receiver_knew_of_firing_alerts()
    {
        Assert.True(DedupPolicy.NeedsUpdate(Sent(["a"], [], TimeSpan.FromMinutes(1)), Set(), Set("a"), false, Repeat, Now));
        // Fired and resolved within one interval, never notified: the receiver does not need to hear of it.
        Assert.False(DedupPolicy.NeedsUpdate(Sent([], ["x"], TimeSpan.FromMinutes(1)), Set(), Set("a"), true, Repeat, Now));
    }
}

/// <summary>Alertmanager's rules for merging a received alert into the one held.</summary>
public sealed class AlertMergeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static Alert A(DateTimeOffset starts, DateTimeOffset? ends) =>
        new(Labels.From(("alertname", "X")), Labels.Empty, starts, ends, "");

    [Fact]
    public void The_earliest_start_is_kept()
    {
        var merged = AlertMerge.Merge(A(Now.AddMinutes(-10), Now.AddMinutes(5)), A(Now.AddMinutes(-1), Now.AddMinutes(5)), Now, false);
        Assert.Equal(Now.AddMinutes(-10), merged.StartsAt);
    }

    [Fact]
    public void An_explicit_later_end_is_not_shortened_but_a_timeout_end_is()
    {
        var explicitEnd = AlertMerge.Merge(A(Now, Now.AddMinutes(10)), A(Now, Now.AddMinutes(5)), Now, olderEndsAtIsTimeout: false);
        Assert.Equal(Now.AddMinutes(10), explicitEnd.EndsAt);
        var timeoutEnd = AlertMerge.Merge(A(Now, Now.AddMinutes(10)), A(Now, Now.AddMinutes(5)), Now, olderEndsAtIsTimeout: true);
        Assert.Equal(Now.AddMinutes(5), timeoutEnd.EndsAt);
    }

    [Fact]
    public void A_resolution_wins_over_a_firing_alert()
    {
        var merged = AlertMerge.Merge(A(Now.AddMinutes(-5), Now.AddMinutes(10)), A(Now.AddMinutes(-5), Now.AddMinutes(-1)), Now, false);
        Assert.True(merged.IsResolvedAt(Now));
    }
}
