namespace Alerting.Core.OnCall;

/// <summary>One role of a schedule: who holds it now and who takes over when that ends.</summary>
public sealed record OnCallRoleView(string Role, OnCallAssignment? Now, OnCallAssignment? Next);

/// <summary>An override that is running or still to come.</summary>
public sealed record OnCallOverrideView(OnCallOverride Override, bool Active);

/// <summary>What the operator console shows for one schedule.</summary>
public sealed record OnCallScheduleView(string Name, string TimeZone, IReadOnlyList<OnCallRoleView> Roles, IReadOnlyList<OnCallOverrideView> Overrides);

/// <summary>
/// "Who is on call now, and next": the same lookups escalation uses (<see cref="OnCallResolver"/>), so
/// the console can never name someone other than the person a step would page at that moment.
/// </summary>
public static class OnCallRoster
{
    public static IReadOnlyList<OnCallScheduleView> At(OnCallConfig config, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Schedules.Select(s => Schedule(s, now)).ToArray();
    }

    public static OnCallScheduleView Schedule(OnCallSchedule schedule, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        // Roles in file order: layers first, then roles that only overrides mention.
        var roles = schedule.Layers.Select(l => l.Role)
            .Concat(schedule.Overrides.Select(o => o.Role))
            .Distinct(StringComparer.Ordinal)
            .Select(role => Role(schedule, role, now))
            .ToArray();
        var overrides = schedule.Overrides
            .Where(o => o.To > now)
            .OrderBy(o => o.From)
            .ThenBy(o => o.Role, StringComparer.Ordinal)
            .Select(o => new OnCallOverrideView(o, o.From <= now))
            .ToArray();
        return new OnCallScheduleView(schedule.Name, schedule.TimeZone.Id, roles, overrides);
    }

    private static OnCallRoleView Role(OnCallSchedule schedule, string role, DateTimeOffset now)
    {
        var current = OnCallResolver.WhoIsOnCall(schedule, role, now);
        return new OnCallRoleView(role, current, Next(schedule, role, current, now));
    }

    private static OnCallAssignment? Next(OnCallSchedule schedule, string role, OnCallAssignment? current, DateTimeOffset now)
    {
        if (current is null)
        {
            // Nobody now: the earliest override for the role still to come is the next cover we know of.
            var upcoming = schedule.Overrides.Where(o => o.Role == role && o.From > now).OrderBy(o => o.From).FirstOrDefault();
            return upcoming is null ? null : new OnCallAssignment(upcoming.Who, role, schedule.Name, upcoming.From, upcoming.To, IsOverride: true);
        }
        // The schedule's own answer at the moment the current cover ends (it may be the same person again).
        // Their shift may have begun earlier (an override ending mid-shift): they take over at that moment.
        var next = OnCallResolver.WhoIsOnCall(schedule, role, current.Until);
        return next is not null && next.From < current.Until ? next with { From = current.Until } : next;
    }
}
