using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alerting.Tooling.Amtool;

/// <summary>
/// JSON written byte for byte as Go's <c>encoding/json</c> encoder writes it (amtool's <c>-o json</c>):
/// compact, object keys in the order given (Go writes struct fields in declaration order and map keys
/// sorted), and strings escaped as Go escapes them: <c>&lt;</c>, <c>&gt;</c> and <c>&amp;</c> as
/// <c>\u003c</c> etc., U+2028/U+2029, control characters as <c>\u00XX</c> except <c>\n</c>, <c>\r</c>, <c>\t</c>.
/// </summary>
/// <remarks>Hand-written: System.Text.Json's encoders escape a different set of characters.</remarks>
public static class GoJson
{
    private const string Hex = "0123456789abcdef";

    public static void WriteString(StringBuilder sb, string s)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(s);
        sb.Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '"' or '\\':
                    sb.Append('\\').Append(c);
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case < ' ' or '<' or '>' or '&':
                    sb.Append("\\u00").Append(Hex[c >> 4]).Append(Hex[c & 0xF]);
                    break;
                case '\u2028' or '\u2029':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    // A lone surrogate is invalid UTF-8 in Go's string and comes out as U+FFFD.
                    if (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])))
                    {
                        sb.Append('\ufffd');
                    }
                    else
                    {
                        sb.Append(c);
                        if (char.IsHighSurrogate(c))
                        {
                            sb.Append(s[++i]);
                        }
                    }
                    break;
            }
        }
        sb.Append('"');
    }

    /// <summary>Any JSON value, objects with their keys in the order they have.</summary>
    public static void Write(StringBuilder sb, JsonNode? node)
    {
        ArgumentNullException.ThrowIfNull(sb);
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject o:
                WriteObject(sb, o.Select(p => (p.Key, p.Value)));
                break;
            case JsonArray a:
                sb.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }
                    Write(sb, a[i]);
                }
                sb.Append(']');
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                WriteString(sb, v.GetValue<string>());
                break;
            default:
                sb.Append(node.ToJsonString());
                break;
        }
    }

    public static void WriteObject(StringBuilder sb, IEnumerable<(string Key, JsonNode? Value)> fields)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(fields);
        sb.Append('{');
        var first = true;
        foreach (var (key, value) in fields)
        {
            if (!first)
            {
                sb.Append(',');
            }
            first = false;
            WriteString(sb, key);
            sb.Append(':');
            Write(sb, value);
        }
        sb.Append('}');
    }

    /// <summary>A Go <c>map[string]string</c>: keys sorted bytewise, as Go's encoder sorts map keys.</summary>
    public static JsonObject SortedMap(JsonNode? map)
    {
        var sorted = new JsonObject();
        if (map is JsonObject o)
        {
            foreach (var (key, value) in o.OrderBy(p => p.Key, Utf8Order.Instance))
            {
                sorted[key] = value?.DeepClone();
            }
        }
        return sorted;
    }

    /// <summary>Go compares strings by their UTF-8 bytes, which differs from UTF-16 order above U+FFFF.</summary>
    public sealed class Utf8Order : IComparer<string>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = Encoding.UTF8.GetBytes(x ?? string.Empty);
            var b = Encoding.UTF8.GetBytes(y ?? string.Empty);
            return a.AsSpan().SequenceCompareTo(b);
        }
    }
}
