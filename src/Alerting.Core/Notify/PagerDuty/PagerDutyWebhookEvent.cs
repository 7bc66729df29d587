using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alerting.Core.Notify.PagerDuty;

/// <summary>
/// The parts of a PagerDuty v3 webhook (<c>{"event":{...}}</c>) that change our alert state.
/// <see cref="IncidentKey"/> is the dedup key we sent, which maps back to our alert group.
/// </summary>
public sealed record PagerDutyWebhookEvent(
    string Id,
    string EventType,
    DateTimeOffset? OccurredAt,
    string? AgentName,
    string? IncidentId,
    string? IncidentKey,
    string? Status,
    string? Title)
{
    public static PagerDutyWebhookEvent? Parse(string json, out string? error)
    {
        JsonObject? ev;
        try
        {
            // Eager duplicate check: a repeated key is a parse error here, not an exception on first read.
            ev = (JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject)?["event"] as JsonObject;
        }
        catch (JsonException e)
        {
            error = "body is not JSON: " + e.Message;
            return null;
        }
        catch (InvalidOperationException)
        {
            ev = null;
        }
        if (ev is null)
        {
            error = "body has no 'event' object";
            return null;
        }
        var id = Str(ev["id"]);
        var type = Str(ev["event_type"]);
        if (id is null || type is null)
        {
            error = "event has no id or event_type";
            return null;
        }
        DateTimeOffset? occurred = DateTimeOffset.TryParse(Str(ev["occurred_at"]), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var at) ? at : null;
        var data = ev["data"] as JsonObject;
        error = null;
        return new PagerDutyWebhookEvent(
            id,
            type,
            occurred,
            Str((ev["agent"] as JsonObject)?["summary"]),
            Str(data?["id"]),
            Str(data?["incident_key"]),
            Str(data?["status"]),
            Str(data?["title"]));
    }

    private static string? Str(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
