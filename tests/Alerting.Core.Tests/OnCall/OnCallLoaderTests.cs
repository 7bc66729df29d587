using Alerting.Core.Config;
using Alerting.Core.Escalation;
using Alerting.Core.OnCall;

namespace Alerting.Core.Tests.OnCall;

public sealed class OnCallLoaderTests
{
    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi = 0) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    [Fact]
    public void Example_file_loads_people_layers_and_local_time_override()
    {
        var config = OnCallLoader.LoadFile(Path.Combine(TestPaths.RepoRoot, "rules", "oncall.yml"));
        var s = config.Schedule(null)!;

        Assert.Equal("reliability", s.Name);
        Assert.Equal("Europe/London", s.TimeZone.Id);
        Assert.Equal("U01DANA", config.Person("dana").Slack);
        Assert.Equal(2, s.Layers.Single(l => l.Role == "manager").LengthWeeks);
        // "2026-03-10 18:00" London is GMT in March before the change.
        Assert.Equal(new OnCallOverride("engineer", "bob", Utc(2026, 3, 10, 18), Utc(2026, 3, 11, 9)), s.Overrides.Single());

        // 9 March 2026 is week 9 of the rotation: 9 % 3 = 0 -> alice, but bob covers the evening of the 10th.
        Assert.Equal("alice", OnCallResolver.WhoIsOnCall(config, null, "engineer", Utc(2026, 3, 10, 12))!.Who);
        Assert.Equal("bob", OnCallResolver.WhoIsOnCall(config, "reliability", "engineer", Utc(2026, 3, 10, 20))!.Who);
        Assert.Null(OnCallResolver.WhoIsOnCall(config, "other", "engineer", Utc(2026, 3, 10, 20)));
    }

    [Fact]
    public void Override_with_offset_or_z_is_taken_as_given()
    {
        var config = OnCallLoader.Parse("""
            schedules:
              - name: s
                time_zone: America/New_York
                layers: [{ role: engineer, participants: [a], start: 2026-01-05, handoff: { day: monday } }]
                overrides:
                  - { role: engineer, who: b, from: "2026-07-01T12:00:00Z", to: "2026-07-01T18:00:00+02:00" }
                  - { role: engineer, who: c, from: "2026-07-02 09:00", to: "2026-07-02 17:00" }
            """);
        var o = config.Schedules[0].Overrides;
        Assert.Equal(Utc(2026, 7, 1, 12), o[0].From);
        Assert.Equal(Utc(2026, 7, 1, 16), o[0].To);
        Assert.Equal(Utc(2026, 7, 2, 13), o[1].From); // EDT is UTC-4
        Assert.Equal(new TimeOnly(9, 0), config.Schedules[0].Layers[0].HandoffTime);
    }

    [Theory]
    [InlineData("schedules:\n  - name: s\n    time_zone: Mars/Olympus\n    layers: []\n", 3, "schedules[0].time_zone", "unknown time zone")]
    [InlineData("schedules:\n  - name: s\n    time_zone: UTC\n    layers:\n      - { role: e, participants: [a], start: 2026-01-05, handoff: { day: funday } }\n", 5, "schedules[0].layers[0].handoff.day", "weekday")]
    [InlineData("schedules:\n  - name: s\n    time_zone: UTC\n    layers:\n      - { role: e, participants: [a], start: 5 Jan, handoff: { day: monday } }\n", 5, "schedules[0].layers[0].start", "expected a date")]
    [InlineData("schedules:\n  - name: s\n    time_zone: UTC\n    layers:\n      - { role: e, participants: [], start: 2026-01-05, handoff: { day: monday } }\n", 5, "schedules[0].layers[0].participants", "at least one participant")]
    [InlineData("schedules:\n  - name: s\n    time_zone: UTC\n    layers:\n      - { role: e, participants: [a], start: 2026-01-05, handoff: { day: monday }, length: 3d }\n", 5, "schedules[0].layers[0].length", "whole number of weeks")]
    [InlineData("people:\n  a: {}\nschedules:\n  - name: s\n    time_zone: UTC\n    layers:\n      - { role: e, participants: [a, zed], start: 2026-01-05, handoff: { day: monday } }\n", 7, "schedules[0].layers[0].participants[1]", "not listed under people")]
    [InlineData("schedules:\n  - name: s\n    time_zone: UTC\n    layers: []\n    overrides:\n      - { role: e, who: a, from: \"2026-01-02 10:00\", to: \"2026-01-02 09:00\" }\n", 6, "schedules[0].overrides[0].to", "end after it starts")]
    [InlineData("schedules:\n  - name: s\n    time_zone: UTC\n    layers: []\n    rotations: []\n", 5, "schedules[0].rotations", "unknown key")]
    public void Errors_name_file_line_and_key(string yaml, int line, string key, string problem)
    {
        var e = Assert.Throws<ConfigException>(() => OnCallLoader.Parse(yaml, "rules/oncall.yml"));
        Assert.Equal((line, key), (e.Line, e.Key));
        Assert.Contains(problem, e.Detail, StringComparison.Ordinal);
        Assert.StartsWith($"rules/oncall.yml:{line}:", e.Message, StringComparison.Ordinal);
    }
}
