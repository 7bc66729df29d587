using System.Globalization;
using System.Text;

namespace Alerting.Core.Model;

/// <summary>
/// Prometheus' duration syntax (<c>1y2w3d4h5m6s7ms</c>, units in that order, integers only, "0" allowed)
/// and its canonical rendering, which is what <c>__scrape_interval__</c> labels carry.
/// </summary>
public static class PromDuration
{
    private static readonly (string Unit, long Ms)[] Units =
    [
        ("y", 365L * 24 * 3600 * 1000),
        ("w", 7L * 24 * 3600 * 1000),
        ("d", 24L * 3600 * 1000),
        ("h", 3600L * 1000),
        ("m", 60L * 1000),
        ("s", 1000),
        ("ms", 1),
    ];

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var d) ? d : throw new FormatException(text.Length == 0 ? "empty duration string" : $"not a valid duration string: \"{text}\"");

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        if (text == "0")
        {
            return true;
        }
        long total = 0;
        var pos = 0;
        var nextUnit = 0;
        while (pos < text.Length)
        {
            var start = pos;
            while (pos < text.Length && char.IsAsciiDigit(text[pos]))
            {
                pos++;
            }
            if (pos == start)
            {
                return false;
            }
            if (!long.TryParse(text.AsSpan(start, pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }
            var unitStart = pos;
            while (pos < text.Length && char.IsAsciiLetter(text[pos]))
            {
                pos++;
            }
            var unit = text.AsSpan(unitStart, pos - unitStart);
            var found = -1;
            for (var i = nextUnit; i < Units.Length; i++)
            {
                if (unit.SequenceEqual(Units[i].Unit))
                {
                    found = i;
                    break;
                }
            }
            if (found < 0)
            {
                return false;
            }
            nextUnit = found + 1;
            try
            {
                total = checked(total + checked(n * Units[found].Ms));
            }
            catch (OverflowException)
            {
                return false;
            }
        }
        if (total > (long)TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }
        duration = TimeSpan.FromMilliseconds(total);
        return true;
    }

    /// <summary>Prometheus' <c>model.Duration.String()</c>: years and weeks only when exact, e.g. 90d not 12w6d.</summary>
    public static string Format(TimeSpan duration)
    {
        var ms = (long)duration.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }
        var sb = new StringBuilder();
        foreach (var (unit, mult) in Units)
        {
            var exactOnly = unit is "y" or "w";
            if (exactOnly && ms % mult != 0)
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
}
