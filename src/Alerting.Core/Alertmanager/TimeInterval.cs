namespace Alerting.Core.Alertmanager;

/// <summary>An inclusive range of integers (weekdays 0=Sunday, days of month, months, years).</summary>
public readonly record struct IntRange(int Begin, int End)
{
    public bool Contains(int v) => v >= Begin && v <= End;
}

/// <summary>A half-open range of minutes of the day, <c>[StartMinute, EndMinute)</c>.</summary>
public readonly record struct TimeRange(int StartMinute, int EndMinute);

/// <summary>
/// One entry under a named interval's <c>time_intervals</c>: every non-null part must match (null
/// means "any"), evaluated in <see cref="Location"/> (UTC by default).
/// </summary>
public sealed record TimeIntervalSpec
{
    public IReadOnlyList<TimeRange>? Times { get; init; }

    public IReadOnlyList<IntRange>? Weekdays { get; init; }

    /// <summary>Negative values count from the end of the month (-1 = last day).</summary>
    public IReadOnlyList<IntRange>? DaysOfMonth { get; init; }

    public IReadOnlyList<IntRange>? Months { get; init; }

    public IReadOnlyList<IntRange>? Years { get; init; }

    public TimeZoneInfo? Location { get; init; }

    public bool ContainsTime(DateTimeOffset t)
    {
        var local = Location is null ? t.ToUniversalTime() : TimeZoneInfo.ConvertTime(t, Location);
        if (Times is not null)
        {
            var minute = local.Hour * 60 + local.Minute;
            if (!Times.Any(r => minute >= r.StartMinute && minute < r.EndMinute))
            {
                return false;
            }
        }
        if (DaysOfMonth is not null && !DaysOfMonth.Any(r => DayMatches(r, local)))
        {
            return false;
        }
        if (Months is not null && !Months.Any(r => r.Contains(local.Month)))
        {
            return false;
        }
        if (Weekdays is not null && !Weekdays.Any(r => r.Contains((int)local.DayOfWeek)))
        {
            return false;
        }
        return Years is null || Years.Any(r => r.Contains(local.Year));
    }

    private static bool DayMatches(IntRange r, DateTimeOffset t)
    {
        var days = DateTime.DaysInMonth(t.Year, t.Month);
        var begin = r.Begin < 0 ? days + r.Begin + 1 : r.Begin;
        var end = r.End < 0 ? days + r.End + 1 : r.End;
        // A range starting after this month's last day (e.g. 31 in April) does not spill into the next month.
        if (begin > days)
        {
            return false;
        }
        begin = Math.Clamp(begin, -days, days);
        end = Math.Clamp(end, -days, days);
        return t.Day >= begin && t.Day <= end;
    }
}

/// <summary>A named entry of <c>time_intervals</c> (or the deprecated <c>mute_time_intervals</c>).</summary>
public sealed record TimeInterval(string Name, IReadOnlyList<TimeIntervalSpec> Intervals)
{
    /// <summary>True when any of the interval's entries contains <paramref name="t"/>.</summary>
    public bool IsActive(DateTimeOffset t) => Intervals.Any(i => i.ContainsTime(t));
}
