using Alerting.Core.Escalation;
using Alerting.Core.OnCall;

namespace Alerting.Core.Tests.OnCall;

public sealed class OnCallResolverTests
{
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    private static OnCallSchedule Weekly(params OnCallOverride[] overrides) => new(
        "reliability",
        London,
        [new OnCallLayer("engineer", ["alice", "bob", "carol"], new DateOnly(2026, 1, 5), DayOfWeek.Monday, new TimeOnly(9, 0))],
        overrides);

    private static string? Who(OnCallSchedule s, string role, DateTimeOffset at) => OnCallResolver.WhoIsOnCall(s, role, at)?.Who;

    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi = 0) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    [Fact]
    public void Rotation_hands_off_on_monday_at_nine_local()
    {
        var s = Weekly();
        Assert.Equal("alice", Who(s, "engineer", Utc(2026, 1, 5, 9, 0)));
        Assert.Equal("alice", Who(s, "engineer", Utc(2026, 1, 12, 8, 59)));
        Assert.Equal("bob", Who(s, "engineer", Utc(2026, 1, 12, 9, 0)));
        Assert.Equal("carol", Who(s, "engineer", Utc(2026, 1, 19, 9, 0)));
        Assert.Equal("alice", Who(s, "engineer", Utc(2026, 1, 26, 9, 0)));
    }

    [Fact]
    public void Nobody_is_on_call_before_the_rotation_starts_or_for_an_unknown_role()
    {
        Assert.Null(Who(Weekly(), "engineer", Utc(2026, 1, 5, 8, 59)));
        Assert.Null(Who(Weekly(), "manager", Utc(2026, 2, 1, 12)));
    }

    [Fact]
    public void Handoff_stays_at_nine_local_across_the_spring_dst_change()
    {
        // UK clocks go forward on Sunday 29 March 2026: 09:00 BST on Monday 30 March is 08:00 UTC.
        var s = Weekly();
        // Weeks since 5 Jan: 12 -> 12 % 3 = 0 -> alice takes over on 30 March.
        Assert.Equal("carol", Who(s, "engineer", Utc(2026, 3, 30, 7, 59)));
        Assert.Equal("alice", Who(s, "engineer", Utc(2026, 3, 30, 8, 0)));

        var shift = OnCallResolver.WhoIsOnCall(s, "engineer", Utc(2026, 3, 25, 12))!;
        Assert.Equal(Utc(2026, 3, 23, 9), shift.From);        // GMT
        Assert.Equal(Utc(2026, 3, 30, 8), shift.Until);       // BST
        Assert.Equal(TimeSpan.FromHours(167), shift.Until - shift.From);
    }

    [Fact]
    public void Handoff_stays_at_nine_local_across_the_autumn_dst_change()
    {
        // UK clocks go back on Sunday 25 October 2026: 09:00 GMT on Monday 26 October is 09:00 UTC.
        var s = Weekly();
        var before = OnCallResolver.WhoIsOnCall(s, "engineer", Utc(2026, 10, 26, 8, 30))!;
        var after = OnCallResolver.WhoIsOnCall(s, "engineer", Utc(2026, 10, 26, 9, 0))!;
        Assert.NotEqual(before.Who, after.Who);
        Assert.Equal(Utc(2026, 10, 26, 9), before.Until);
        Assert.Equal(TimeSpan.FromHours(169), before.Until - before.From);
    }

    [Fact]
    public void Handoff_in_a_zone_far_from_utc_uses_local_day()
    {
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var s = new OnCallSchedule("apac", tokyo,
            [new OnCallLayer("engineer", ["kenji", "yui"], new DateOnly(2026, 1, 5), DayOfWeek.Monday, new TimeOnly(9, 0))], []);
        // Monday 09:00 JST is Monday 00:00 UTC.
        Assert.Equal("kenji", Who(s, "engineer", Utc(2026, 1, 11, 23, 59)));
        Assert.Equal("yui", Who(s, "engineer", Utc(2026, 1, 12, 0, 0)));
    }

    [Fact]
    public void Override_beats_the_rotation_only_inside_its_window()
    {
        var s = Weekly(new OnCallOverride("engineer", "dave", Utc(2026, 1, 6, 18), Utc(2026, 1, 7, 9)));
        Assert.Equal("alice", Who(s, "engineer", Utc(2026, 1, 6, 17, 59)));
        var covered = OnCallResolver.WhoIsOnCall(s, "engineer", Utc(2026, 1, 6, 18))!;
        Assert.Equal(("dave", true, Utc(2026, 1, 7, 9)), (covered.Who, covered.IsOverride, covered.Until));
        Assert.Equal("alice", Who(s, "engineer", Utc(2026, 1, 7, 9)));

        // Before the override, alice's shift is reported as ending where dave takes over.
        Assert.Equal(Utc(2026, 1, 6, 18), OnCallResolver.WhoIsOnCall(s, "engineer", Utc(2026, 1, 6, 12))!.Until);
    }

    [Fact]
    public void Later_override_wins_where_overrides_overlap()
    {
        var s = Weekly(
            new OnCallOverride("engineer", "dave", Utc(2026, 1, 6, 0), Utc(2026, 1, 8, 0)),
            new OnCallOverride("engineer", "erin", Utc(2026, 1, 7, 0), Utc(2026, 1, 7, 12)));
        Assert.Equal("dave", Who(s, "engineer", Utc(2026, 1, 6, 12)));
        Assert.Equal("erin", Who(s, "engineer", Utc(2026, 1, 7, 6)));
        Assert.Equal("dave", Who(s, "engineer", Utc(2026, 1, 7, 13)));
    }

    [Fact]
    public void Two_week_rotation_and_later_layer_precedence()
    {
        var s = new OnCallSchedule("r", London,
        [
            new OnCallLayer("manager", ["dana", "erin"], new DateOnly(2026, 1, 5), DayOfWeek.Monday, new TimeOnly(9, 0), LengthWeeks: 2),
            new OnCallLayer("manager", ["frank"], new DateOnly(2026, 3, 2), DayOfWeek.Monday, new TimeOnly(9, 0)),
        ], []);
        Assert.Equal("dana", Who(s, "manager", Utc(2026, 1, 13, 12)));
        Assert.Equal("erin", Who(s, "manager", Utc(2026, 1, 20, 12)));
        Assert.Equal("dana", Who(s, "manager", Utc(2026, 2, 3, 12)));
        Assert.Equal("frank", Who(s, "manager", Utc(2026, 3, 3, 12)));
    }

    [Fact]
    public void Start_date_that_is_not_a_handoff_day_begins_at_the_next_handoff()
    {
        var s = new OnCallSchedule("r", London,
            [new OnCallLayer("engineer", ["a", "b"], new DateOnly(2026, 1, 1), DayOfWeek.Friday, new TimeOnly(17, 30))], []);
        Assert.Null(Who(s, "engineer", Utc(2026, 1, 1, 12)));
        Assert.Equal("a", Who(s, "engineer", Utc(2026, 1, 2, 17, 30)));
        Assert.Equal("b", Who(s, "engineer", Utc(2026, 1, 9, 17, 30)));
    }

    [Fact]
    public void Local_times_in_dst_gaps_and_overlaps_map_to_sensible_instants()
    {
        // 01:30 on 29 March 2026 does not exist in London; the first valid time is 02:00 BST = 01:00 UTC.
        Assert.Equal(Utc(2026, 3, 29, 1), OnCallResolver.ToInstant(new DateTime(2026, 3, 29, 1, 30, 0), London));
        // 01:30 on 25 October 2026 happens twice; the first is 01:30 BST = 00:30 UTC.
        Assert.Equal(Utc(2026, 10, 25, 0, 30), OnCallResolver.ToInstant(new DateTime(2026, 10, 25, 1, 30, 0), London));
    }
}
