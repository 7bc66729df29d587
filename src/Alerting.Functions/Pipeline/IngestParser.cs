using System.Text.Json;
using System.Text.Json.Serialization;
using Alerting.Core.Model;
using Alerting.Functions.Functions;

namespace Alerting.Functions.Pipeline;

/// <summary>
/// Validates and converts what the ingest endpoints receive: Alertmanager's webhook (version 4) and the
/// v2 API's list of postable alerts. Errors are messages a sender can act on (JSON position, which
/// alert, which field).
/// </summary>
public static class IngestParser
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new LabelsJsonConverter() },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    /// <summary>What a webhook body looks like, told with every error.</summary>
    public const string WebhookShape =
        "the body must be an Alertmanager webhook payload: {\"version\":\"4\",\"alerts\":[{\"labels\":{\"alertname\":\"...\"},\"annotations\":{},\"startsAt\":\"<RFC 3339>\",\"endsAt\":\"<RFC 3339>\"}]}";

    /// <summary>What a v2 alerts body looks like, told with every error.</summary>
    public const string V2Shape =
        "the body must be a JSON array of alerts: [{\"labels\":{\"alertname\":\"...\"},\"annotations\":{},\"startsAt\":\"<RFC 3339>\",\"endsAt\":\"<RFC 3339>\",\"generatorURL\":\"...\"}]";

    public static IReadOnlyList<AlertMessage> ParseWebhook(ReadOnlySpan<byte> body)
    {
        var payload = Deserialize<WebhookPayload>(body, WebhookShape) ?? throw new IngestException($"body: expected an object, not null; {WebhookShape}");
        if (payload.Version is not null && payload.Version != "4")
        {
            throw new IngestException($"unsupported webhook version \"{payload.Version}\" (expected \"4\")");
        }
        if (payload.Alerts is null)
        {
            throw new IngestException($"field \"alerts\" is required; {WebhookShape}");
        }
        for (var i = 0; i < payload.Alerts.Count; i++)
        {
            if (payload.Alerts[i] is null)
            {
                throw new IngestException($"alerts[{i}]: expected an alert object, not null; {WebhookShape}");
            }
        }
        return Validate(payload.Alerts.Select(a => a!).Select(a => new AlertMessage(a.Labels ?? Labels.Empty, a.Annotations, Time(a.StartsAt), Time(a.EndsAt), a.GeneratorUrl)).ToArray());
    }

    public static IReadOnlyList<AlertMessage> ParseV2Alerts(ReadOnlySpan<byte> body)
    {
        var alerts = Deserialize<AlertMessage?[]>(body, V2Shape) ?? throw new IngestException($"body: expected an array, not null; {V2Shape}");
        for (var i = 0; i < alerts.Length; i++)
        {
            if (alerts[i] is null)
            {
                throw new IngestException($"[{i}]: expected an alert object, not null; {V2Shape}");
            }
        }
        return Validate(alerts!);
    }

    private static T? Deserialize<T>(ReadOnlySpan<byte> body, string shape)
    {
        try
        {
            return JsonInput.Deserialize<T>(body, Json, shape);
        }
        catch (JsonInputException e)
        {
            throw new IngestException(e.Message);
        }
    }

    private static IReadOnlyList<AlertMessage> Validate(IReadOnlyList<AlertMessage> alerts)
    {
        for (var i = 0; i < alerts.Count; i++)
        {
            var a = alerts[i];
            if (a.Labels is null || a.Labels.Count == 0)
            {
                throw new IngestException($"alert {i}: at least one label pair required");
            }
            foreach (var l in a.Labels)
            {
                if (!IsValidLabelName(l.Name))
                {
                    throw new IngestException($"alert {i}: invalid label name \"{l.Name}\"");
                }
            }
            if (a.StartsAt is { } s && a.EndsAt is { } e && e > DateTimeOffset.UnixEpoch && e < s)
            {
                throw new IngestException($"alert {i}: start time must be before end time");
            }
        }
        return alerts;
    }

    private static bool IsValidLabelName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>Go's zero time ("0001-01-01T00:00:00Z") means "not set" in Alertmanager payloads.</summary>
    private static DateTimeOffset? Time(DateTimeOffset? t) => t is { Year: <= 1 } ? null : t;

    private sealed record WebhookPayload(string? Version, string? Status, string? Receiver, IReadOnlyList<WebhookAlert?>? Alerts);

    private sealed record WebhookAlert(
        string? Status,
        Labels? Labels,
        [property: JsonConverter(typeof(AnnotationsJsonConverter))] Labels? Annotations,
        DateTimeOffset? StartsAt,
        DateTimeOffset? EndsAt,
        [property: JsonPropertyName("generatorURL")] string? GeneratorUrl);
}

public sealed class IngestException(string message) : Exception(message);
