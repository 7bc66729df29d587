using System.Globalization;
using Alerting.Core.Escalation;

namespace Alerting.Core.OnCall;

/// <summary>
/// Reads <c>oncall.yml</c>:
/// <code>
/// people:
///   alice: { email: alice@team.example, slack: U01ALICE }
/// schedules:
///   - name: reliability
///     time_zone: Europe/London
///     layers:
///       - role: engineer
///         participants: [alice, bob]
///         start: 2026-01-05
///         handoff: { day: monday, time: "09:00" }
///         length: 1w
///     overrides:
///       - { role: engineer, who: carol, from: "2026-03-10T18:00:00Z", to: "2026-03-11 09:00" }
/// </code>
/// Override times without an offset are local to the schedule's time zone.
/// </summary>
public static class OnCallLoader
{
    public static OnCallConfig LoadFile(string path) => Parse(File.ReadAllText(path), path);

    public static OnCallConfig Parse(string yaml, string fileName = "oncall.yml")
    {
        var root = YamlNodes.Load(yaml, fileName);
        root.Mapping("people", "schedules");

        var people = new Dictionary<string, OnCallPerson>(StringComparer.Ordinal);
        if (root.Get("people") is { } peopleNode)
        {
            foreach (var (k, _) in peopleNode.Mapping(EscalationPolicyLoader.KeysOf(peopleNode)).Children)
            {
                var name = ((YamlDotNet.RepresentationModel.YamlScalarNode)k).Value!;
                var p = peopleNode.Require(name);
                p.Mapping("email", "slack", "pagerduty");
                people[name] = new OnCallPerson(name, p.Get("email")?.String(), p.Get("slack")?.String(), p.Get("pagerduty")?.String());
            }
        }

        var schedules = new List<OnCallSchedule>();
        foreach (var s in root.Require("schedules").Items())
        {
            s.Mapping("name", "time_zone", "layers", "overrides");
            var nameNode = s.Require("name");
            var name = nameNode.NonEmptyString();
            if (schedules.Any(x => x.Name == name))
            {
                throw nameNode.Error($"duplicate schedule name '{name}'");
            }
            var zone = Zone(s.Require("time_zone"));
            var layers = s.Require("layers").Items().Select(l => Layer(l, people)).ToArray();
            var overrides = s.Get("overrides")?.Items().Select(o => Override(o, zone, people)).ToArray() ?? [];
            schedules.Add(new OnCallSchedule(name, zone, layers, overrides));
        }
        return new OnCallConfig(people, schedules);
    }

    private static OnCallLayer Layer(YamlNodes l, Dictionary<string, OnCallPerson> people)
    {
        l.Mapping("role", "participants", "start", "handoff", "length");
        var role = l.Require("role").NonEmptyString();
        var participantsNode = l.Require("participants");
        var participants = participantsNode.Items().Select(p => Participant(p, people)).ToArray();
        if (participants.Length == 0)
        {
            throw participantsNode.Error("a rotation needs at least one participant");
        }
        var startNode = l.Require("start");
        if (!DateOnly.TryParseExact(startNode.String(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start))
        {
            throw startNode.Error("expected a date like 2026-01-05");
        }
        var handoff = l.Require("handoff");
        handoff.Mapping("day", "time");
        var dayNode = handoff.Require("day");
        if (!Enum.TryParse<DayOfWeek>(dayNode.String(), ignoreCase: true, out var day) || !Enum.IsDefined(day) ||
            int.TryParse(dayNode.String(), CultureInfo.InvariantCulture, out _))
        {
            throw dayNode.Error("expected a weekday name like monday");
        }
        var timeNode = handoff.Get("time");
        var time = new TimeOnly(9, 0);
        if (timeNode is { } t && !TimeOnly.TryParseExact(t.String(), ["HH:mm", "H:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out time))
        {
            throw t.Error("expected a time like 09:00");
        }
        var weeks = 1;
        if (l.Get("length") is { } lengthNode)
        {
            var length = lengthNode.Duration();
            if (length <= TimeSpan.Zero || length.Ticks % TimeSpan.FromDays(7).Ticks != 0)
            {
                throw lengthNode.Error("a weekly rotation's length must be a whole number of weeks (1w, 2w...)");
            }
            weeks = (int)(length.Ticks / TimeSpan.FromDays(7).Ticks);
        }
        return new OnCallLayer(role, participants, start, day, time, weeks);
    }

    private static OnCallOverride Override(YamlNodes o, TimeZoneInfo zone, Dictionary<string, OnCallPerson> people)
    {
        o.Mapping("role", "who", "from", "to");
        var role = o.Require("role").NonEmptyString();
        var who = Participant(o.Require("who"), people);
        var from = Instant(o.Require("from"), zone);
        var toNode = o.Require("to");
        var to = Instant(toNode, zone);
        if (to <= from)
        {
            throw toNode.Error("an override must end after it starts");
        }
        return new OnCallOverride(role, who, from, to);
    }

    private static string Participant(YamlNodes node, Dictionary<string, OnCallPerson> people)
    {
        var name = node.NonEmptyString();
        if (people.Count > 0 && !people.ContainsKey(name))
        {
            throw node.Error($"'{name}' is not listed under people");
        }
        return name;
    }

    private static DateTimeOffset Instant(YamlNodes node, TimeZoneInfo zone)
    {
        var text = node.String().Trim();
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') ||
            (text.Length > 19 && (text[^6] is '+' or '-') && text[^3] == ':');
        if (hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var exact))
        {
            return exact;
        }
        if (!hasOffset && DateTime.TryParseExact(text, ["yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd"],
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return OnCallResolver.ToInstant(local, zone);
        }
        throw node.Error("expected a time like 2026-03-10T18:00:00Z or 2026-03-10 18:00 (schedule time zone)");
    }

    private static TimeZoneInfo Zone(YamlNodes node)
    {
        var id = node.NonEmptyString();
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            throw node.Error($"unknown time zone '{id}' (use an IANA name like Europe/London)");
        }
        catch (InvalidTimeZoneException)
        {
            throw node.Error($"time zone '{id}' could not be read");
        }
    }
}
