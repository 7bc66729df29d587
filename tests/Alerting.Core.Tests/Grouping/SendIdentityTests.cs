using System.Text.Json.Nodes;
using Alerting.Core.Grouping;
using Alerting.Core.Notify.Slack;

namespace Alerting.Core.Tests.Grouping;

/// <summary>
/// A send's identity finds the post of an unrecorded attempt again (same alerts since the same log entry,
/// whatever the flush token) and never an older post of the same alerts told after another entry.
/// </summary>
public sealed class SendIdentityTests
{
    private static string Key(string? lastToken, string[]? firing = null, string[]? resolved = null) =>
        SendIdentity.For("team", "{}:{alertname=\"DiskFull\"}", "slack-0", firing ?? ["b", "a"], resolved ?? [], lastToken);

    [Fact]
    public void The_same_alerts_since_the_same_log_entry_have_one_identity_in_any_order()
    {
        Assert.Equal(Key("t1", ["a", "b"]), Key("t1", ["b", "a"]));
    }

    [Fact]
    public void Another_log_entry_or_other_alerts_give_another_identity()
    {
        Assert.NotEqual(Key("t1"), Key("t2"));
        Assert.NotEqual(Key(null), Key("t1"));
        Assert.NotEqual(Key("t1", ["a"]), Key("t1", ["a"], ["b"]));
        Assert.NotEqual(
            SendIdentity.For("team", "g", "slack-0", ["a"], [], "t1"),
            SendIdentity.For("team", "g", "slack-1", ["a"], [], "t1"));
    }

    [Fact]
    public void The_marker_is_found_on_a_bot_message_only()
    {
        var key = Key("t1");
        var marked = SlackSendMarker.AddTo(new JsonObject { ["text"] = "x" }, key)["metadata"]!.DeepClone();
        var page = new JsonObject
        {
            ["messages"] = new JsonArray(
                new JsonObject { ["user"] = "U1", ["ts"] = "3.000000", ["metadata"] = marked.DeepClone() },
                new JsonObject { ["bot_id"] = "B1", ["ts"] = "2.000000", ["metadata"] = marked.DeepClone() },
                new JsonObject { ["bot_id"] = "B1", ["ts"] = "1.000000" }),
            ["response_metadata"] = new JsonObject { ["next_cursor"] = "" },
        };

        Assert.Equal("2.000000", SlackSendMarker.FindTs(page, key));
        Assert.Null(SlackSendMarker.FindTs(page, Key("t2")));
        Assert.Null(SlackSendMarker.NextCursor(page));
        Assert.Equal("1764842400.123000", SlackSendMarker.Timestamp(DateTimeOffset.FromUnixTimeMilliseconds(1764842400123)));
    }
}
