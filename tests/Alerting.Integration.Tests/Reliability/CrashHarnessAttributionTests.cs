using Alerting.Chaos;

namespace Alerting.Integration.Tests.Reliability;

/// <summary>
/// How the crash harness charges each extra copy of an alert: to the kill or storage outage that cut off
/// the first copy's record, to a resolve in between (a legitimate new notification), or to nothing. The
/// duplicate goal is checked per kill from this, so a wrong charge would hide a crash window or invent one.
/// </summary>
public sealed class CrashHarnessAttributionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private static DateTimeOffset At(double seconds) => T0.AddSeconds(seconds);

    private static Disruption Kill(int n, double at, double back) => new(DisruptionKind.Kill, n, At(at), At(back));

    private static AlertDeliveries Copies(string channel, string id, double[] copies, double[]? resolves = null) =>
        new(channel, id, [.. copies.Select(At)], [.. (resolves ?? []).Select(At)]);

    [Fact]
    public void A_copy_after_the_restart_whose_first_copy_came_within_a_lease_before_the_kill_is_charged_to_that_kill()
    {
        var kills = new[] { Kill(1, 10, 14), Kill(2, 20, 23) };

        var copy = Assert.Single(DuplicateAttribution.Attribute([Copies("email", "w0003", [8, 41])], kills, Lease));

        Assert.Equal(CopyCause.Kill, copy.Cause);
        Assert.Equal(1, copy.By!.Number);
        Assert.Empty(DuplicateAttribution.Breaches([copy]));
    }

    [Fact]
    public void A_copy_whose_alert_resolved_in_between_is_a_new_notification_even_across_a_kill()
    {
        var kills = new[] { Kill(1, 10, 14) };

        var copy = Assert.Single(DuplicateAttribution.Attribute([Copies("pagerduty", "w0003", [8, 300], resolves: [250])], kills, Lease));

        Assert.Equal(CopyCause.Refire, copy.Cause);
        Assert.Empty(DuplicateAttribution.Breaches([copy]));
    }

    [Fact]
    public void A_copy_with_no_kill_within_a_lease_of_the_first_is_unexplained_and_breaks_the_goal()
    {
        var kills = new[] { Kill(1, 50, 54) };

        var copy = Assert.Single(DuplicateAttribution.Attribute([Copies("email", "w0003", [8, 60])], kills, Lease));

        Assert.Equal(CopyCause.Unexplained, copy.Cause);
        Assert.Contains(DuplicateAttribution.Breaches([copy]), b => b.StartsWith("unexplained", StringComparison.Ordinal));
    }

    [Fact]
    public void A_copy_sent_during_a_storage_outage_and_again_later_is_charged_to_the_outage()
    {
        var outage = new Disruption(DisruptionKind.Outage, 1, At(10), At(30));

        var copy = Assert.Single(DuplicateAttribution.Attribute([Copies("slack", "a0001", [15, 45])], [outage], Lease));

        Assert.Equal(CopyCause.Outage, copy.Cause);
        Assert.Equal(1, copy.By!.Number);
    }

    [Fact]
    public void One_extra_copy_of_each_alert_in_flight_at_a_kill_is_within_the_goal_but_a_second_copy_of_one_is_not()
    {
        var kills = new[] { Kill(1, 10, 14) };
        var copies = DuplicateAttribution.Attribute(
            [Copies("email", "w0003", [8, 41]), Copies("slack", "w0003", [8, 42]), Copies("email", "w0004", [9, 43])], kills, Lease);

        // Two alerts' flushes were in flight when the app died: each is paged once more, as the issue allows.
        Assert.All(copies, c => Assert.Equal(CopyCause.Kill, c.Cause));
        Assert.Empty(DuplicateAttribution.Breaches(copies));

        // A third copy of one of them, with nothing in between to explain it, breaks the goal.
        var again = DuplicateAttribution.Attribute([Copies("email", "w0003", [8, 41, 44])], kills, Lease);
        Assert.Contains(DuplicateAttribution.Breaches(again), b => b.StartsWith("unexplained", StringComparison.Ordinal) && b.Contains("w0003", StringComparison.Ordinal));
    }

    [Fact]
    public void A_second_PagerDuty_incident_from_a_kill_breaks_the_goal()
    {
        var kills = new[] { Kill(1, 10, 14) };

        var copy = Assert.Single(DuplicateAttribution.Attribute([Copies("pagerduty", "w0003", [8, 41])], kills, Lease));

        Assert.Equal(CopyCause.Kill, copy.Cause);
        Assert.Single(DuplicateAttribution.Breaches([copy]));
    }
}

/// <summary>How the crash harness finds an alert's messages: an acknowledged alert's id is valid hex.</summary>
public sealed class CrashHarnessAlertIdTests
{
    [Fact]
    public void An_id_inside_another_groups_dedup_key_is_not_that_alerts_message()
    {
        Assert.False(AlertIds.Named("""{"dedup_key":"3fa0011c9e","payload":{"summary":"chaos alert w0012"}}""", "a0011"));
    }

    [Fact]
    public void An_id_in_the_alerts_labels_or_summary_is_its_message()
    {
        Assert.True(AlertIds.Named("""{"text":"[FIRING:1] ChaosAck (alert_id=\"a0011\")"}""", "a0011"));
        Assert.True(AlertIds.Named("chaos alert a0011", "a0011"));
    }
}
