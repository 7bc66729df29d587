using System.Globalization;
using System.Text;

namespace Alerting.Core.Templating;

/// <summary>A time in a named location (what Alertmanager's <c>tz</c> returns), so layouts can print its abbreviation.</summary>
[GoTypeName("time.Time")]
internal sealed record ZonedTime(DateTimeOffset Value, string Zone) : IGoStringer
{
    public static ZonedTime In(DateTimeOffset t, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(t, zone);
        var name = zone == TimeZoneInfo.Utc || zone.Id == "UTC" ? "UTC" : zone.IsDaylightSavingTime(local) ? zone.DaylightName : zone.StandardName;
        return new ZonedTime(local, name);
    }

    public string GoString() => GoTime.String(Value, Zone);
}

/// <summary>Go's <c>time.Time.String</c>, <c>time.Time.Format</c> (reference-time layouts) and <c>time.Duration.String</c>.</summary>
internal static class GoTime
{
    public static readonly DateTimeOffset Zero = new(1, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static string String(DateTimeOffset t, string? zone = null) => Format("2006-01-02 15:04:05.999999999 -0700 MST", t, zone);

    /// <summary>Go's RFC3339Nano, as <c>time.Time.MarshalJSON</c> writes it.</summary>
    public static string Rfc3339Nano(DateTimeOffset t) => Format("2006-01-02T15:04:05.999999999Z07:00", t);

    private static string ZoneName(DateTimeOffset t, string? zone) =>
        zone ?? (t.Offset == TimeSpan.Zero ? "UTC" : Offset(t.Offset, colon: false, seconds: false, shortForm: false));

    private static string Offset(TimeSpan off, bool colon, bool seconds, bool shortForm)
    {
        var sign = off < TimeSpan.Zero ? '-' : '+';
        var a = off.Duration();
        var sb = new StringBuilder().Append(sign).Append(a.Hours.ToString("00", CultureInfo.InvariantCulture));
        if (shortForm)
        {
            return sb.ToString();
        }
        if (colon)
        {
            sb.Append(':');
        }
        sb.Append(a.Minutes.ToString("00", CultureInfo.InvariantCulture));
        if (seconds)
        {
            if (colon)
            {
                sb.Append(':');
            }
            sb.Append(a.Seconds.ToString("00", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static readonly string[] Chunks =
    [
        "January", "Monday", "2006", "Z07:00:00", "-07:00:00", "Z070000", "-070000", "Z07:00", "-07:00", "Z0700", "-0700",
        "Z07", "-07", "Jan", "Mon", "MST", "002", "__2", "_2", "01", "02", "03", "04", "05", "06", "15", "PM", "pm", "1", "2", "3", "4", "5",
    ];

    /// <summary>Go's <c>Time.Format</c>; <paramref name="zone"/> is the zone abbreviation ("CET") when the time came from <c>tz</c>.</summary>
    public static string Format(string layout, DateTimeOffset t, string? zone = null)
    {
        var sb = new StringBuilder();
        var nanos = (t.Ticks % TimeSpan.TicksPerSecond) * 100;
        var i = 0;
        while (i < layout.Length)
        {
            if ((layout[i] == '.' || layout[i] == ',') && i + 1 < layout.Length && (layout[i + 1] == '0' || layout[i + 1] == '9'))
            {
                var d = layout[i + 1];
                var j = i + 1;
                while (j < layout.Length && layout[j] == d)
                {
                    j++;
                }
                // Only a fractional second when not followed by another digit (Go's rule).
                if (j >= layout.Length || !char.IsAsciiDigit(layout[j]))
                {
                    var n = j - i - 1;
                    var frac = nanos.ToString("000000000", CultureInfo.InvariantCulture)[..Math.Min(n, 9)];
                    if (d == '9')
                    {
                        frac = frac.TrimEnd('0');
                        if (frac.Length > 0)
                        {
                            sb.Append(layout[i]).Append(frac);
                        }
                    }
                    else
                    {
                        sb.Append(layout[i]).Append(frac);
                    }
                    i = j;
                    continue;
                }
            }
            var chunk = Chunks.FirstOrDefault(c => string.CompareOrdinal(layout, i, c, 0, c.Length) == 0);
            if (chunk is null || (chunk == "Jan" && Follows(layout, i + 3)) || (chunk == "Mon" && Follows(layout, i + 3)))
            {
                sb.Append(layout[i]);
                i++;
                continue;
            }
            i += chunk.Length;
            sb.Append(chunk switch
            {
                "January" => t.ToString("MMMM", CultureInfo.InvariantCulture),
                "Monday" => t.DayOfWeek.ToString(),
                "2006" => t.Year.ToString("0000", CultureInfo.InvariantCulture),
                "06" => (t.Year % 100).ToString("00", CultureInfo.InvariantCulture),
                "Jan" => t.ToString("MMM", CultureInfo.InvariantCulture),
                "Mon" => t.DayOfWeek.ToString()[..3],
                "MST" => ZoneName(t, zone),
                "01" => t.Month.ToString("00", CultureInfo.InvariantCulture),
                "1" => t.Month.ToString(CultureInfo.InvariantCulture),
                "02" => t.Day.ToString("00", CultureInfo.InvariantCulture),
                "_2" => t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2),
                "2" => t.Day.ToString(CultureInfo.InvariantCulture),
                "002" => t.DayOfYear.ToString("000", CultureInfo.InvariantCulture),
                "__2" => t.DayOfYear.ToString(CultureInfo.InvariantCulture).PadLeft(3),
                "15" => t.Hour.ToString("00", CultureInfo.InvariantCulture),
                "03" => Hour12(t).ToString("00", CultureInfo.InvariantCulture),
                "3" => Hour12(t).ToString(CultureInfo.InvariantCulture),
                "04" => t.Minute.ToString("00", CultureInfo.InvariantCulture),
                "4" => t.Minute.ToString(CultureInfo.InvariantCulture),
                "05" => t.Second.ToString("00", CultureInfo.InvariantCulture),
                "5" => t.Second.ToString(CultureInfo.InvariantCulture),
                "PM" => t.Hour >= 12 ? "PM" : "AM",
                "pm" => t.Hour >= 12 ? "pm" : "am",
                "Z07:00:00" => t.Offset == TimeSpan.Zero ? "Z" : Offset(t.Offset, true, true, false),
                "-07:00:00" => Offset(t.Offset, true, true, false),
                "Z070000" => t.Offset == TimeSpan.Zero ? "Z" : Offset(t.Offset, false, true, false),
                "-070000" => Offset(t.Offset, false, true, false),
                "Z07:00" => t.Offset == TimeSpan.Zero ? "Z" : Offset(t.Offset, true, false, false),
                "-07:00" => Offset(t.Offset, true, false, false),
                "Z0700" => t.Offset == TimeSpan.Zero ? "Z" : Offset(t.Offset, false, false, false),
                "-0700" => Offset(t.Offset, false, false, false),
                "Z07" => t.Offset == TimeSpan.Zero ? "Z" : Offset(t.Offset, false, false, true),
                "-07" => Offset(t.Offset, false, false, true),
                _ => chunk,
            });
        }
        return sb.ToString();

        static int Hour12(DateTimeOffset t) => t.Hour % 12 == 0 ? 12 : t.Hour % 12;

        // "Jan"/"Mon" followed by a lower-case letter are words such as "January"-like text, not layout elements.
        static bool Follows(string s, int i) => i < s.Length && char.IsAsciiLetterLower(s[i]);
    }

    public static string DurationString(TimeSpan d)
    {
        var ns = d.Ticks * 100;
        if (ns == 0)
        {
            return "0s";
        }
        var neg = ns < 0;
        var u = neg ? -(decimal)ns : ns;
        string s;
        if (u < 1_000_000_000m)
        {
            if (u < 1000m)
            {
                s = u.ToString(CultureInfo.InvariantCulture) + "ns";
            }
            else if (u < 1_000_000m)
            {
                s = Frac(u / 1000m) + "µs";
            }
            else
            {
                s = Frac(u / 1_000_000m) + "ms";
            }
        }
        else
        {
            var totalSeconds = decimal.Truncate(u / 1_000_000_000m);
            var fracNs = u - (totalSeconds * 1_000_000_000m);
            var hours = decimal.Truncate(totalSeconds / 3600m);
            var minutes = decimal.Truncate((totalSeconds - (hours * 3600m)) / 60m);
            var seconds = totalSeconds - (hours * 3600m) - (minutes * 60m);
            var sb = new StringBuilder();
            if (hours > 0)
            {
                sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
            }
            if (hours > 0 || minutes > 0)
            {
                sb.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
            }
            sb.Append(Frac(seconds + (fracNs / 1_000_000_000m))).Append('s');
            s = sb.ToString();
        }
        return neg ? "-" + s : s;

        static string Frac(decimal v)
        {
            var str = v.ToString("0.#########", CultureInfo.InvariantCulture);
            return str;
        }
    }
}
