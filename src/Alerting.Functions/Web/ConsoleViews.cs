using Alerting.Core.Acknowledgement;
using Alerting.Core.Alertmanager;
using Alerting.Core.Escalation;
using Alerting.Core.Notify;
using Alerting.Core.OnCall;
using Alerting.Core.Rules;
using Alerting.Core.Tsdb.Wal;
using Alerting.Functions.Storage;

namespace Alerting.Functions.Web;

/// <summary>
/// The JSON shapes of the operator console's read API, projected from stored state. Pure: the console
/// functions load, these shape. Field names are the page's contract (camelCase on the wire).
/// </summary>
public static class ConsoleViews
{
    /// <summary>The tick partition prefix of recording-rule output (see RuleRunner); not a scrape job.</summary>
    public const string RulesTickPrefix = "__rules__/";

    /// <summary>One open alert with its operator state and the active silences that mute it.</summary>
    public sealed record AlertView(
        string Id,
        string Alertname,
        string Severity,
        string Instance,
        string Status,
        string? By,
        DateTimeOffset Since,
        DateTimeOffset? SnoozedUntil,
        DateTimeOffset StartsAt,
        IReadOnlyDictionary<string, string> Labels,
        IReadOnlyDictionary<string, string> Annotations,
        IReadOnlyList<string> SilencedBy,
        string? Policy);

    public sealed record RuleGroupView(string Name, string File, double Interval, DateTimeOffset? LastEvaluation, int Rules, IReadOnlyList<RuleErrorView> Errors);

    public sealed record RuleErrorView(string Rule, string Error);

    public static AlertView Alert(StoredAlert stored, IncidentRecord? incident, IReadOnlyList<Silence> silences, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(silences);
        var a = stored.Alert;
        var ack = incident?.Ack ?? AlertAckState.FiringSince(a.StartsAt);
        var status = ack.EffectiveStatus(now);
        return new AlertView(
            a.Fingerprint,
            a.Labels["alertname"],
            a.Labels["severity"],
            a.Labels["instance"],
            AcknowledgementStateMachine.Name(status),
            ack.By,
            ack.Since,
            status == AlertStatus.Snoozed ? ack.SnoozedUntil : null,
            a.StartsAt,
            a.Labels.ToDictionary(),
            a.Annotations.ToDictionary(),
            silences.Where(s => s.Mutes(a.Labels, now)).Select(s => s.Id).ToArray(),
            incident?.Policy);
    }

    /// <summary>Most severe first (Core's one severity order), then by machine and alert name.</summary>
    public static IReadOnlyList<AlertView> Sorted(IEnumerable<AlertView> alerts) => alerts
        .OrderBy(a => AlertGroupSnapshot.SeverityRank(a.Severity.ToLowerInvariant()))
        .ThenBy(a => a.Instance, StringComparer.Ordinal)
        .ThenBy(a => a.Alertname, StringComparer.Ordinal)
        .ThenBy(a => a.StartsAt)
        .ToArray();

    public static object SilenceRef(Silence s, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new
        {
            id = s.Id,
            state = s.StateAt(now).ToString().ToLowerInvariant(),
            startsAt = s.StartsAt,
            endsAt = s.EndsAt,
            createdBy = s.CreatedBy,
            comment = s.Comment,
            matchers = s.Matchers.Select(m => m.ToString()).ToArray(),
        };
    }

    /// <param name="receivers">The receivers alertmanager.yml defines; a step naming another one reaches nobody.</param>
    public static object Escalation(EscalationTimeline timeline, IncidentRecord incident, bool silenced, IReadOnlySet<string> receivers)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        ArgumentNullException.ThrowIfNull(incident);
        // The "escalations" handler also stops while a silence mutes the alert; the planner does not know about silences.
        var stopped = timeline.StoppedBecause ?? (silenced ? "a silence mutes the alert" : null);
        return new
        {
            policy = timeline.Policy,
            firingSince = incident.FiringSince,
            stepsDone = incident.StepsDone,
            nextAt = stopped is null ? timeline.NextAt : null,
            stoppedBecause = stopped,
            slackMessages = incident.Slack.Count,
            pagerDutyIncidents = incident.PagerDuty.Count,
            steps = timeline.Steps
                .Where(s => stopped is null || s.State == EscalationStepState.Done)
                .Select(s => new
                {
                    number = s.Number,
                    run = s.Run,
                    index = s.Index,
                    afterSeconds = s.After.TotalSeconds,
                    dueAt = s.DueAt,
                    state = s.State.ToString().ToLowerInvariant(),
                    targets = s.Recipients.Select(r => Recipient(r, receivers)).ToArray(),
                })
                .ToArray(),
        };
    }

    private static object Recipient(EscalationRecipient r, IReadOnlySet<string> receivers) => new
    {
        target = r.Target.ToString(),
        who = r.Person?.Name ?? r.Receiver,
        isOverride = r.Assignment?.IsOverride ?? false,
        problem = r.Problem ?? (r.Receiver is { } name && !receivers.Contains(name) ? $"alertmanager.yml has no receiver named {name}" : null),
    };

    public static object Schedule(OnCallScheduleView s, OnCallConfig config)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(config);
        return new
        {
            name = s.Name,
            timeZone = s.TimeZone,
            roles = s.Roles.Select(r => new
            {
                role = r.Role,
                now = Assignment(r.Now, config),
                next = Assignment(r.Next, config),
            }).ToArray(),
            overrides = s.Overrides.Select(o => new
            {
                role = o.Override.Role,
                who = o.Override.Who,
                from = o.Override.From,
                to = o.Override.To,
                active = o.Active,
            }).ToArray(),
        };
    }

    private static object? Assignment(OnCallAssignment? a, OnCallConfig config)
    {
        if (a is null)
        {
            return null;
        }
        var person = config.Person(a.Who);
        return new
        {
            who = a.Who,
            from = a.From,
            until = a.Until,
            isOverride = a.IsOverride,
            email = person.Email,
            slack = person.Slack,
        };
    }

    /// <summary>A scrape job's last tick: when, how many targets, and which were down (<c>up</c> 0).</summary>
    public static object Job(string job, ScrapeTick? last, bool pushed)
    {
        if (last is null)
        {
            return new { job, pushed, lastScrape = (DateTimeOffset?)null, targets = 0, up = 0, down = Array.Empty<string>() };
        }
        var up = 0;
        var down = new List<string>();
        foreach (var target in last.Targets)
        {
            double? upValue = null;
            foreach (var sample in target.Samples)
            {
                if (sample.Labels.Name == "up")
                {
                    upValue = sample.Value;
                    break;
                }
            }
            // Pushed groups have no up series; they count as reachable.
            if (upValue is null or 1)
            {
                up++;
            }
            else
            {
                down.Add(target.Instance);
            }
        }
        return new
        {
            job,
            pushed,
            lastScrape = (DateTimeOffset?)DateTimeOffset.FromUnixTimeMilliseconds(last.TimestampMs),
            targets = last.Targets.Count,
            up,
            down = down.Order(StringComparer.Ordinal).ToArray(),
        };
    }

    public static RuleGroupView RuleGroup(RuleGroup group, RuleGroupState state)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(state);
        return new RuleGroupView(
            group.Name,
            group.File,
            group.Interval.TotalSeconds,
            state.LastEvaluatedAt,
            group.Rules.Count,
            state.Health.Where(h => h.Health == RuleHealth.Err).Select(h => new RuleErrorView(h.Rule, h.LastError ?? string.Empty)).ToArray());
    }
}
