using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

using Alerting.Core.Notify.PagerDuty;

namespace Alerting.Fakes.Validation;

/// <summary>
/// Checks an Events API v2 request body the way PagerDuty does, collecting every problem. The local
/// PagerDuty fake answers 400 with <see cref="InvalidEventResponse"/> when the list is not empty.
/// </summary>
public static class PagerDutyEventValidator
{
    public const int RoutingKeyLength = 32;

    private static readonly HashSet<string> Actions = ["trigger", "acknowledge", "resolve"];
    private static readonly HashSet<string> Severities = ["critical", "error", "warning", "info"];
    private static readonly HashSet<string> TopLevel =
        ["routing_key", "event_action", "dedup_key", "payload", "links", "images", "client", "client_url"];
    private static readonly HashSet<string> PayloadFields =
        ["summary", "source", "severity", "timestamp", "component", "group", "class", "custom_details"];

    public static IReadOnlyList<string> Validate(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return ["Could not parse the request body as JSON"];
        }
        return root is JsonObject obj ? Validate(obj) : ["Event object must be a JSON object"];
    }

    public static IReadOnlyList<string> Validate(JsonObject ev)
    {
        var errors = new List<string>();
        foreach (var (name, _) in ev)
        {
            if (!TopLevel.Contains(name))
            {
                errors.Add($"'{name}' is not a recognised field");
            }
        }

        var routingKey = Str(ev, "routing_key", errors);
        if (string.IsNullOrWhiteSpace(routingKey))
        {
            errors.Add("'routing_key' is missing or blank");
        }
        else if (routingKey.Length != RoutingKeyLength)
        {
            errors.Add($"Length of 'routing_key' is incorrect (should be {RoutingKeyLength} characters)");
        }

        var action = Str(ev, "event_action", errors);
        if (string.IsNullOrWhiteSpace(action))
        {
            errors.Add("'event_action' is missing or blank");
        }
        else if (!Actions.Contains(action))
        {
            errors.Add("'event_action' is invalid (must be one of 'trigger', 'acknowledge' or 'resolve')");
        }

        var dedupKey = Str(ev, "dedup_key", errors);
        if (dedupKey is not null && dedupKey.Length > PagerDutyEventBuilder.MaxDedupKey)
        {
            errors.Add($"Length of 'dedup_key' is too long (maximum is {PagerDutyEventBuilder.MaxDedupKey} characters)");
        }
        if (action is "acknowledge" or "resolve" && string.IsNullOrWhiteSpace(dedupKey))
        {
            errors.Add("'dedup_key' is missing or blank (required for acknowledge and resolve)");
        }

        if (action == "trigger")
        {
            CheckPayload(ev["payload"], errors);
        }
        else if (ev["payload"] is { } p && p is not JsonObject)
        {
            errors.Add("'payload' must be an object");
        }

        Str(ev, "client", errors);
        Str(ev, "client_url", errors);
        CheckList(ev["links"], "links", "href", errors);
        CheckList(ev["images"], "images", "src", errors);
        return errors;
    }

    /// <summary>PagerDuty's 400 answer body.</summary>
    public static JsonObject InvalidEventResponse(IReadOnlyList<string> errors) => new()
    {
        ["status"] = "invalid event",
        ["message"] = "Event object is invalid",
        ["errors"] = new JsonArray([.. errors.Select(e => (JsonNode)e)]),
    };

    /// <summary>PagerDuty's 202 answer body.</summary>
    public static JsonObject SuccessResponse(string dedupKey) => new()
    {
        ["status"] = "success",
        ["message"] = "Event processed",
        ["dedup_key"] = dedupKey,
    };

    private static void CheckPayload(JsonNode? node, List<string> errors)
    {
        if (node is null)
        {
            errors.Add("'payload' is missing or blank");
            return;
        }
        if (node is not JsonObject payload)
        {
            errors.Add("'payload' must be an object");
            return;
        }
        foreach (var (name, _) in payload)
        {
            if (!PayloadFields.Contains(name))
            {
                errors.Add($"'payload.{name}' is not a recognised field");
            }
        }
        var summary = Str(payload, "summary", errors, "payload.");
        if (string.IsNullOrWhiteSpace(summary))
        {
            errors.Add("'payload.summary' is missing or blank");
        }
        else if (summary.Length > PagerDutyEventBuilder.MaxSummary)
        {
            errors.Add($"Length of 'payload.summary' is too long (maximum is {PagerDutyEventBuilder.MaxSummary} characters)");
        }
        if (string.IsNullOrWhiteSpace(Str(payload, "source", errors, "payload.")))
        {
            errors.Add("'payload.source' is missing or blank");
        }
        var severity = Str(payload, "severity", errors, "payload.");
        if (string.IsNullOrWhiteSpace(severity))
        {
            errors.Add("'payload.severity' is missing or blank");
        }
        else if (!Severities.Contains(severity))
        {
            errors.Add("'payload.severity' is invalid (must be one of 'critical', 'error', 'warning' or 'info')");
        }
        var timestamp = Str(payload, "timestamp", errors, "payload.");
        if (timestamp is not null && !DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
        {
            errors.Add("'payload.timestamp' is not a valid ISO 8601 timestamp");
        }
        Str(payload, "component", errors, "payload.");
        Str(payload, "group", errors, "payload.");
        Str(payload, "class", errors, "payload.");
        if (payload["custom_details"] is { } details && details is not JsonObject)
        {
            errors.Add("'payload.custom_details' must be an object");
        }
    }

    private static void CheckList(JsonNode? node, string name, string required, List<string> errors)
    {
        if (node is null)
        {
            return;
        }
        if (node is not JsonArray list)
        {
            errors.Add($"'{name}' must be an array");
            return;
        }
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject item)
            {
                errors.Add($"'{name}[{i}]' must be an object");
                continue;
            }
            var value = Str(item, required, errors, $"{name}[{i}].");
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"'{name}[{i}].{required}' is missing or blank");
            }
        }
    }

    /// <summary>A string field, or null when absent; a present non-string is reported as an error.</summary>
    private static string? Str(JsonObject obj, string name, List<string> errors, string prefix = "")
    {
        var node = obj[name];
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            return v.GetValue<string>();
        }
        errors.Add($"'{prefix}{name}' must be a string");
        return null;
    }
}
