using System.Globalization;
using System.Text;
using Alerting.Core.Templating;

namespace Alerting.Core.Model;

/// <summary>
/// Prometheus' <c>model.Duration</c>: <c>model.ParseDuration</c> (<c>1y2w3d4h5m6s7ms</c>, each unit at
/// most once and in that order, whole numbers only, a bare <c>0</c> allowed, at most what Go's
/// <c>time.Duration</c> holds) and its <c>String()</c>, which is what <c>__scrape_interval__</c> labels,
/// PromQL ranges and promtool's reports print. The one duration syntax of every file we read.
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

    /// <summary>The largest duration Go's time.Duration holds, in milliseconds.</summary>
    private const long MaxMs = long.MaxValue / 1_000_000;

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var d, out var error) ? d : throw new FormatException(error);

    public static bool TryParse(string? text, out TimeSpan duration) => TryParse(text, out duration, out _);

    /// <summary>Parses like model.ParseDuration; <paramref name="error"/> is its message on failure.</summary>
    public static bool TryParse(string? text, out TimeSpan duration, out string error)
    {
        duration = TimeSpan.Zero;
        error = string.Empty;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty duration string";
            return false;
        }
        if (text == "0")
        {
            return true;
        }
        if (ParseMs(text) is not { } ms)
        {
            error = $"not a valid duration string: {GoQuote.Quote(text)}";
            return false;
        }
        if (ms < 0)
        {
            error = "duration out of range";
            return false;
        }
        duration = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    /// <summary>The milliseconds of a well-formed duration, -1 when it overflows, null when it is malformed.</summary>
    private static long? ParseMs(string text)
    {
        long total = 0;
        var pos = 0;
        var nextUnit = 0;
        var overflow = false;
        while (pos < text.Length)
        {
            var start = pos;
            while (pos < text.Length && char.IsAsciiDigit(text[pos]))
            {
                pos++;
            }
            if (pos == start)
            {
                return null;
            }
            var digits = text.AsSpan(start, pos - start);
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
                return null;
            }
            nextUnit = found + 1;
            if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > MaxMs / Units[found].Ms)
            {
                overflow = true;
                continue;
            }
            total += n * Units[found].Ms;
            overflow |= total > MaxMs;
        }
        return overflow ? -1 : total;
    }

    /// <summary>Prometheus' <c>model.Duration.String()</c>: years and weeks only when exact (90d, not 12w6d).</summary>
    public static string Format(TimeSpan duration) => Format((long)duration.TotalMilliseconds);

    /// <summary>The same for milliseconds; a negative duration (a PromQL offset) keeps its sign.</summary>
    public static string Format(long ms)
    {
        if (ms == 0)
        {
            return "0s";
        }
        var sb = new StringBuilder();
        if (ms < 0)
        {
            sb.Append('-');
            ms = -ms;
        }
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
