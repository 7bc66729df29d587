using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Alerting.Core.Notify.PagerDuty;

/// <summary>An Events API v2 alert event (<c>POST https://events.pagerduty.com/v2/enqueue</c>).</summary>
public sealed record PagerDutyEvent
{
    [JsonPropertyName("routing_key")]
    public required string RoutingKey { get; init; }

    /// <summary><c>trigger</c>, <c>acknowledge</c> or <c>resolve</c>.</summary>
    [JsonPropertyName("event_action")]
    public required string EventAction { get; init; }

    [JsonPropertyName("dedup_key")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DedupKey { get; init; }

    [JsonPropertyName("payload")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PagerDutyPayload? Payload { get; init; }

    [JsonPropertyName("links")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<PagerDutyLink>? Links { get; init; }

    [JsonPropertyName("images")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<PagerDutyImage>? Images { get; init; }

    [JsonPropertyName("client")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Client { get; init; }

    [JsonPropertyName("client_url")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ClientUrl { get; init; }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public string ToJson() => JsonSerializer.Serialize(this, Options);
}

public sealed record PagerDutyPayload
{
    [JsonPropertyName("summary")]
    public required string Summary { get; init; }

    [JsonPropertyName("source")]
    public required string Source { get; init; }

    /// <summary><c>critical</c>, <c>error</c>, <c>warning</c> or <c>info</c>.</summary>
    [JsonPropertyName("severity")]
    public required string Severity { get; init; }

    [JsonPropertyName("timestamp")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Timestamp { get; init; }

    [JsonPropertyName("component")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Component { get; init; }

    [JsonPropertyName("group")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Group { get; init; }

    [JsonPropertyName("class")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Class { get; init; }

    [JsonPropertyName("custom_details")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonObject? CustomDetails { get; init; }
}

public sealed record PagerDutyLink(
    [property: JsonPropertyName("href")] string Href,
    [property: JsonPropertyName("text"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Text);

public sealed record PagerDutyImage(
    [property: JsonPropertyName("src")] string Src,
    [property: JsonPropertyName("href"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Href,
    [property: JsonPropertyName("alt"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Alt);
