using System.Text.Json;
using System.Text.Json.Serialization;
using Alerting.Core.Model;

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

    public static IReadOnlyList<AlertMessage> ParseWebhook(ReadOnlySpan<byte> body)
    {
        var payload = Deserialize<WebhookPayload>(body) ?? throw new IngestException("body must be a JSON object");
        if (payload.Version is not null && payload.Version != "4")
        {
            throw new IngestException($"unsupported webhook version \"{payload.Version}\" (expected \"4\")");
        }
        if (payload.Alerts is null)
        {
            throw new IngestException("field \"alerts\" is required");
        }
        return Validate(payload.Alerts.Select(a => new AlertMessage(a.Labels ?? Labels.Empty, a.Annotations, Time(a.StartsAt), Time(a.EndsAt), a.GeneratorUrl)).ToArray());
    }

    public static IReadOnlyList<AlertMessage> ParseV2Alerts(ReadOnlySpan<byte> body)
    {
        var alerts = Deserialize<AlertMessage[]>(body) ?? throw new IngestException("body must be a JSON array of alerts");
        return Validate(alerts);
    }

    private static T? Deserialize<T>(ReadOnlySpan<byte> body)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, Json);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1}" : string.Empty;
            throw new IngestException($"malformed JSON{where}: {FirstSentence(e.Message)}");
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

    private static string FirstSentence(string message)
    {
        var i = message.IndexOf(". ", StringComparison.Ordinal);
        return i > 0 ? message[..i] : message;
    }

    private sealed record WebhookPayload(string? Version, string? Status, string? Receiver, IReadOnlyList<WebhookAlert>? Alerts);

    private sealed record WebhookAlert(
        string? Status,
        Labels? Labels,
        Labels? Annotations,
        DateTimeOffset? StartsAt,
        DateTimeOffset? EndsAt,
        [property: JsonPropertyName("generatorURL")] string? GeneratorUrl);
}

public sealed class IngestException(string message) : Exception(message);
