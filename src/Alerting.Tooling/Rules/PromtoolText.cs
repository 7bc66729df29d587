using System.Globalization;
using System.Text;
using Alerting.Core.Model;

using Alerting.Core.Rules;

using Alerting.Core.PromQL;

namespace Alerting.Tooling.Rules;

/// <summary>
/// The exact text promtool prints for durations, floats and label sets, so failure reports can be
/// compared line by line with the reference tool.
/// </summary>
public static class PromtoolText
{
    private static readonly (string Unit, long Ms, bool Exact)[] ModelUnits =
    [
        ("y", 365L * 24 * 3600 * 1000, true),
        ("w", 7L * 24 * 3600 * 1000, true),
        ("d", 24L * 3600 * 1000, false),
        ("h", 3600L * 1000, false),
        ("m", 60L * 1000, false),
        ("s", 1000L, false),
        ("ms", 1L, false),
    ];

    /// <summary>Prometheus' <c>model.Duration.String()</c>: "5m", "1d", "2m59s999ms"; years and weeks only when exact.</summary>
    public static string ModelDuration(TimeSpan d)
    {
        var ms = (long)d.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }
        var sb = new StringBuilder();
        foreach (var (unit, mult, exact) in ModelUnits)
        {
            if (exact && ms % mult != 0)
            {
                continue;
            }
            var v = ms / mult;
            if (v > 0)
            {
                sb.Append(v.ToString(CultureInfo.InvariantCulture)).Append(unit);
                ms -= v * mult;
            }
        }
        return sb.ToString();
    }

    /// <summary>Go's <c>time.Duration.String()</c>: "0s", "1m0s", "1h0m0s", "1.5s", "500ms".</summary>
    public static string GoDuration(TimeSpan d)
    {
        var ms = (long)d.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }
        var sign = ms < 0 ? "-" : "";
        ms = Math.Abs(ms);
        if (ms < 1000)
        {
            return sign + ms.ToString(CultureInfo.InvariantCulture) + "ms";
        }
        var sb = new StringBuilder(sign);
        var hours = ms / 3_600_000;
        var minutes = ms / 60_000 % 60;
        var secMs = ms % 60_000;
        if (hours > 0)
        {
            sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }
        if (hours > 0 || minutes > 0)
        {
            sb.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }
        var seconds = (secMs / 1000).ToString(CultureInfo.InvariantCulture);
        var frac = secMs % 1000;
        sb.Append(seconds);
        if (frac > 0)
        {
            sb.Append('.').Append(frac.ToString("000", CultureInfo.InvariantCulture).TrimEnd('0'));
        }
        return sb.Append('s').ToString();
    }

    /// <summary>Go's <c>strconv.FormatFloat(v, 'E', -1, 64)</c>: shortest digits, e.g. "1E+00", "9.21888E+09".</summary>
    public static string GoFloatE(double v) => GoFloat.Format(v, 'E', -1);

    /// <summary>Prometheus' <c>labels.Labels.String()</c>: always braces, names sorted, <c>, </c> separated.</summary>
    public static string LabelSet(Labels labels)
    {
        var sb = new StringBuilder("{");
        var first = true;
        foreach (var l in labels)
        {
            if (!first)
            {
                sb.Append(", ");
            }
            first = false;
            sb.Append(l.Name).Append("=\"").Append(Labels.Escape(l.Value)).Append('"');
        }
        return sb.Append('}').ToString();
    }

    /// <summary>Prometheus' <c>labels.Compare</c>: label by label, name then value, shorter set first on a tie.</summary>
    public static int Compare(Labels a, Labels b)
    {
        var n = Math.Min(a.Count, b.Count);
        for (var i = 0; i < n; i++)
        {
            var c = string.CompareOrdinal(a[i].Name, b[i].Name);
            if (c != 0)
            {
                return c;
            }
            c = string.CompareOrdinal(a[i].Value, b[i].Value);
            if (c != 0)
            {
                return c;
            }
        }
        return a.Count.CompareTo(b.Count);
    }
}
