using System.Globalization;

namespace Alerting.Integration.Tests.Query.Grafana;

/// <summary>
/// How Grafana's Prometheus data source turns a panel's time range into a query_range step and its
/// built-in variables, rebuilt from Grafana's source (pkg/promlib/models/query.go, intervalv2, gtime;
/// rangeUtil.calculateInterval in the frontend): the frontend's interval is the range over the panel's
/// max data points rounded to a "nice" interval, never below the data source's scrape interval; the
/// backend's step is that, never below the range / 11,000 (Prometheus' point limit); the range is
/// aligned down to a multiple of the step; <c>$__rate_interval</c> is max(interval + scrape, 4 × scrape).
/// </summary>
internal static class GrafanaInterval
{
    /// <summary>Grafana's "safe resolution": never ask Prometheus for more than 11,000 points.</summary>
    private const long SafeResolution = 11_000;

    /// <summary>The backend's default resolution when a query carries no max data points.</summary>
    private const long DefaultResolution = 1_500;

    /// <summary>The rounding table of gtime.RoundInterval / rangeUtil.roundInterval: (at most, becomes), in ms.</summary>
    private static readonly (long UpTo, long To)[] Rounding =
    [
        (10, 1), (15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500), (1_500, 1_000),
        (3_500, 2_000), (7_500, 5_000), (12_500, 10_000), (17_500, 15_000), (25_000, 20_000), (45_000, 30_000),
        (90_000, 60_000), (210_000, 120_000), (450_000, 300_000), (750_000, 600_000), (1_050_000, 900_000),
        (1_500_000, 1_200_000), (2_700_000, 1_800_000), (5_400_000, 3_600_000), (9_000_000, 7_200_000),
        (16_200_000, 10_800_000), (32_400_000, 21_600_000), (86_400_000, 43_200_000), (604_800_000, 86_400_000),
        (1_814_400_000, 604_800_000), (3_628_800_000, 2_592_000_000),
    ];

    public static long RoundMs(long ms)
    {
        foreach (var (upTo, to) in Rounding)
        {
            if (ms <= upTo)
            {
                return to;
            }
        }
        return 31_536_000_000;
    }

    /// <summary>The frontend's <c>intervalMs</c>: range / max data points, rounded, at least the scrape interval.</summary>
    public static long FrontendIntervalMs(long fromMs, long toMs, long maxDataPoints, long scrapeMs)
    {
        var interval = RoundMs((toMs - fromMs) / maxDataPoints);
        return Math.Max(interval, scrapeMs);
    }

    /// <summary>
    /// The backend's step (calculatePrometheusInterval): the query's minimum interval (its own
    /// <c>interval</c>, else the frontend's intervalMs, else the scrape interval) against range / max data
    /// points rounded, then at least range / 11,000 rounded.
    /// </summary>
    public static long StepMs(long fromMs, long toMs, long maxDataPoints, long minIntervalMs)
    {
        var resolution = maxDataPoints == 0 ? DefaultResolution : maxDataPoints;
        var raw = (toMs - fromMs) / resolution;
        var calculated = raw < minIntervalMs ? minIntervalMs : RoundMs(raw);
        var safe = RoundMs((toMs - fromMs) / SafeResolution);
        return Math.Max(calculated, safe);
    }

    /// <summary>calculateRateInterval: max(interval + scrape, 4 × scrape).</summary>
    public static long RateIntervalMs(long intervalMs, long scrapeMs) => Math.Max(intervalMs + scrapeMs, 4 * scrapeMs);

    /// <summary>AlignTimeRange with no UTC offset: down to a multiple of the step.</summary>
    public static long Align(long ms, long stepMs) => (long)Math.Floor((double)ms / stepMs) * stepMs;

    /// <summary>
    /// interpolateVariables: <c>$__interval</c> in Grafana's short form (gtime.FormatInterval),
    /// <c>$__rate_interval</c> as Go's <c>time.Duration.String()</c> ("1m0s"), the range in seconds.
    /// </summary>
    public static string Interpolate(string expr, long stepMs, long frontendIntervalMs, long scrapeMs, long rangeMs)
    {
        var rate = RateIntervalMs(frontendIntervalMs, scrapeMs);
        var rangeS = (long)Math.Round(rangeMs / 1000.0);
        string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        foreach (var (open, close) in new[] { ("$", string.Empty), ("${", "}") })
        {
            expr = expr
                .Replace(open + "__interval_ms" + close, I(stepMs), StringComparison.Ordinal)
                .Replace(open + "__interval" + close, ShortInterval(stepMs), StringComparison.Ordinal)
                .Replace(open + "__range_ms" + close, I(rangeMs), StringComparison.Ordinal)
                .Replace(open + "__range_s" + close, I(rangeS), StringComparison.Ordinal)
                .Replace(open + "__range" + close, I(rangeS) + "s", StringComparison.Ordinal)
                .Replace(open + "__rate_interval_ms" + close, I(rate), StringComparison.Ordinal)
                .Replace(open + "__rate_interval" + close, GoDuration(rate), StringComparison.Ordinal);
        }
        return expr;
    }

    /// <summary>gtime.FormatInterval: the largest whole unit.</summary>
    public static string ShortInterval(long ms)
    {
        const long second = 1_000, minute = 60 * second, hour = 60 * minute, day = 24 * hour, year = 365 * day;
        return ms switch
        {
            >= year => $"{ms / year}y",
            >= day => $"{ms / day}d",
            >= hour => $"{ms / hour}h",
            >= minute => $"{ms / minute}m",
            >= second => $"{ms / second}s",
            >= 1 => $"{ms}ms",
            _ => "1ms",
        };
    }

    /// <summary>Go's <c>time.Duration.String()</c> for whole milliseconds: "1h0m0s", "1m15s", "500ms".</summary>
    public static string GoDuration(long ms)
    {
        if (ms == 0)
        {
            return "0s";
        }
        if (ms < 1_000)
        {
            return $"{ms}ms";
        }
        var h = ms / 3_600_000;
        var m = ms / 60_000 % 60;
        var s = ms % 60_000 / 1000.0;
        var seconds = s.ToString("0.###", CultureInfo.InvariantCulture) + "s";
        return h > 0 ? $"{h}h{m}m{seconds}" : m > 0 ? $"{m}m{seconds}" : seconds;
    }

    /// <summary>Go's <c>strconv.FormatFloat(seconds, 'f', -1, 64)</c> of a millisecond time, as Grafana's formatTime writes it.</summary>
    public static string Seconds(long ms) => (ms / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
}
