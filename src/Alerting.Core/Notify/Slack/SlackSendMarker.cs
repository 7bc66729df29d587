using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Alerting.Core.Notify.Slack;

/// <summary>
/// The client-side marker a <c>chat.postMessage</c> carries so the message can be found again: Slack's
/// message metadata (<c>event_type</c> + <c>event_payload</c>) with the send's identity, read back from
/// <c>conversations.history</c> with <c>include_all_metadata=true</c>. Only the Web API can do this;
/// incoming webhooks cannot read a channel.
/// </summary>
public static partial class SlackSendMarker
{
    /// <summary>Slack's event types are lower-case words joined by underscores.</summary>
    public const string EventType = "alerting_notification_sent";

    /// <summary>Messages per <c>conversations.history</c> page: Slack's documented recommendation is at most 200.</summary>
    public const int PageSize = 200;

    /// <summary>Pages read at most: a lookup is bounded even in a busy channel (then the send goes out again, at-least-once).</summary>
    public const int MaxPages = 10;

    /// <summary>Adds the marker to a <c>chat.postMessage</c> body.</summary>
    public static JsonObject AddTo(JsonObject body, string sendKey)
    {
        ArgumentNullException.ThrowIfNull(body);
        body["metadata"] = new JsonObject
        {
            ["event_type"] = EventType,
            ["event_payload"] = new JsonObject { ["send_key"] = sendKey },
        };
        return body;
    }

    /// <summary>
    /// The <c>ts</c> of the bot message in one <c>conversations.history</c> answer that carries
    /// <paramref name="sendKey"/>, or null. Only messages a bot or app posted count (<c>bot_id</c>/<c>app_id</c>):
    /// a person quoting the marker is not our post.
    /// </summary>
    public static string? FindTs(JsonObject historyPage, string sendKey)
    {
        ArgumentNullException.ThrowIfNull(historyPage);
        if (historyPage["messages"] is not JsonArray messages)
        {
            return null;
        }
        foreach (var message in messages.OfType<JsonObject>())
        {
            if ((message["bot_id"] ?? message["app_id"]) is null ||
                message["metadata"] is not JsonObject { } metadata ||
                StringOf(metadata["event_type"]) != EventType ||
                StringOf(metadata["event_payload"]?["send_key"]) != sendKey)
            {
                continue;
            }
            return StringOf(message["ts"]);
        }
        return null;
    }

    /// <summary>The cursor of the next page (<c>response_metadata.next_cursor</c>), or null on the last page.</summary>
    public static string? NextCursor(JsonObject historyPage)
    {
        ArgumentNullException.ThrowIfNull(historyPage);
        var cursor = StringOf(historyPage["response_metadata"]?["next_cursor"]);
        return string.IsNullOrEmpty(cursor) ? null : cursor;
    }

    /// <summary>A time as Slack's message timestamp (<c>seconds.micros</c>), as <c>oldest</c> takes it.</summary>
    public static string Timestamp(DateTimeOffset at)
    {
        var micros = at.ToUnixTimeMilliseconds() * 1000;
        return string.Create(CultureInfo.InvariantCulture, $"{micros / 1_000_000}.{micros % 1_000_000:D6}");
    }

    /// <summary>
    /// Whether <paramref name="channel"/> is a conversation id (<c>C…</c> public, <c>G…</c> private, <c>D…</c>
    /// direct). <c>chat.postMessage</c> also takes a name, but <c>conversations.history</c> takes only an id.
    /// </summary>
    public static bool IsConversationId(string channel) => ConversationId().IsMatch(channel);

    private static string? StringOf(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    [GeneratedRegex("^[CGD][A-Z0-9]{8,}$")]
    private static partial Regex ConversationId();
}
