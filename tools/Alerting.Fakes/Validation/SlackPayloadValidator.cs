using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

using Alerting.Core.Notify.Slack;

namespace Alerting.Fakes.Validation;

public enum SlackEndpoint
{
    PostMessage,
    Update,
    IncomingWebhook,
}

/// <summary>
/// What Slack answers to a request: <see cref="Error"/> is null when accepted. Web API methods answer
/// HTTP 200 with <c>{"ok":false,"error":...}</c>; incoming webhooks answer a 4xx with the error code as
/// plain text.
/// </summary>
public sealed record SlackValidationResult(string? Error, int HttpStatus, IReadOnlyList<string> Messages)
{
    public static readonly SlackValidationResult Accepted = new(null, 200, []);

    public bool Ok => Error is null;

    /// <summary>The plain-text body an incoming webhook answers with: <c>ok</c>, or the error code.</summary>
    public string WebhookResponseText => Error ?? "ok";

    /// <summary>The Web API response body, with <c>response_metadata.messages</c> as Slack sends for invalid_blocks.</summary>
    public JsonObject ToWebApiResponse()
    {
        if (Ok)
        {
            return new JsonObject { ["ok"] = true };
        }
        var body = new JsonObject { ["ok"] = false, ["error"] = Error };
        if (Messages.Count > 0)
        {
            body["response_metadata"] = new JsonObject { ["messages"] = new JsonArray([.. Messages.Select(m => (JsonNode)m)]) };
        }
        return body;
    }
}

/// <summary>
/// A strict checker of the message bodies we send to Slack, returning the error code Slack documents for
/// the first class of problem found. The local Slack fake uses it so a malformed message fails a test
/// instead of silently rendering nothing in production.
/// </summary>
public static partial class SlackPayloadValidator
{
    private static readonly HashSet<string> MessageBlockTypes =
        ["header", "section", "actions", "context", "divider", "image", "rich_text", "markdown", "file", "video"];

    private static readonly HashSet<string> NamedColours = ["good", "warning", "danger"];

    /// <param name="json">The raw request body.</param>
    /// <param name="endpoint">Which Slack endpoint received it.</param>
    /// <param name="channelExists">For Web API methods: whether a channel id/name is known. Null accepts any non-empty channel.</param>
    public static SlackValidationResult Validate(string json, SlackEndpoint endpoint, Func<string, bool>? channelExists = null)
    {
        var webhook = endpoint == SlackEndpoint.IncomingWebhook;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return webhook ? Fail("invalid_payload", 400) : Fail("invalid_json", 200);
        }
        if (root is not JsonObject body)
        {
            return webhook ? Fail("invalid_payload", 400) : Fail("json_not_object", 200);
        }

        if (!webhook)
        {
            var channel = StringOf(body["channel"]);
            if (string.IsNullOrEmpty(channel) || (channelExists is not null && !channelExists(channel)))
            {
                return Fail("channel_not_found", 200);
            }
            if (endpoint == SlackEndpoint.Update && string.IsNullOrEmpty(StringOf(body["ts"])))
            {
                return Fail("message_not_found", 200);
            }
        }

        if (!webhook && body["metadata"] is not null && Metadata(body) is null)
        {
            return Fail("invalid_metadata_format", 200);
        }

        var errorStatus = webhook ? 400 : 200;
        if (body["text"] is { } textNode && textNode.GetValueKind() != JsonValueKind.String)
        {
            return webhook ? Fail("invalid_payload", 400) : Fail("invalid_arguments", 200);
        }
        var text = StringOf(body["text"]);
        var hasBlocks = body["blocks"] is JsonArray { Count: > 0 };
        var hasAttachments = body["attachments"] is JsonArray { Count: > 0 };
        if (string.IsNullOrWhiteSpace(text) && !hasBlocks && !hasAttachments)
        {
            return Fail("no_text", errorStatus);
        }
        if (text is not null && text.Length > SlackLimits.MessageText)
        {
            return Fail("msg_too_long", errorStatus);
        }

        var messages = new List<string>();
        if (body["blocks"] is { } blocks)
        {
            CheckBlocks(blocks, "/blocks", messages);
        }
        if (messages.Count > 0)
        {
            return new SlackValidationResult("invalid_blocks", errorStatus, messages);
        }

