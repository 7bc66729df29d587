using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alerting.Functions.Functions;

/// <summary>
/// The one place that turns System.Text.Json's errors on request bodies into messages a sender can act
/// on: where in the body (JSON path, line and byte), what kind of value belongs there, and what the
/// whole body should look like. The serializer's own messages name .NET types ("could not be converted
/// to Alerting.Functions.Pipeline.AlertMessage[]"), which mean nothing to a sender, so they never reach
/// a response.
/// </summary>
public static class JsonInput
{
    private const string ConversionPrefix = "The JSON value could not be converted to ";

    /// <summary>Deserializes <paramref name="body"/>, or throws <see cref="JsonInputException"/> with a user message.</summary>
    public static T? Deserialize<T>(ReadOnlySpan<byte> body, JsonSerializerOptions options, string shape)
    {
        if (IsBlank(body))
        {
            throw new JsonInputException($"the body is empty; {shape}");
        }
        CheckUtf8(body, shape);
        try
        {
            return JsonSerializer.Deserialize<T>(body, options);
        }
        catch (JsonException e)
        {
            throw new JsonInputException(Describe(e, shape));
        }
    }

    /// <summary>Parses <paramref name="body"/> as a JSON document, or throws <see cref="JsonInputException"/>.</summary>
    public static JsonNode? Parse(ReadOnlySpan<byte> body, string shape)
    {
        if (IsBlank(body))
        {
            throw new JsonInputException($"the body is empty; {shape}");
        }
        CheckUtf8(body, shape);
        try
        {
            using var doc = JsonDocument.Parse(body.ToArray());
            return ToNode(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new JsonInputException(Describe(e, shape));
        }
    }

    /// <summary>
    /// A document as nodes, a repeated key keeping its last value as Go's encoding/json does (which the
    /// Alertmanager API reads with). JsonNode.Parse would instead throw on first access to such an object.
    /// </summary>
    private static JsonNode? ToNode(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var p in e.EnumerateObject())
                {
                    obj[p.Name] = ToNode(p.Value);
                }
                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                foreach (var item in e.EnumerateArray())
                {
                    array.Add(ToNode(item));
                }
                return array;
            case JsonValueKind.Null:
                return null;
            default:
                return JsonValue.Create(e.Clone());
        }
    }

    /// <summary>The reader checks UTF-8 only where it looks; a string with bad bytes fails later, when read, so check all first.</summary>
    private static void CheckUtf8(ReadOnlySpan<byte> body, string shape)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            throw new JsonInputException($"the body is not valid UTF-8; {shape}");
        }
    }

    /// <summary>A user message for a serializer or reader error: where, what was expected, and the expected shape.</summary>
    public static string Describe(JsonException e, string shape)
    {
        ArgumentNullException.ThrowIfNull(e);
        var at = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : string.Empty;
        var path = PathText(e.Path);
        if (e.Message.StartsWith(ConversionPrefix, StringComparison.Ordinal))
        {
            var type = e.Message[ConversionPrefix.Length..];
            var dot = type.IndexOf(". Path:", StringComparison.Ordinal);
            type = dot >= 0 ? type[..dot] : type.TrimEnd('.');
            return $"{path}{at}: expected {Kind(type)}; {shape}";
        }
        if (e.Path is not null && IsOwnConverterMessage(e))
        {
            // Our converters (labels) word their messages for users already.
            return $"{path}{at}: {e.Message}; {shape}";
        }
        return $"malformed JSON{at}: {ReaderReason(e.Message)}; {shape}";
    }

    /// <summary>What a JSON value of a .NET type looks like, in JSON's words.</summary>
    internal static string Kind(string dotnetType)
    {
        var t = dotnetType.Replace("System.Nullable`1[", string.Empty, StringComparison.Ordinal).TrimEnd(']');
        if (t.EndsWith('[') || dotnetType.EndsWith("[]", StringComparison.Ordinal) || t.Contains("List`1", StringComparison.Ordinal) || t.Contains("IEnumerable`1", StringComparison.Ordinal))
        {
            return "an array";
        }
        return t switch
        {
            "System.String" => "a string",
            "System.DateTimeOffset" or "System.DateTime" => "a time as an RFC 3339 string (e.g. \"2024-05-01T12:00:00Z\")",
            "System.Boolean" => "true or false",
            "System.Int32" or "System.Int64" or "System.Double" or "System.Decimal" or "System.Single" => "a number",
            "System.TimeSpan" => "a duration string",
            "Alerting.Core.Model.Labels" => "an object of string values",
            _ => "an object",
        };
    }

    private static bool IsOwnConverterMessage(JsonException e) =>
        !e.Message.Contains("LineNumber:", StringComparison.Ordinal) && !e.Message.Contains(" Path: ", StringComparison.Ordinal)
        && !e.Message.Contains("System.", StringComparison.Ordinal) && !e.Message.Contains("Alerting.", StringComparison.Ordinal);

    /// <summary>The reader's reason, first sentence only, without its position suffix (given separately).</summary>
    private static string ReaderReason(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var reason = cut >= 0 ? message[..cut] : message;
        var sentence = reason.IndexOf(". ", StringComparison.Ordinal);
        reason = (sentence > 0 ? reason[..sentence] : reason).TrimEnd('.', ' ');
        if (reason.Contains("System.", StringComparison.Ordinal) || reason.Contains("Alerting.", StringComparison.Ordinal))
        {
            return "the body does not match the expected shape";
        }
        return reason.Length == 0 ? "not valid JSON" : reason;
    }

    /// <summary>"$.alerts[0].labels" reads as "alerts[0].labels"; the root is "body".</summary>
    private static string PathText(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "body";
        }
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.StartsWith('$') ? "body" + path[1..] : path;
    }

    private static bool IsBlank(ReadOnlySpan<byte> body)
    {
        foreach (var b in body)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>A request body that is not the JSON an endpoint expects; the message is for the sender.</summary>
public sealed class JsonInputException(string message) : Exception(message);
