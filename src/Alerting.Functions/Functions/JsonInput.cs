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
public static partial class JsonInput
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
            throw new JsonInputException(Describe(e, shape, typeof(T)));
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
            throw new JsonInputException(Describe(e, shape, null));
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

    /// <summary>
    /// A user message for a serializer or reader error: where, what was expected, and the expected shape.
    /// The expected kind comes from the member the path leads to in <paramref name="target"/>, because the
    /// serializer's message names the type it was building (for records, the record, not the member).
    /// </summary>
    public static string Describe(JsonException e, string shape, Type? target)
    {
        ArgumentNullException.ThrowIfNull(e);
        var at = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : string.Empty;
        var path = PathText(e.Path);
        if (e.Message.StartsWith(ConversionPrefix, StringComparison.Ordinal))
        {
            var kind = target is null ? null : TypeAt(target, e.Path) is { } member ? Kind(member) : null;
            return $"{path}{at}: expected {kind ?? "a value of another kind"}; {shape}";
        }
        if (e.Path is not null && IsOwnConverterMessage(e))
        {
            // Our converters (labels) word their messages for users already.
            return $"{path}{at}: {e.Message}; {shape}";
        }
        return $"malformed JSON{at}: {ReaderReason(e.Message)}; {shape}";
    }

    /// <summary>The .NET type a JSON path such as <c>$.alerts[0].startsAt</c> leads to, by the serializer's naming rules.</summary>
    internal static Type? TypeAt(Type root, string? path)
    {
        var t = root;
        if (string.IsNullOrEmpty(path))
        {
            return t;
        }
        foreach (System.Text.RegularExpressions.Match m in Segments().Matches(path))
        {
            t = Nullable.GetUnderlyingType(t) ?? t;
            if (m.Groups[2].Success)
            {
                if (ElementType(t) is not { } element)
                {
                    return null;
                }
                t = element;
                continue;
            }
            var name = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[3].Value;
            if (t == typeof(Alerting.Core.Model.Labels))
            {
                t = typeof(string);
                continue;
            }
            var property = t.GetProperties().FirstOrDefault(p =>
                string.Equals(p.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonPropertyNameAttribute), true)
                    .Cast<System.Text.Json.Serialization.JsonPropertyNameAttribute>().FirstOrDefault()?.Name ?? p.Name, name, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                return null;
            }
            t = property.PropertyType;
        }
        return Nullable.GetUnderlyingType(t) ?? t;
    }

    private static Type? ElementType(Type t) =>
        t.IsArray ? t.GetElementType()
        : t.IsGenericType && t.GetGenericArguments() is [var element] && typeof(System.Collections.IEnumerable).IsAssignableFrom(t) ? element
        : null;

    [System.Text.RegularExpressions.GeneratedRegex(@"\.([^.\[]+)|\[(\d+)\]|\['([^']*)'\]")]
    private static partial System.Text.RegularExpressions.Regex Segments();

    /// <summary>What a JSON value of a .NET type looks like, in JSON's words.</summary>
    internal static string Kind(Type t)
    {
        if (t == typeof(string))
        {
            return "a string";
        }
        if (t == typeof(DateTimeOffset) || t == typeof(DateTime))
        {
            return "a time as an RFC 3339 string (e.g. \"2024-05-01T12:00:00Z\")";
        }
        if (t == typeof(bool))
        {
            return "true or false";
        }
        if (t.IsPrimitive || t == typeof(decimal))
        {
            return "a number";
        }
        if (t == typeof(Alerting.Core.Model.Labels))
        {
            return "an object of string values";
        }
        return ElementType(t) is not null ? "an array" : "an object";
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
