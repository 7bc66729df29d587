using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Core.Model;

namespace Alerting.Core.Tests.Alertmanager;

public sealed class SilenceTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static Silence Make(string matchers, TimeSpan? duration = null) =>
        new("0f3c1c2a-1111-4444-8888-123456789abc", MatcherParser.ParseList(matchers), Start, Start + (duration ?? TimeSpan.FromHours(2)), "alice", "maintenance")
        {
            UpdatedAt = Start,
        };

    [Fact]
    public void StateFollowsStartAndEndWithExclusiveEnd()
    {
        var s = Make("alertname=DiskFull");
        Assert.Equal(SilenceState.Pending, s.StateAt(Start.AddSeconds(-1)));
        Assert.Equal(SilenceState.Active, s.StateAt(Start));
        Assert.True(s.IsActive(Start.AddHours(1)));
        Assert.Equal(SilenceState.Expired, s.StateAt(Start.AddHours(2)));
    }

    [Fact]
    public void MatchesOnlyAlertsSatisfyingEveryMatcher()
    {
        var s = Make("{alertname=\"DiskFull\", instance=~\"web-.*\"}");
        Assert.True(s.Matches(Labels.From(("alertname", "DiskFull"), ("instance", "web-1"), ("job", "node"))));
        Assert.False(s.Matches(Labels.From(("alertname", "DiskFull"), ("instance", "db-1"))));
        Assert.True(s.Mutes(Labels.From(("alertname", "DiskFull"), ("instance", "web-2")), Start.AddMinutes(5)));
        Assert.False(s.Mutes(Labels.From(("alertname", "DiskFull"), ("instance", "web-2")), Start.AddHours(3)));
    }

    [Fact]
    public void SilenceWhoseMatchersAllMatchEmptyIsInvalid()
    {
        Assert.Equal("at least one matcher must not match the empty string", Make("{foo=~\".*\", bar!=\"x\"}").Validate());
        Assert.Null(Make("{foo=~\".*\", bar=\"x\"}").Validate());
    }

    [Fact]
    public void ValidationRejectsWhatAlertmanagerRejects()
    {
        Assert.Equal("at least one matcher required", (Make("a=b") with { Matchers = [] }).Validate());
        Assert.Equal("ID missing", (Make("a=b") with { Id = "" }).Validate());
        Assert.Equal("end time must not be before start time", (Make("a=b") with { EndsAt = Start.AddMinutes(-1) }).Validate());
        Assert.Equal("Failed to create silence: start time must be before end time", Make("a=b", TimeSpan.Zero).ValidateForCreate(Start));
        Assert.Equal("Failed to create silence: end time can't be in the past", Make("a=b").ValidateForCreate(Start.AddDays(1)));
        Assert.Null(Make("a=b").ValidateForCreate(Start.AddMinutes(1)));
    }

    [Fact]
    public void JsonHasAlertmanagerV2Shape()
    {
        var json = JsonNode.Parse(Make("{alertname=\"DiskFull\", env!~\"dev|test\"}").ToJsonString(Start.AddMinutes(1)))!;
        Assert.Equal("active", (string?)json["status"]!["state"]);
        Assert.Equal("2026-11-24T12:00:00.000Z", (string?)json["startsAt"]);
        Assert.Equal("2026-11-24T14:00:00.000Z", (string?)json["endsAt"]);
        Assert.Equal("alice", (string?)json["createdBy"]);
        var m = json["matchers"]!.AsArray();
        Assert.Equal("""{"isEqual":true,"isRegex":false,"name":"alertname","value":"DiskFull"}""", m[0]!.ToJsonString());
        Assert.Equal("""{"isEqual":false,"isRegex":true,"name":"env","value":"dev|test"}""", m[1]!.ToJsonString());
        Assert.Equal(["id", "status", "updatedAt", "comment", "createdBy", "endsAt", "matchers", "startsAt"], json.AsObject().Select(kv => kv.Key));
    }

    [Fact]
    public void JsonRoundTripsAndIsEqualDefaultsToTrue()
    {
        var original = Make("{alertname=\"DiskFull\", env!~\"dev|test\", team!=ops}");
        var back = Silence.FromJson(original.ToJsonString(Start));
        Assert.Equal(original.Matchers.Select(MatcherParser.Format), back.Matchers.Select(MatcherParser.Format));
        Assert.Equal((original.StartsAt, original.EndsAt, original.CreatedBy, original.Comment), (back.StartsAt, back.EndsAt, back.CreatedBy, back.Comment));

        var posted = Silence.FromJson("""{"matchers":[{"name":"job","value":"node","isRegex":false}],"startsAt":"2026-11-24T12:00:00Z","endsAt":"2026-11-24T13:00:00Z","createdBy":"bob","comment":"x"}""");
        Assert.Equal(MatcherType.Equal, Assert.Single(posted.Matchers).Type);
        Assert.Equal(string.Empty, posted.Id);
    }

    // The messages below are what Alertmanager 0.25's POST /api/v2/silences answered for the same input.
    [Theory]
    [InlineData("""{"matchers":[],"startsAt":"2026-11-24T12:00:00Z","endsAt":"2026-11-24T13:00:00Z","createdBy":"me","comment":"c"}""", "matchers in body should have at least 1 items")]
    [InlineData("""{"matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"2026-11-24T12:00:00Z","endsAt":"2026-11-24T13:00:00Z","comment":"c"}""", "createdBy in body is required")]
    [InlineData("""{"matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"2026-11-24T12:00:00Z","endsAt":"2026-11-24T13:00:00Z","createdBy":"me"}""", "comment in body is required")]
    [InlineData("""{"matchers":[{"name":"a","value":"b"}],"startsAt":"2026-11-24T12:00:00Z","endsAt":"2026-11-24T13:00:00Z","createdBy":"me","comment":"c"}""", "matchers.0.isRegex in body is required")]
    [InlineData("""{"matchers":[{"name":"a","value":"(","isRegex":true}],"startsAt":"2026-11-24T12:00:00Z","endsAt":"2026-11-24T13:00:00Z","createdBy":"me","comment":"c"}""", "silence invalid: invalid label matcher 0: invalid regular expression \"(\": error parsing regexp: missing closing ): `(`")]
    public void PostedJsonIsCheckedLikeTheV2Api(string json, string message)
    {
        var e = Assert.Throws<FormatException>(() => Silence.FromJson(json));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void PostedSilencesAreValidatedAndStoredLikeAlertmanager()
    {
        const string json = """{"matchers":[{"name":"a-b","value":"x","isRegex":false}],"startsAt":"2026-11-24T12:00:00Z","endsAt":"2026-11-24T13:00:00Z","createdBy":"me","comment":"c"}""";
        Assert.Equal("silence invalid: invalid label matcher 0: invalid label name \"a-b\"", Silence.FromJson(json).ValidateForCreate(Start));
        var allEmpty = Silence.FromJson(json.Replace("\"a-b\",\"value\":\"x\",\"isRegex\":false", "\"a\",\"value\":\".*\",\"isRegex\":true", StringComparison.Ordinal));
        Assert.Equal("silence invalid: at least one matcher must not match the empty string", allEmpty.ValidateForCreate(Start));

        var posted = Silence.FromJson(json.Replace("a-b", "job", StringComparison.Ordinal));
        var stored = posted.PrepareForCreate(Start.AddMinutes(10));
        Assert.True(Guid.TryParse(stored.Id, out _));
        Assert.Equal(Start.AddMinutes(10), stored.StartsAt);
        Assert.Equal(Start.AddMinutes(10), stored.UpdatedAt);
        Assert.Null(stored.Validate());
    }
}
