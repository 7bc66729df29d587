using System.Globalization;
using Alerting.Core.Config;
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
        var (ctx, rootNode) = YamlContext.Load(yaml, fileName, YamlDialect.Own);
        var root = YamlMap.Open(ctx, rootNode, string.Empty)?.Known("people", "schedules")
            ?? throw ctx.Error(rootNode, "(document)", "the file is empty");

        var people = new Dictionary<string, OnCallPerson>(StringComparer.Ordinal);
        if (root.Map("people") is { } peopleMap)
        {
            foreach (var name in peopleMap.Keys.ToList())
            {
                var p = peopleMap.Map(name)?.Known("email", "slack", "pagerduty")
                    ?? throw ctx.Error(peopleMap.At(name), peopleMap.KeyPath(name), "expected a mapping");
                people[name] = new OnCallPerson(name, p.String("email"), p.String("slack"), p.String("pagerduty"));
            }
        }

        var schedules = new List<OnCallSchedule>();
        foreach (var (node, path) in ctx.Items(root.Require("schedules"), "schedules", "[]schedule"))
        {
            var s = YamlMap.Open(ctx, node, path)?.Known("name", "time_zone", "layers", "overrides") ?? throw ctx.Error(node, path, "expected a mapping");
            var name = EscalationPolicyLoader.NonEmpty(s, "name");
            if (schedules.Any(x => x.Name == name))
            {
                throw ctx.Error(s.At("name"), s.KeyPath("name"), $"duplicate schedule name '{name}'");
            }
            var zone = Zone(s);
            var layers = ctx.Items(s.Require("layers"), s.KeyPath("layers"), "[]layer").Select(l => Layer(ctx, l.Node, l.KeyPath, people)).ToArray();
            var overrides = s.Items("overrides", "[]override").Select(o => Override(ctx, o.Node, o.KeyPath, zone, people)).ToArray();
            schedules.Add(new OnCallSchedule(name, zone, layers, overrides));
        }
        return new OnCallConfig(people, schedules);
    }

    private static OnCallLayer Layer(YamlContext ctx, YamlNode node, string path, Dictionary<string, OnCallPerson> people)
    {
        var l = YamlMap.Open(ctx, node, path)?.Known("role", "participants", "start", "handoff", "length") ?? throw ctx.Error(node, path, "expected a mapping");
        var role = EscalationPolicyLoader.NonEmpty(l, "role");
        var participantsNode = l.Require("participants");
        var participants = ctx.Items(participantsNode, l.KeyPath("participants"), "[]string").Select(p => Participant(ctx, p.Node, p.KeyPath, people)).ToArray();
        if (participants.Length == 0)
        {
            throw ctx.Error(participantsNode, l.KeyPath("participants"), "a rotation needs at least one participant");
        }
        l.Require("start");
        if (!DateOnly.TryParseExact(l.String("start"), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start))
        {
            throw ctx.Error(l.At("start"), l.KeyPath("start"), "expected a date like 2026-01-05");
        }
        l.Require("handoff");
        var handoff = l.Map("handoff")!.Known("day", "time");
        handoff.Require("day");
        var dayText = handoff.String("day") ?? string.Empty;
        if (!Enum.TryParse<DayOfWeek>(dayText, ignoreCase: true, out var day) || !Enum.IsDefined(day) || int.TryParse(dayText, CultureInfo.InvariantCulture, out _))
        {
            throw ctx.Error(handoff.At("day"), handoff.KeyPath("day"), "expected a weekday name like monday");
        }
        var time = new TimeOnly(9, 0);
        if (handoff.String("time") is { } t && !TimeOnly.TryParseExact(t, ["HH:mm", "H:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out time))
        {
            throw ctx.Error(handoff.At("time"), handoff.KeyPath("time"), "expected a time like 09:00");
        }
        var weeks = 1;
        if (l.Duration("length") is { } length)
        {
            if (length <= TimeSpan.Zero || length.Ticks % TimeSpan.FromDays(7).Ticks != 0)
            {
                throw ctx.Error(l.At("length"), l.KeyPath("length"), "a weekly rotation's length must be a whole number of weeks (1w, 2w...)");
            }
            weeks = (int)(length.Ticks / TimeSpan.FromDays(7).Ticks);
        }
        return new OnCallLayer(role, participants, start, day, time, weeks);
    }

    private static OnCallOverride Override(YamlContext ctx, YamlNode node, string path, TimeZoneInfo zone, Dictionary<string, OnCallPerson> people)
    {
        var o = YamlMap.Open(ctx, node, path)?.Known("role", "who", "from", "to") ?? throw ctx.Error(node, path, "expected a mapping");
        var role = EscalationPolicyLoader.NonEmpty(o, "role");
        var who = Participant(ctx, o.Require("who"), o.KeyPath("who"), people);
        var from = Instant(o, "from", zone);
        var to = Instant(o, "to", zone);
        if (to <= from)
        {
            throw ctx.Error(o.At("to"), o.KeyPath("to"), "an override must end after it starts");
        }
        return new OnCallOverride(role, who, from, to);
    }

    private static string Participant(YamlContext ctx, YamlNode node, string path, Dictionary<string, OnCallPerson> people)
    {
        var name = ctx.String(node, path) ?? string.Empty;
        if (name.Trim().Length == 0)
        {
            throw ctx.Error(node, path, "must not be empty");
        }
        if (people.Count > 0 && !people.ContainsKey(name))
        {
            throw ctx.Error(node, path, $"'{name}' is not listed under people");
        }
        return name;
    }

    private static DateTimeOffset Instant(YamlMap m, string key, TimeZoneInfo zone)
    {
        m.Require(key);
        var text = (m.String(key) ?? string.Empty).Trim();
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
        throw m.Ctx.Error(m.At(key), m.KeyPath(key), "expected a time like 2026-03-10T18:00:00Z or 2026-03-10 18:00 (schedule time zone)");
    }

    private static TimeZoneInfo Zone(YamlMap s)
    {
        var id = EscalationPolicyLoader.NonEmpty(s, "time_zone");
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            throw s.Ctx.Error(s.At("time_zone"), s.KeyPath("time_zone"), $"unknown time zone '{id}' (use an IANA name like Europe/London)");
        }
        catch (InvalidTimeZoneException)
        {
            throw s.Ctx.Error(s.At("time_zone"), s.KeyPath("time_zone"), $"time zone '{id}' could not be read");
        }
    }
}
