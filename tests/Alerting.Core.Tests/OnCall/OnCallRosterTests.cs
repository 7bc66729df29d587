using Alerting.Core.OnCall;

namespace Alerting.Core.Tests.OnCall;

public sealed class OnCallRosterTests
{
    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi = 0) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    private static readonly OnCallConfig Example = OnCallLoader.LoadFile(Path.Combine(TestPaths.RepoRoot, "rules", "oncall.yml"));

    [Fact]
    public void Now_and_next_follow_the_rotation_and_the_override_takes_over_where_it_starts()
    {
        // Tuesday 10 March 2026 12:00 London: alice's week; bob covers her evening from 18:00.
        var view = OnCallRoster.At(Example, Utc(2026, 3, 10, 12)).Single();
        var engineer = view.Roles.Single(r => r.Role == "engineer");

        Assert.Equal("reliability", view.Name);
        Assert.Equal("Europe/London", view.TimeZone);
        Assert.Equal(["engineer", "manager"], view.Roles.Select(r => r.Role).ToArray());
        Assert.Equal("alice", engineer.Now!.Who);
        Assert.Equal(Utc(2026, 3, 10, 18), engineer.Now.Until);
        Assert.Equal("bob", engineer.Next!.Who);
        Assert.True(engineer.Next.IsOverride);
        Assert.Equal(Utc(2026, 3, 11, 9), engineer.Next.Until);
        var pending = Assert.Single(view.Overrides);
        Assert.False(pending.Active);
    }

    [Fact]
    public void During_an_override_the_next_holder_is_whoever_the_rotation_gives_when_it_ends()
    {
        var view = OnCallRoster.At(Example, Utc(2026, 3, 10, 20)).Single();
        var engineer = view.Roles.Single(r => r.Role == "engineer");

        Assert.Equal("bob", engineer.Now!.Who);
        Assert.True(engineer.Now.IsOverride);
        Assert.Equal("alice", engineer.Next!.Who);
        Assert.False(engineer.Next.IsOverride);
        Assert.Equal(Utc(2026, 3, 11, 9), engineer.Next.From);
        Assert.True(Assert.Single(view.Overrides).Active);
    }

    [Fact]
    public void The_next_shift_starts_at_the_local_handoff_across_a_daylight_saving_change()
    {
        // London moves to BST on 29 March 2026: Monday 30 March 09:00 local is 08:00 UTC.
        var view = OnCallRoster.At(Example, Utc(2026, 3, 27, 12)).Single();
        var engineer = view.Roles.Single(r => r.Role == "engineer");

        Assert.Equal(Utc(2026, 3, 30, 8), engineer.Now!.Until);
        Assert.Equal(Utc(2026, 3, 30, 8), engineer.Next!.From);
        Assert.NotEqual(engineer.Now.Who, engineer.Next.Who);
        Assert.Empty(view.Overrides);
    }

    [Fact]
    public void Before_a_rotation_starts_the_next_cover_is_the_first_override()
    {
        var config = OnCallLoader.Parse("""
            schedules:
              - name: s
                time_zone: UTC
                layers: [{ role: engineer, participants: [a], start: 2026-06-01, handoff: { day: monday } }]
                overrides:
                  - { role: lead, who: z, from: "2026-05-02 10:00", to: "2026-05-02 12:00" }
            """);

        var view = OnCallRoster.At(config, Utc(2026, 5, 1, 0)).Single();

        Assert.Null(view.Roles.Single(r => r.Role == "engineer").Now);
        Assert.Null(view.Roles.Single(r => r.Role == "engineer").Next);
        var lead = view.Roles.Single(r => r.Role == "lead");
        Assert.Null(lead.Now);
        Assert.Equal("z", lead.Next!.Who);
        Assert.Equal(Utc(2026, 5, 2, 10), lead.Next.From);
    }
}
