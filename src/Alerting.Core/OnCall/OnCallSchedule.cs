namespace Alerting.Core.OnCall;

/// <summary>Contact details for a participant, used to turn "oncall:engineer" into a page.</summary>
/// <param name="Sms">A mobile number in E.164 form (<c>+447700900123</c>), paged through Azure Communication Services.</param>
public sealed record OnCallPerson(string Name, string? Email, string? Slack, string? PagerDuty, string? Sms = null);

/// <summary>
/// A weekly rotation for one role: <see cref="Participants"/> take turns of <see cref="LengthWeeks"/>
/// weeks, handing off on <see cref="HandoffDay"/> at <see cref="HandoffTime"/> local (schedule) time.
/// The first handoff on or after <see cref="Start"/> starts <c>Participants[0]</c>'s turn.
/// </summary>
public sealed record OnCallLayer(
    string Role,
    IReadOnlyList<string> Participants,
    DateOnly Start,
    DayOfWeek HandoffDay,
    TimeOnly HandoffTime,
    int LengthWeeks = 1);

/// <summary>Someone covering a role for a fixed interval [From, To), beating every rotation.</summary>
public sealed record OnCallOverride(string Role, string Who, DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// Layers and overrides in one time zone. Several layers may serve the same role; the later layer in
/// the file wins when it has someone on call (as PagerDuty's higher layers do).
/// </summary>
public sealed record OnCallSchedule(
    string Name,
    TimeZoneInfo TimeZone,
    IReadOnlyList<OnCallLayer> Layers,
    IReadOnlyList<OnCallOverride> Overrides);

public sealed record OnCallConfig(IReadOnlyDictionary<string, OnCallPerson> People, IReadOnlyList<OnCallSchedule> Schedules)
{
    /// <summary>The named schedule, or the first one when <paramref name="name"/> is null.</summary>
    public OnCallSchedule? Schedule(string? name) =>
        name is null ? Schedules.FirstOrDefault() : Schedules.FirstOrDefault(s => s.Name == name);

    public OnCallPerson Person(string name) =>
        People.TryGetValue(name, out var p) ? p : new OnCallPerson(name, null, null, null);
}
