namespace Alerting.Core.Model;

/// <summary>
/// The legacy (pre-UTF-8) Prometheus name rules that every exposition format, relabel config and the
/// Pushgateway still apply by default: metric names <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>, label names
/// <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.
/// </summary>
public static class PromNames
{
    /// <summary>Labels with this prefix are internal to the scrape machinery and dropped from targets.</summary>
    public const string ReservedPrefix = "__";

    /// <summary>Service-discovery labels; removed after target relabelling.</summary>
    public const string MetaPrefix = "__meta_";

    public const string ParamPrefix = "__param_";
    public const string Address = "__address__";
    public const string Scheme = "__scheme__";
    public const string MetricsPath = "__metrics_path__";
    public const string ScrapeInterval = "__scrape_interval__";
    public const string ScrapeTimeout = "__scrape_timeout__";
    public const string Instance = "instance";
    public const string Job = "job";

    public static bool IsValidMetricName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || !IsMetricNameStart(name[0]))
        {
            return false;
        }
        foreach (var c in name[1..])
        {
            if (!IsMetricNameChar(c))
            {
                return false;
            }
        }
        return true;
    }

    public static bool IsValidLabelName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || !IsLabelNameStart(name[0]))
        {
            return false;
        }
        foreach (var c in name[1..])
        {
            if (!IsLabelNameChar(c))
            {
                return false;
            }
        }
        return true;
    }

    internal static bool IsMetricNameStart(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' or ':';

    internal static bool IsMetricNameChar(char c) => IsMetricNameStart(c) || c is >= '0' and <= '9';

    internal static bool IsLabelNameStart(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_';

    internal static bool IsLabelNameChar(char c) => IsLabelNameStart(c) || c is >= '0' and <= '9';

    /// <summary>Replaces every character a metric name may not hold with '_' (and prefixes a leading digit).</summary>
    public static string SanitizeMetricName(string raw)
    {
        if (raw.Length == 0)
        {
            return "_";
        }
        var chars = raw.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!IsMetricNameChar(chars[i]))
            {
                chars[i] = '_';
            }
        }
        var s = new string(chars);
        return IsMetricNameStart(s[0]) ? s : "_" + s;
    }

    /// <summary>Replaces every character a label name may not hold with '_' (and prefixes a leading digit).</summary>
    public static string SanitizeLabelName(string raw)
    {
        if (raw.Length == 0)
        {
            return "_";
        }
        var chars = raw.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!IsLabelNameChar(chars[i]))
            {
                chars[i] = '_';
            }
        }
        var s = new string(chars);
        return IsLabelNameStart(s[0]) ? s : "_" + s;
    }
}
