using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alerting.Core.Notify.Slack;

/// <summary>
/// The content of one Slack message: fallback <c>text</c> (shown in notifications), Block Kit
/// <c>blocks</c> and legacy <c>attachments</c> (used only for the severity colour bar).
/// </summary>
public sealed record SlackMessage(string Text, JsonArray Blocks, JsonArray Attachments)
{
    /// <summary>Writes the message fields into <paramref name="body"/>; nodes are cloned so a message can be reused.</summary>
    internal JsonObject WriteTo(JsonObject body)
    {
        body["text"] = Text;
        body["blocks"] = Blocks.DeepClone();
        if (Attachments.Count > 0)
        {
            body["attachments"] = Attachments.DeepClone();
        }
        return body;
    }
}

/// <summary>Request bodies for the Slack endpoints we call, with Slack's documented field names.</summary>
public static class SlackRequests
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    /// <summary>Body for <c>POST https://slack.com/api/chat.postMessage</c> (JSON, bearer token in the header).</summary>
    public static JsonObject PostMessage(string channel, SlackMessage message) =>
        message.WriteTo(new JsonObject { ["channel"] = channel });

    /// <summary>Body for <c>chat.update</c>: the same channel and the <c>ts</c> that postMessage returned.</summary>
    public static JsonObject Update(string channel, string ts, SlackMessage message) =>
        message.WriteTo(new JsonObject { ["channel"] = channel, ["ts"] = ts });

    /// <summary>
    /// Body for an incoming webhook. No <c>channel</c>: app webhooks are bound to one channel and
    /// ignore overrides.
    /// </summary>
    public static JsonObject IncomingWebhook(SlackMessage message) => message.WriteTo([]);

    /// <summary>
    /// Body for a <c>response_url</c> from an interaction: replaces the original message in place.
    /// </summary>
    public static JsonObject ResponseUrlReplace(SlackMessage message) =>
        message.WriteTo(new JsonObject { ["replace_original"] = true });

    public static string ToJson(JsonNode body) => body.ToJsonString(Compact);
}
