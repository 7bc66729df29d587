using Alerting.Core.Model;

namespace Alerting.Core.Heartbeats;

/// <summary>A job that promises to ping at least every <see cref="Period"/> (plus <see cref="Grace"/> for a slow run).</summary>
public sealed record HeartbeatCheck(string Name, TimeSpan Period, TimeSpan Grace, Labels Labels);

/// <summary>What is stored per check: the last ping, and when the check was first seen (the clock for one never pinged).</summary>
public sealed record HeartbeatState(string Name, DateTimeOffset FirstSeen, DateTimeOffset? LastPing);

/// <summary>An alert a check raises or clears: firing while the job is late, resolved once it pings again.</summary>
public sealed record HeartbeatAlert(Labels Labels, Labels Annotations, DateTimeOffset StartsAt, bool Firing);

/// <summary>
/// The dead man's switch decisions, pure: the built-in Watchdog alert that is always firing (so a second
/// system that stops receiving it knows the alerter is gone), and one HeartbeatMissing alert per check
/// whose job has not pinged within its period and grace. A check's clock starts at its last ping, or when
/// it was first seen if it never pinged, so adding a check does not page at once.
/// </summary>
public static class HeartbeatPlan
{
    public const string WatchdogName = "Watchdog";
    public const string MissingName = "HeartbeatMissing";

    /// <summary>Kube-prometheus' Watchdog: severity none, routed like any alert (a route can send it to a dead man's snitch).</summary>
    public static HeartbeatAlert Watchdog(DateTimeOffset since) => new(
        Labels.From(("alertname", WatchdogName), ("severity", "none")),
        Labels.From(("summary", "An alert that is always firing, to show the alerting pipeline works."),
            ("description", "Alerting.Functions sends this alert on every evaluation. If a receiver stops getting it, the alerter is down: route it to an external dead man's switch.")),
        since,
        Firing: true);

    public static IReadOnlyList<HeartbeatAlert> Evaluate(IReadOnlyList<HeartbeatCheck> checks, IReadOnlyDictionary<string, HeartbeatState> states, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(checks);
        ArgumentNullException.ThrowIfNull(states);
        var result = new List<HeartbeatAlert>(checks.Count);
        foreach (var check in checks)
        {
            var state = states.GetValueOrDefault(check.Name);
            var since = state?.LastPing ?? state?.FirstSeen ?? now;
            var dueBy = since + check.Period + check.Grace;
            var labels = check.Labels.With("alertname", MissingName).With("heartbeat", check.Name);
            var annotations = Labels.From(
                ("summary", $"Heartbeat {check.Name} missed: no ping since {since:u}"),
                ("description", $"The job that pings /api/heartbeats/{check.Name} promised one every {Format(check.Period)} (grace {Format(check.Grace)}); it is late or not running."));
            result.Add(new HeartbeatAlert(labels, annotations, dueBy, Firing: now > dueBy));
        }
        return result;
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 && t.Minutes == 0 && t.Seconds == 0 ? $"{(int)t.TotalHours}h"
        : t.TotalMinutes >= 1 && t.Seconds == 0 ? $"{(int)t.TotalMinutes}m" : $"{(int)t.TotalSeconds}s";
}
