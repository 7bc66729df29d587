using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alerting.Core.Notify.Slack;

/// <summary>The parts of a Slack <c>block_actions</c> interaction the acknowledge flow needs.</summary>
public sealed record SlackInteraction(
    string Type,
    string ActionId,
    string? Value,
    string UserId,
    string UserName,
    string? ResponseUrl,
    string? ChannelId,
    string? MessageTs,
    string? TriggerId);

/// <summary>
/// Parses the interactivity request Slack posts when a button is clicked: an
/// <c>application/x-www-form-urlencoded</c> body whose single <c>payload</c> field is JSON. Verify the
/// signature over the raw body first (<see cref="SlackRequestVerifier"/>).
/// </summary>
public static class SlackInteractionParser
{
    /// <summary>Returns null with a reason when the body is not a usable block action.</summary>
    public static SlackInteraction? Parse(string formBody, out string? error)
    {
        var payload = FormField(formBody, "payload");
        if (payload is null)
        {
            error = "missing 'payload' form field";
            return null;
        }
        JsonNode? root;
        try
        {
            // Parsed eagerly through a document so a repeated key is a parse error here, not an
            // exception when a field is first read.
            root = JsonNode.Parse(payload, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            error = "payload is not JSON: " + e.Message;
            return null;
        }
        if (root is not JsonObject obj)
        {
            error = "payload is not a JSON object";
            return null;
        }
        var type = Str(obj["type"]);
        if (type != "block_actions")
        {
            error = $"unsupported interaction type '{type}'";
            return null;
        }
        var action = obj["actions"] is JsonArray { Count: > 0 } actions ? actions[0] as JsonObject : null;
        var actionId = Str(action?["action_id"]);
        if (actionId is null)
        {
            error = "payload has no actions[0].action_id";
            return null;
        }
        var user = obj["user"] as JsonObject;
        var userId = Str(user?["id"]);
        if (userId is null)
        {
            error = "payload has no user.id";
            return null;
        }
        // Workspaces created recently may send only "name"; fall back so the audit trail always names someone.
        var userName = Str(user!["username"]) ?? Str(user["name"]) ?? userId;
        error = null;
        return new SlackInteraction(
            type,
            actionId,
            Str(action!["value"]),
            userId,
            userName,
            Str(obj["response_url"]),
            Str(Field(obj, "channel", "id")) ?? Str(Field(obj, "container", "channel_id")),
            Str(Field(obj, "container", "message_ts")) ?? Str(Field(obj, "message", "ts")),
            Str(obj["trigger_id"]));
    }

    /// <summary>Value of one field of a URL-encoded form ('+' is a space, as HTML forms encode it).</summary>
    public static string? FormField(string formBody, string name)
    {
        foreach (var pair in formBody.Split('&'))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(eq < 0 ? pair : pair[..eq]);
            if (key == name)
            {
                return eq < 0 ? string.Empty : Decode(pair[(eq + 1)..]);
            }
        }
        return null;
    }

    private static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

    /// <summary>obj[outer][inner] when obj[outer] is an object; a string or array there reads as absent.</summary>
    private static JsonNode? Field(JsonObject obj, string outer, string inner) => (obj[outer] as JsonObject)?[inner];

    private static string? Str(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
