using System.Globalization;
using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary><c>time_intervals</c> and <c>mute_time_intervals</c> with Alertmanager's range rules and messages.</summary>
internal sealed partial class ConfigParser
{
    // ---------------------------------------------------------------- time intervals

    private static readonly string[] WeekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

    private static readonly string[] MonthNames = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

    private TimeInterval? ParseTimeInterval(YamlNode node, string path, bool mute)
    {
        var m = YamlMap.Open(_ctx, node, path);
        if (m is null)
        {
            return null;
        }
        var name = m.String("name") ?? string.Empty;
        var specs = new List<TimeIntervalSpec>();
        foreach (var (n, p) in m.Items("time_intervals", "[]timeinterval.TimeInterval"))
        {
            var s = YamlMap.Open(_ctx, n, p, "timeinterval.TimeInterval");
            if (s is not null)
            {
                specs.Add(ParseTimeIntervalSpec(s));
            }
            else if (YamlScalars.IsNull(n))
            {
                specs.Add(new TimeIntervalSpec());
            }
        }
        m.Done();
        if (!m.HadTypeErrors && name.Length == 0)
        {
            throw _ctx.Error(node, path + ".name", mute ? "missing name in mute time interval" : "missing name in time interval");
        }
        return new TimeInterval(name, specs);
    }

    private TimeIntervalSpec ParseTimeIntervalSpec(YamlMap s)
    {
        List<TimeRange>? times = null;
        if (s.Has("times"))
        {
            times = [];
            foreach (var (n, p) in s.Items("times", "[]timeinterval.TimeRange"))
            {
                var t = YamlMap.Open(_ctx, n, p, "timeinterval.plain");
                if (t is null)
                {
                    continue;
                }
                var start = t.String("start_time");
                var end = t.String("end_time");
                t.Done();
                if (t.HadTypeErrors)
                {
                    continue;
                }
                if (string.IsNullOrEmpty(start) || string.IsNullOrEmpty(end))
                {
                    throw _ctx.Error(n, p, "both start and end times must be provided");
                }
                var sm = ParseClock(start, n, p);
                var em = ParseClock(end, n, p);
                if (sm >= em)
                {
                    throw _ctx.Error(n, p, "start time cannot be equal or greater than end time");
                }
                times.Add(new TimeRange(sm, em));
            }
        }
        else
        {
            s.Get("times");
        }

        var weekdays = Ranges(s, "weekdays", (text, at, path) =>
        {
            var i = Array.IndexOf(WeekdayNames, text.ToLowerInvariant());
            return i >= 0 ? i : throw _ctx.Error(at, path, $"{text} is not a valid weekday");
        }, (b, e, bt, et) => "start day cannot be before end day");
        var days = Ranges(s, "days_of_month", (text, at, path) => Atoi(text, at, path), null);
        if (days is not null)
        {
            foreach (var r in days)
            {
                ValidateDayRange(r, s.At("days_of_month"), s.KeyPath("days_of_month"));
            }
        }
        var months = Ranges(s, "months", (text, at, path) =>
        {
            var i = Array.IndexOf(MonthNames, text.ToLowerInvariant());
            if (i >= 0)
            {
                return i + 1;
            }
            return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw _ctx.Error(at, path, $"{text} is not a valid month");
        }, (b, e, bt, et) => $"end month {et} is before start month {bt}");
        var years = Ranges(s, "years", (text, at, path) => Atoi(text, at, path), (b, e, bt, et) => $"end year {e} is before start year {b}");

        TimeZoneInfo? location = null;
        if (s.String("location") is { Length: > 0 } loc)
        {
            location = loc switch
            {
                "UTC" => TimeZoneInfo.Utc,
                "Local" => TimeZoneInfo.Local,
                _ => FindZone(loc) ?? throw _ctx.Error(s.At("location"), s.KeyPath("location"), $"unknown time zone {loc}"),
            };
        }
        s.Done();
        return new TimeIntervalSpec { Times = times, Weekdays = weekdays, DaysOfMonth = days, Months = months, Years = years, Location = location };
    }

    private static TimeZoneInfo? FindZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    private int ParseClock(string text, YamlNode at, string path)
    {
        if (text == "24:00")
        {
            return 24 * 60;
        }
        if (text.Length == 5 && text[2] == ':' && char.IsAsciiDigit(text[0]) && char.IsAsciiDigit(text[1]) && char.IsAsciiDigit(text[3]) && char.IsAsciiDigit(text[4]))
        {
            var h = (text[0] - '0') * 10 + (text[1] - '0');
            var mi = (text[3] - '0') * 10 + (text[4] - '0');
            if (h <= 23 && mi <= 59)
            {
                return h * 60 + mi;
            }
        }
        throw _ctx.Error(at, path, $"couldn't parse timestamp {text}, invalid format");
    }

    private int Atoi(string text, YamlNode at, string path) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw _ctx.Error(at, path, $"strconv.Atoi: parsing \"{text}\": invalid syntax");

    private void ValidateDayRange(IntRange r, YamlNode at, string path)
    {
        foreach (var v in new[] { r.Begin, r.End })
        {
            if (v == 0 || v < -31 || v > 31)
            {
                throw _ctx.Error(at, path, $"{v} is not a valid day of the month: out of range");
            }
        }
        if (r.Begin < 0 && r.End > 0)
        {
            throw _ctx.Error(at, path, "end day must be negative if start day is negative");
        }
        var trueBegin = r.Begin < 0 ? 30 + r.Begin : r.Begin;
        var trueEnd = r.End < 0 ? 30 + r.End : r.End;
        if (trueBegin > trueEnd)
        {
            throw _ctx.Error(at, path, $"end day {r.End} is always before start day {r.Begin}");
        }
    }

    /// <summary>A list of <c>a</c> or <c>a:b</c> ranges; null when the key is absent (meaning "any").</summary>
    private List<IntRange>? Ranges(YamlMap s, string key, Func<string, YamlNode, string, int> parse, Func<int, int, string, string, string>? inverted)
    {
        var items = s.StringList(key);
        if (items is null)
        {
            return null;
        }
        var at = s.At(key);
        var path = s.KeyPath(key);
        var list = new List<IntRange>();
        foreach (var item in items)
        {
            var parts = item.Split(':');
            if (parts.Length > 2)
            {
                throw _ctx.Error(at, path, $"couldn't parse range {item}, invalid format");
            }
            var b = parse(parts[0], at, path);
            var e = parts.Length == 2 ? parse(parts[1], at, path) : b;
            if (inverted is not null && b > e)
            {
                throw _ctx.Error(at, path, inverted(b, e, parts[0], parts.Length == 2 ? parts[1] : parts[0]));
            }
            list.Add(new IntRange(b, e));
        }
        return list;
    }
}
