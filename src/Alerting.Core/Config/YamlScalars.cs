using System.Globalization;
using System.Text.RegularExpressions;

namespace Alerting.Core.Config;

/// <summary>YAML 1.1 tag resolution as go-yaml applies it to plain scalars.</summary>
public static partial class YamlScalars
{
    public static bool IsNull(YamlNode? node) =>
        node is null || (node is YamlScalar s && s.IsPlain && s.Value is "" or "~" or "null" or "Null" or "NULL");

    public static string ResolvedTag(YamlNode node)
    {
        if (node.Tag is { } explicitTag)
        {
            return explicitTag;
        }
        switch (node)
        {
            case YamlMapping:
                return "!!map";
            case YamlSequence:
                return "!!seq";
            case YamlScalar s when !s.IsPlain:
                return "!!str";
            case YamlScalar s:
                if (IsNull(s))
                {
                    return "!!null";
                }
                if (ParseBool(s.Value) is not null)
                {
                    return "!!bool";
                }
                if (IntPattern().IsMatch(s.Value))
                {
                    return "!!int";
                }
                return FloatPattern().IsMatch(s.Value) ? "!!float" : "!!str";
            default:
                return "!!str";
        }
    }

    /// <summary>A node as go-yaml describes it in "cannot unmarshal X into T": scalars with their (shortened) text.</summary>
    public static string Describe(YamlNode node) =>
        node is YamlScalar s ? $"{ResolvedTag(node)} `{Shorten(s.Value)}`" : ResolvedTag(node);

    private static string Shorten(string v) => v.Length > 10 ? v[..7] + "..." : v;

    /// <summary>YAML 1.1 booleans, which go-yaml v2 accepts for a bool field.</summary>
    public static bool? ParseBool(string v) => v switch
    {
        "y" or "Y" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "true" or "True" or "TRUE" => true,
        "n" or "N" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "false" or "False" or "FALSE" => false,
        _ => null,
    };

    /// <summary>A plain integer as go-yaml reads it (underscores allowed).</summary>
    public static bool TryParseInt(YamlScalar s, out long value)
    {
        value = 0;
        return s.IsPlain && long.TryParse(s.Value.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>A float as go-yaml reads it, including <c>.inf</c>, <c>-.Inf</c> and <c>.nan</c>.</summary>
    public static bool TryParseFloat(string text, out double value)
    {
        switch (text)
        {
            case ".nan" or ".NaN" or ".NAN":
                value = double.NaN;
                return true;
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                value = double.PositiveInfinity;
                return true;
            case "-.inf" or "-.Inf" or "-.INF":
                value = double.NegativeInfinity;
                return true;
        }
        return double.TryParse(text.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    [GeneratedRegex(@"^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^([-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();
}
