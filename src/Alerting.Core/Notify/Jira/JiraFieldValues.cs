using System.Globalization;
using System.Text.Json.Nodes;
using Alerting.Core.Config;

namespace Alerting.Core.Notify.Jira;

/// <summary>
/// The values of a jira_config's <c>fields</c>, as Alertmanager holds them (<c>map[string]any</c> decoded by
/// go-yaml v2) and sends them (<c>template.DeepCopyWithTemplate</c>): strings, whole numbers (long), floats
/// (double), booleans, null, lists and string-keyed maps. Hand-written because the typing is go-yaml v2's
/// YAML 1.1 resolution, which no .NET YAML or JSON library reproduces.
/// </summary>
public static class JiraFieldValues
{
    /// <summary>A YAML node as go-yaml v2 decodes it into <c>any</c>; nested maps keep only keys that resolve to strings.</summary>
    public static object? FromYaml(YamlNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case YamlMapping m:
                var map = new SortedDictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (k, v) in m.Children)
                {
                    // A map[interface{}]interface{} key that is not a string is dropped by DeepCopyWithTemplate.
                    if (k is YamlScalar ks && YamlScalars.ResolvedTag(ks) == "!!str")
                    {
                        map[ks.Value] = FromYaml(v);
                    }
                }
                return map;
            case YamlSequence s:
                return s.Children.Select(FromYaml).ToList();
            case YamlScalar sc:
                return Scalar(sc);
            default:
                return null;
        }
    }

    private static object? Scalar(YamlScalar s)
    {
        switch (YamlScalars.ResolvedTag(s))
        {
            case "!!null":
                return null;
            case "!!bool":
                return YamlScalars.ParseBool(s.Value);
            case "!!int":
                if (TryParseGoInt(s.Value, out var l))
                {
                    return l;
                }
                return YamlScalars.TryParseFloat(s.Value, out var big) ? big : s.Value;
            case "!!float":
                return YamlScalars.TryParseFloat(s.Value, out var d) ? d : s.Value;
            default:
                return s.Value;
        }
    }

    /// <summary>go-yaml v2's integers: underscores dropped, then Go's base prefixes (0b, 0o, 0x, leading 0 octal).</summary>
    private static bool TryParseGoInt(string text, out long value)
    {
        var t = text.Replace("_", string.Empty, StringComparison.Ordinal);
        var negative = t.StartsWith('-');
        if (t.StartsWith('-') || t.StartsWith('+'))
        {
            t = t[1..];
        }
        var (digits, radix) = t switch
        {
            _ when t.StartsWith("0b", StringComparison.OrdinalIgnoreCase) => (t[2..], 2),
            _ when t.StartsWith("0o", StringComparison.OrdinalIgnoreCase) => (t[2..], 8),
            _ when t.StartsWith("0x", StringComparison.OrdinalIgnoreCase) => (t[2..], 16),
            _ when t.Length > 1 && t[0] == '0' => (t[1..], 8),
            _ => (t, 10),
        };
        value = 0;
        if (digits.Length == 0)
        {
            return false;
        }
        try
        {
            var u = radix == 10 ? ulong.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture) : Convert.ToUInt64(digits, radix);
            if (u > (negative ? (ulong)long.MaxValue + 1 : long.MaxValue))
            {
                return false;
            }
            value = negative ? (long)(0 - u) : (long)u;
            return true;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// <c>DeepCopyWithTemplate</c>: every string is rendered and, when the result reads as YAML that is not a
    /// string (a number, a boolean, a list, a map, or nothing at all), replaced by that value; nested map keys
    /// are rendered too.
    /// </summary>
    public static object? Render(object? value, Func<string, string> render)
    {
        ArgumentNullException.ThrowIfNull(render);
        switch (value)
        {
            case string s:
                return Reparse(render(s));
            case IReadOnlyDictionary<string, object?> map:
                var result = new SortedDictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (k, v) in map)
                {
                    result[render(k)] = Render(v, render);
                }
                return result;
            case IEnumerable<object?> list:
                return list.Select(v => Render(v, render)).ToList();
            default:
                return value;
        }
    }

    private static object? Reparse(string rendered)
    {
        YamlNode? node;
        try
        {
            node = YamlLoader.Load(rendered, "fields", YamlDialect.GoYamlV2);
        }
        catch (ConfigException)
        {
            return rendered;
        }
        if (node is null)
        {
            return null;
        }
        var parsed = FromYaml(node);
        return parsed is string ? rendered : parsed;
    }

    /// <summary>The value as Go's encoding/json writes it (maps with sorted keys).</summary>
    public static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        long l => JsonValue.Create(l),
        double d when double.IsNaN(d) || double.IsInfinity(d) => throw new InvalidOperationException($"json: unsupported value: {d.ToString(CultureInfo.InvariantCulture)}"),
        double d => JsonValue.Create(d),
        IReadOnlyDictionary<string, object?> map => Object(map),
        IEnumerable<object?> list => new JsonArray([.. list.Select(ToJson)]),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    private static JsonObject Object(IReadOnlyDictionary<string, object?> map)
    {
        var o = new JsonObject();
        foreach (var (k, v) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            o[k] = ToJson(v);
        }
        return o;
    }
}
