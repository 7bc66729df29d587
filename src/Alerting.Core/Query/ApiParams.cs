using System.Globalization;
using System.Text.RegularExpressions;
using Alerting.Core.Model;
using Alerting.Core.PromQL;
using Alerting.Core.Templating;

namespace Alerting.Core.Query;

/// <summary>
/// Prometheus' parameter parsers of the HTTP API (<c>parseTime</c>, <c>parseDuration</c>,
/// <c>parseMatchersParam</c>), with its messages, so clients see the same answer to the same bad input.
/// Times are milliseconds since the epoch (what the engine works in), durations nanoseconds (Go's
/// time.Duration, which the step and point limits are computed in).
/// </summary>
public static partial class ApiParams
{
    /// <summary>Prometheus' minTime/maxTime (the defaults of start and end) in milliseconds.</summary>
    public const long MinTimeMs = -9223309901257974000;

    public const long MaxTimeMs = 9223309901257974999;

    public static long ParseTime(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryParseGoFloat(text, out var t))
        {
            if (double.IsNaN(t) || Math.Abs(t) >= 9.2e15)
            {
                // Go converts these to the lowest int64 and queries at that nonsense time (finding nothing).
                return MinTimeMs;
            }
            var s = Math.Truncate(t);
            var frac = t - s;
            // Go: ns = round(frac*1000)/1000, then time.Unix(s, int64(ns*1e9)); FromTime truncates to ms.
            var ns = Math.Round(frac * 1000, MidpointRounding.AwayFromZero) / 1000;
            var nanos = (long)(ns * 1e9);
            return checked(((long)s * 1000) + (nanos / 1_000_000));
        }
        if (ParseRfc3339(text) is { } ms)
        {
            return ms;
        }
        throw new FormatException($"cannot parse {GoQuoted(text)} to a valid timestamp");
    }

    /// <summary>A time parameter, <paramref name="fallback"/> when absent; errors as Prometheus' parseTimeParam.</summary>
    public static long TimeParam(ApiForm form, string name, long fallback)
    {
        ArgumentNullException.ThrowIfNull(form);
        var text = form.Value(name);
        if (text.Length == 0)
        {
            return fallback;
        }
        try
        {
            return ParseTime(text);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw QueryApiException.InvalidParam(name, $"Invalid time value for '{name}': {e.Message}");
        }
    }

    /// <summary>A required time (query_range's start and end), errors as Prometheus' parseTime.</summary>
    public static long RequiredTime(ApiForm form, string name)
    {
        ArgumentNullException.ThrowIfNull(form);
        try
        {
            return ParseTime(form.Value(name));
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw QueryApiException.InvalidParam(name, e.Message);
        }
    }

    /// <summary>A duration in nanoseconds: float seconds or a Prometheus duration (<c>5m</c>, <c>1h30m</c>).</summary>
    public static long ParseDurationNs(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryParseGoFloat(text, out var d))
        {
            var ns = d * 1e9;
            if (double.IsNaN(ns) || ns >= 9.223372036854775807e18 || ns < -9.223372036854775808e18)
            {
                throw new FormatException($"cannot parse {GoQuoted(text)} to a valid duration. It overflows int64");
            }
            return (long)ns;
        }
        if (PromDuration.TryParse(text, out var duration))
        {
            return duration.Ticks * 100;
        }
        throw new FormatException($"cannot parse {GoQuoted(text)} to a valid duration");
    }

    public static long DurationParam(ApiForm form, string name)
    {
        ArgumentNullException.ThrowIfNull(form);
        try
        {
            return ParseDurationNs(form.Value(name));
        }
        catch (FormatException e)
        {
            throw QueryApiException.InvalidParam(name, e.Message);
        }
    }

    /// <summary>
    /// The <c>match[]</c> selectors: each a metric selector, and each with at least one matcher that does
    /// not match the empty string (Prometheus refuses selectors that would match every series).
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<LabelMatcher>> ParseMatchers(IReadOnlyList<string> selectors)
    {
        ArgumentNullException.ThrowIfNull(selectors);
        var sets = new List<IReadOnlyList<LabelMatcher>>(selectors.Count);
        foreach (var text in selectors)
        {
            try
            {
                sets.Add(PromQlParser.ParseMetricSelector(text).Matchers);
            }
            catch (PromQlParseException e)
            {
                throw new FormatException(e.Message, e);
            }
        }
        foreach (var set in sets)
        {
            if (set.All(m => m.MatchesEmpty))
            {
                throw new FormatException("match[] must contain at least one non-empty matcher");
            }
        }
        return sets;
    }

    /// <summary>Go's strconv.ParseFloat: decimal or hex floats, inf/infinity/nan in any case, no spaces.</summary>
    private static bool TryParseGoFloat(string text, out double value)
    {
        value = 0;
        if (text.Length == 0 || char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1]))
        {
            return false;
        }
        var body = text.TrimStart('+', '-');
        var negative = text.StartsWith('-');
        if (text.Length - body.Length > 1)
        {
            return false;
        }
        if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if (body.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            value = double.NaN;
            return text.Length == body.Length;
        }
        if (!DecimalFloat().IsMatch(body))
        {
            return false;
        }
        if (!double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value))
        {
            return false;
        }
        // Go reports a range error for values beyond float64, and the caller then tries other formats.
        return !double.IsInfinity(value);
    }

    private static long? ParseRfc3339(string text)
    {
        var m = Rfc3339().Match(text);
        if (!m.Success)
        {
            return null;
        }
        int I(string g) => int.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
        var (year, month, day, hour, minute, second) = (I("y"), I("mo"), I("d"), I("h"), I("mi"), I("s"));
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(1, year), month) || hour > 23 || minute > 59 || second > 59)
        {
            return null;
        }
        var offsetMinutes = 0;
        var zone = m.Groups["z"].Value;
        if (zone is not ("Z" or "z"))
        {
            var zh = int.Parse(zone.AsSpan(1, 2), CultureInfo.InvariantCulture);
            var zm = int.Parse(zone.AsSpan(4, 2), CultureInfo.InvariantCulture);
            if (zh > 23 || zm > 59)
            {
                return null;
            }
            offsetMinutes = (zone[0] == '-' ? -1 : 1) * ((zh * 60) + zm);
        }
        var baseTime = new DateTimeOffset(year == 0 ? 1 : year, month, day, hour, minute, second, TimeSpan.Zero);
        var ms = baseTime.ToUnixTimeMilliseconds() - (offsetMinutes * 60_000L);
        var fraction = m.Groups["f"].Value;
        if (fraction.Length > 0)
        {
            var digits = (fraction[1..] + "000")[..3];
            ms += int.Parse(digits, CultureInfo.InvariantCulture);
        }
        return ms;
    }

    private static string GoQuoted(string s) => GoQuote.Quote(s);

    [GeneratedRegex(@"^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalFloat();

    [GeneratedRegex(@"^(?<y>\d{4})-(?<mo>\d{2})-(?<d>\d{2})[Tt](?<h>\d{2}):(?<mi>\d{2}):(?<s>\d{2})(?<f>\.\d{1,9})?(?<z>[Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
