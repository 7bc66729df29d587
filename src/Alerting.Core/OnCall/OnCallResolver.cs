namespace Alerting.Core.OnCall;

/// <summary>Who covers a role at a moment, and for how long that stays true.</summary>
public sealed record OnCallAssignment(
    string Who,
    string Role,
    string Schedule,
    DateTimeOffset From,
    DateTimeOffset Until,
    bool IsOverride);

/// <summary>
/// Pure on-call lookups. Rotation arithmetic is done on local wall-clock time in the schedule's zone,
/// so a "Monday 09:00" handoff stays at 09:00 local across DST changes (the shift spanning the change
/// is an hour shorter or longer in absolute time).
/// </summary>
public static class OnCallResolver
{
    public static OnCallAssignment? WhoIsOnCall(OnCallSchedule schedule, string role, DateTimeOffset at)
    {
        // Later overrides win so a correction appended to the file beats an earlier one.
        for (var i = schedule.Overrides.Count - 1; i >= 0; i--)
        {
            var o = schedule.Overrides[i];
            if (o.Role == role && o.From <= at && at < o.To)
            {
                return new OnCallAssignment(o.Who, role, schedule.Name, o.From, o.To, IsOverride: true);
            }
        }

        for (var i = schedule.Layers.Count - 1; i >= 0; i--)
        {
            var layer = schedule.Layers[i];
            if (layer.Role != role || layer.Participants.Count == 0)
            {
                continue;
            }
            var shift = Shift(schedule.TimeZone, layer, at);
            if (shift is null)
            {
                continue;
            }
            var (who, from, until) = shift.Value;
            // The shift ends early, as far as callers are concerned, where an override takes over.
            var nextOverride = schedule.Overrides
                .Where(o => o.Role == role && o.From > at && o.From < until)
                .Select(o => (DateTimeOffset?)o.From)
                .Min();
            return new OnCallAssignment(who, role, schedule.Name, from, nextOverride ?? until, IsOverride: false);
        }
        return null;
    }

    public static OnCallAssignment? WhoIsOnCall(OnCallConfig config, string? schedule, string role, DateTimeOffset at) =>
        config.Schedule(schedule) is { } s ? WhoIsOnCall(s, role, at) : null;

    /// <summary>The participant of <paramref name="layer"/> at <paramref name="at"/>, with the shift's bounds; null before the rotation starts.</summary>
    internal static (string Who, DateTimeOffset From, DateTimeOffset Until)? Shift(TimeZoneInfo zone, OnCallLayer layer, DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone).DateTime;
        var daysAhead = ((int)layer.HandoffDay - (int)layer.Start.DayOfWeek + 7) % 7;
        var anchor = layer.Start.AddDays(daysAhead).ToDateTime(layer.HandoffTime);
        if (local < anchor)
        {
            return null;
        }
        var length = Math.Max(1, layer.LengthWeeks);
        var weeks = (long)Math.Floor((local - anchor).TotalDays / 7);
        var turn = weeks / length;
        var who = layer.Participants[(int)(turn % layer.Participants.Count)];
        var startLocal = anchor.AddDays(turn * length * 7);
        var endLocal = startLocal.AddDays(length * 7);
        return (who, ToInstant(startLocal, zone), ToInstant(endLocal, zone));
    }

    /// <summary>
    /// The instant a local wall time names. A time skipped by a spring-forward gap means the first valid
    /// time after it; a time repeated by a fall-back means its first occurrence.
    /// </summary>
    public static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }
        var offset = zone.IsAmbiguousTime(local)
            ? zone.GetAmbiguousTimeOffsets(local).Max()
            : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }
}
