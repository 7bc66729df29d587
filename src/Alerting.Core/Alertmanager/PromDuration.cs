using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// Prometheus' duration syntax (<c>1y2w3d4h5m6s7ms</c>, units in that order, each at most once, and a
/// bare <c>0</c>), which is what Alertmanager accepts for every interval in its configuration.
/// </summary>
public static partial class PromDuration
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text == "0")
        {
            return true;
        }
        var m = Pattern().Match(text);
        if (text.Length == 0 || !m.Success)
        {
            return false;
        }
        long ms = 0;
        (int Group, long Unit)[] units =
        [
            (2, 365L * 24 * 3600 * 1000), (4, 7L * 24 * 3600 * 1000), (6, 24L * 3600 * 1000),
            (8, 3600L * 1000), (10, 60L * 1000), (12, 1000L), (14, 1L),
        ];
        foreach (var (group, unit) in units)
        {
            if (!m.Groups[group].Success)
            {
                continue;
            }
            if (!long.TryParse(m.Groups[group].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }
            try
            {
                ms = checked(ms + checked(n * unit));
            }
            catch (OverflowException)
            {
                return false;
            }
        }
        // Go's time.Duration holds nanoseconds in an int64.
        if (ms > long.MaxValue / 1_000_000)
        {
            return false;
        }
        duration = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var d) ? d : throw new FormatException($"not a valid duration string: \"{text}\"");

    /// <summary>Prometheus' canonical rendering: largest units first, <c>0s</c> for zero.</summary>
    public static string Format(TimeSpan d)
    {
        var ms = (long)d.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }
        var sb = new StringBuilder();
        (string Suffix, long Unit)[] units =
        [
            ("y", 365L * 24 * 3600 * 1000), ("w", 7L * 24 * 3600 * 1000), ("d", 24L * 3600 * 1000),
            ("h", 3600L * 1000), ("m", 60L * 1000), ("s", 1000L), ("ms", 1L),
        ];
        foreach (var (suffix, unit) in units)
        {
            if (ms >= unit)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{ms / unit}{suffix}");
                ms %= unit;
            }
        }
        return sb.ToString();
    }

    [GeneratedRegex(@"^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