        if (body["attachments"] is { } attachments)
        {
            if (attachments is not JsonArray list)
            {
                return new SlackValidationResult("invalid_attachments", errorStatus, ["[ERROR] must be an array [json-pointer:/attachments]"]);
            }
            if (list.Count > SlackLimits.Attachments)
            {
                return Fail("too_many_attachments", errorStatus);
            }
            var blockErrors = new List<string>();
            for (var i = 0; i < list.Count; i++)
            {
                var path = $"/attachments/{i}";
                if (list[i] is not JsonObject attachment)
                {
                    messages.Add($"[ERROR] must be an object [json-pointer:{path}]");
                    continue;
                }
                if (attachment["color"] is { } colour &&
                    (StringOf(colour) is not { } c || !(NamedColours.Contains(c) || HexColour().IsMatch(c))))
                {
                    messages.Add($"[ERROR] must be a hex colour or good/warning/danger [json-pointer:{path}/color]");
                }
                if (attachment["blocks"] is { } attachmentBlocks)
                {
                    CheckBlocks(attachmentBlocks, path + "/blocks", blockErrors);
                }
            }
            if (blockErrors.Count > 0)
            {
                return new SlackValidationResult("invalid_blocks", errorStatus, blockErrors);
            }
            if (messages.Count > 0)
            {
                return new SlackValidationResult("invalid_attachments", errorStatus, messages);
            }
        }
        return SlackValidationResult.Accepted;
    }

    /// <summary>
    /// A Web API post's message metadata: an object (or that object as a JSON string, as form bodies carry
    /// it) with an <c>event_type</c> of letters, digits and underscores and an object <c>event_payload</c>.
    /// Null when absent or malformed.
    /// </summary>
    public static JsonObject? Metadata(JsonObject body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var node = body["metadata"];
        if (StringOf(node) is { } text)
        {
            try
            {
                node = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                return null;
            }
        }
        return node is JsonObject metadata &&
            StringOf(metadata["event_type"]) is { Length: > 0 } type && EventType().IsMatch(type) &&
            metadata["event_payload"] is JsonObject
            ? metadata
            : null;
    }

    private static SlackValidationResult Fail(string error, int status) => new(error, status, []);

    private static void CheckBlocks(JsonNode blocks, string path, List<string> errors)
    {
        if (blocks is not JsonArray list)
        {
            errors.Add($"[ERROR] must be an array [json-pointer:{path}]");
            return;
        }
        if (list.Count > SlackLimits.BlocksPerMessage)
        {
            errors.Add($"[ERROR] no more than {SlackLimits.BlocksPerMessage} items allowed [json-pointer:{path}]");
        }
        var blockIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var p = $"{path}/{i}";
            if (list[i] is not JsonObject block)
            {
                errors.Add($"[ERROR] must be an object [json-pointer:{p}]");
                continue;
            }
            if (block["block_id"] is { } idNode)
            {
                var id = StringOf(idNode);
                if (string.IsNullOrEmpty(id) || id.Length > SlackLimits.BlockId)
                {
                    errors.Add($"[ERROR] must be 1-{SlackLimits.BlockId} characters [json-pointer:{p}/block_id]");
                }
                else if (!blockIds.Add(id))
                {
                    errors.Add($"[ERROR] duplicate block_id [json-pointer:{p}/block_id]");
                }
            }
            var type = StringOf(block["type"]);
            if (type is null || !MessageBlockTypes.Contains(type))
            {
                errors.Add($"[ERROR] unsupported type: {type ?? "(missing)"} [json-pointer:{p}/type]");
                continue;
            }
            switch (type)
            {
                case "header":
                    CheckText(block["text"], $"{p}/text", SlackLimits.HeaderText, plainOnly: true, errors);
                    break;
                case "section":
                    CheckSection(block, p, errors);
                    break;
                case "actions":
                    CheckElements(block["elements"], $"{p}/elements", SlackLimits.ActionsElements, CheckInteractive, errors);
                    break;
                case "context":
                    CheckElements(block["elements"], $"{p}/elements", SlackLimits.ContextElements, CheckContextElement, errors);
                    break;
                case "image":
                    if (string.IsNullOrEmpty(StringOf(block["image_url"])) && block["slack_file"] is null)
                    {
                        errors.Add($"[ERROR] missing required field: image_url [json-pointer:{p}]");
                    }
                    CheckLength(block["alt_text"], $"{p}/alt_text", SlackLimits.ImageAltText, errors);
                    break;
                default:
                    break;
            }
        }
    }

    private static void CheckSection(JsonObject block, string p, List<string> errors)
    {
        var hasText = block["text"] is not null;
        var fields = block["fields"];
        if (!hasText && fields is null)
        {
            errors.Add($"[ERROR] must provide either text or fields [json-pointer:{p}]");
        }
        if (hasText)
        {
            CheckText(block["text"], $"{p}/text", SlackLimits.SectionText, plainOnly: false, errors);
        }
        if (fields is not null)
        {
            if (fields is not JsonArray { Count: > 0 } list || list.Count > SlackLimits.SectionFields)
            {
                errors.Add($"[ERROR] must have 1-{SlackLimits.SectionFields} items [json-pointer:{p}/fields]");
            }
            else
            {
                for (var i = 0; i < list.Count; i++)
                {
                    CheckText(list[i], $"{p}/fields/{i}", SlackLimits.SectionFieldText, plainOnly: false, errors);
                }
            }
        }
        if (block["accessory"] is { } accessory)
        {
            CheckInteractive(accessory, $"{p}/accessory", errors);
        }
    }

    private static void CheckElements(JsonNode? elements, string path, int max, Action<JsonNode?, string, List<string>> check, List<string> errors)
    {
        if (elements is not JsonArray list || list.Count == 0)
        {
            errors.Add($"[ERROR] must provide at least 1 item [json-pointer:{path}]");
            return;
        }
        if (list.Count > max)
        {
            errors.Add($"[ERROR] no more than {max} items allowed [json-pointer:{path}]");
        }
        for (var i = 0; i < list.Count; i++)
        {
            check(list[i], $"{path}/{i}", errors);
        }
    }

    private static void CheckContextElement(JsonNode? element, string path, List<string> errors)
    {
        var type = StringOf(element?["type"]);
        if (type == "image")
        {
            if (string.IsNullOrEmpty(StringOf(element!["image_url"])))
            {
                errors.Add($"[ERROR] missing required field: image_url [json-pointer:{path}]");
            }
            return;
        }
        CheckText(element, path, SlackLimits.ContextText, plainOnly: false, errors);
    }

    private static void CheckInteractive(JsonNode? element, string path, List<string> errors)
    {
        if (element is not JsonObject obj)
        {
            errors.Add($"[ERROR] must be an object [json-pointer:{path}]");
            return;
        }
        var type = StringOf(obj["type"]);
        if (type is null)
        {
            errors.Add($"[ERROR] missing required field: type [json-pointer:{path}]");
            return;
        }
        if (obj["action_id"] is { } actionId)
        {
            var id = StringOf(actionId);
            if (string.IsNullOrEmpty(id) || id.Length > SlackLimits.ActionId)
            {
                errors.Add($"[ERROR] must be 1-{SlackLimits.ActionId} characters [json-pointer:{path}/action_id]");
            }
        }
        if (type != "button")
        {
            return; // other element types (selects, date pickers) are not something we send; accept as-is
        }
        CheckText(obj["text"], $"{path}/text", SlackLimits.ButtonText, plainOnly: true, errors);
        CheckLength(obj["value"], $"{path}/value", SlackLimits.ButtonValue, errors);
        if (obj["url"] is { } url)
        {
            var u = StringOf(url);
            if (u is null || u.Length > SlackLimits.ButtonUrl || !Uri.TryCreate(u, UriKind.Absolute, out _))
            {
                errors.Add($"[ERROR] must be a valid URL of at most {SlackLimits.ButtonUrl} characters [json-pointer:{path}/url]");
            }
        }
        if (obj["style"] is { } style && StringOf(style) is not ("primary" or "danger"))
        {
            errors.Add($"[ERROR] must be one of primary, danger [json-pointer:{path}/style]");
        }
    }

    private static void CheckText(JsonNode? node, string path, int max, bool plainOnly, List<string> errors)
    {
        if (node is not JsonObject obj)
        {
            errors.Add($"[ERROR] must be a text object [json-pointer:{path}]");
            return;
        }
        var type = StringOf(obj["type"]);
        if (type is not ("plain_text" or "mrkdwn") || (plainOnly && type != "plain_text"))
        {
            errors.Add($"[ERROR] must be {(plainOnly ? "plain_text" : "plain_text or mrkdwn")} [json-pointer:{path}/type]");
        }
        var text = StringOf(obj["text"]);
        if (string.IsNullOrEmpty(text))
        {
            errors.Add($"[ERROR] must be more than 0 characters [json-pointer:{path}/text]");
        }
        else if (text.Length > max)
        {
            errors.Add($"[ERROR] must be less than {max + 1} characters [json-pointer:{path}/text]");
        }
    }

    private static void CheckLength(JsonNode? node, string path, int max, List<string> errors)
    {
        if (node is null)
        {
            return;
        }
        var s = StringOf(node);
        if (s is null || s.Length > max)
        {
            errors.Add($"[ERROR] must be a string of at most {max} characters [json-pointer:{path}]");
        }
    }

    internal static string? StringOf(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    [GeneratedRegex("^#?[0-9A-Fa-f]{6}$")]
    private static partial Regex HexColour();

    [GeneratedRegex("^[A-Za-z0-9_]+$")]
    private static partial Regex EventType();
}
