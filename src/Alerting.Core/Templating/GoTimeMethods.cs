using System.Globalization;

namespace Alerting.Core.Templating;

/// <summary>
/// The methods of Go's <c>time.Time</c> and <c>time.Duration</c> that templates call on alert times,
/// e.g. <c>.StartsAt.Format "15:04"</c>, <c>.StartsAt.Unix</c>, <c>(.EndsAt.Sub .StartsAt)</c>.
/// </summary>
internal static class GoTimeMethods
{
    public static bool Has(object receiver, string name) => receiver switch
    {
        DateTimeOffset or ZonedTime => name is "Format" or "Unix" or "UnixMilli" or "UnixNano" or "UTC" or "Local" or "Sub" or "Add" or "IsZero"
            or "Before" or "After" or "Equal" or "Year" or "Month" or "Day" or "Hour" or "Minute" or "Second" or "Nanosecond"
            or "Weekday" or "YearDay" or "String" or "Round" or "Truncate",
        TimeSpan => name is "Seconds" or "Minutes" or "Hours" or "Milliseconds" or "Microseconds" or "Nanoseconds" or "String"
            or "Round" or "Truncate" or "Abs",
        _ => false,
    };

    public static object? Invoke(object receiver, string name, object?[] args) => receiver switch
    {
        DateTimeOffset t => Time(t, null, name, args),
        ZonedTime z => Time(z.Value, z.Zone, name, args),
        TimeSpan d => Duration(d, name, args),
        _ => throw new InvalidOperationException($"no method {name}"),
    };

    private static object?[] Want(string name, object?[] args, int n)
    {
        if (args.Length != n)
        {
            throw new TemplateArgumentException($"wrong number of args for {name}: want {n} got {args.Length}");
        }
        return args;
    }

    private static DateTimeOffset TimeArg(object? v) => v is DateTimeOffset or ZonedTime
        ? CommonFunctions.Time(v)
        : throw new TemplateArgumentException($"wrong type for value; expected time.Time; got {GoValues.TypeName(v)}");

    private static TimeSpan DurationArg(object? v) => v switch
    {
        TimeSpan d => d,
        long n => TimeSpan.FromTicks(n / 100),
        int n => TimeSpan.FromTicks(n / 100),
        _ => throw new TemplateArgumentException($"wrong type for value; expected time.Duration; got {GoValues.TypeName(v)}"),
    };

    private static object? Time(DateTimeOffset t, string? zone, string name, object?[] args)
    {
        switch (name)
        {
            case "Format":
                return GoTime.Format(Args.String(Want(name, args, 1)[0]), t, zone);
            case "Sub":
                return t - TimeArg(Want(name, args, 1)[0]);
            case "Add":
                return t + DurationArg(Want(name, args, 1)[0]);
            case "Before":
                return t < TimeArg(Want(name, args, 1)[0]);
            case "After":
                return t > TimeArg(Want(name, args, 1)[0]);
            case "Equal":
                return t == TimeArg(Want(name, args, 1)[0]);
            case "Round":
            case "Truncate":
                var unit = DurationArg(Want(name, args, 1)[0]).Ticks;
                if (unit <= 0)
                {
                    return t;
                }
                var rem = (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) % unit;
                if (rem < 0)
                {
                    rem += unit;
                }
                var down = t.AddTicks(-rem);
                return name == "Round" && rem * 2 >= unit ? down.AddTicks(unit) : down;
        }
        Want(name, args, 0);
        return name switch
        {
            "Unix" => t.ToUnixTimeSeconds(),
            "UnixMilli" => t.ToUnixTimeMilliseconds(),
            "UnixNano" => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100,
            "UTC" => t.ToUniversalTime(),
            "Local" => TimeZoneInfo.ConvertTime(t, TimeZoneInfo.Local),
            "IsZero" => t == GoTime.Zero,
            "Year" => (long)t.Year,
            "Month" => CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(t.Month),
            "Day" => (long)t.Day,
            "Hour" => (long)t.Hour,
            "Minute" => (long)t.Minute,
            "Second" => (long)t.Second,
            "Nanosecond" => t.Ticks % TimeSpan.TicksPerSecond * 100,
            "Weekday" => t.DayOfWeek.ToString(),
            "YearDay" => (long)t.DayOfYear,
            "String" => GoTime.String(t, zone),
            _ => throw new InvalidOperationException($"no method {name}"),
        };
    }

    private static object? Duration(TimeSpan d, string name, object?[] args)
    {
        switch (name)
        {
            case "Round":
            case "Truncate":
                var unit = DurationArg(Want(name, args, 1)[0]).Ticks;
                if (unit <= 0)
                {
                    return d;
                }
                var rem = d.Ticks % unit;
                var down = d.Ticks - rem;
                if (name == "Round" && Math.Abs(rem) * 2 >= unit)
                {
                    down += d.Ticks < 0 ? -unit : unit;
                }
                return TimeSpan.FromTicks(down);
        }
        Want(name, args, 0);
        return name switch
        {
            "Seconds" => d.TotalSeconds,
            "Minutes" => d.TotalMinutes,
            "Hours" => d.TotalHours,
            "Milliseconds" => (long)d.TotalMilliseconds,
            "Microseconds" => d.Ticks / 10,
            "Nanoseconds" => d.Ticks * 100,
            "String" => GoTime.DurationString(d),
            "Abs" => d.Duration(),
            _ => throw new InvalidOperationException($"no method {name}"),
        };
    }
}
