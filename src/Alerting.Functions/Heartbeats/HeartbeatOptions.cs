namespace Alerting.Functions.Heartbeats;

/// <summary>
/// <c>Alerting:Heartbeats</c>: the dead man's switch. The Watchdog alert (turned on here), an
/// optional URL pinged after every successful evaluation tick (Healthchecks.io, Opsgenie heartbeats,
/// another region), and the checks jobs ping at <c>/api/heartbeats/&lt;name&gt;</c>.
/// </summary>
public sealed class HeartbeatOptions
{
    public const string Section = "Alerting:Heartbeats";

    /// <summary>
    /// Send the always-firing Watchdog alert on every evaluation tick. Off unless asked for: routed like any
    /// alert, it would otherwise reach every existing config's default receiver, which Alertmanager never does.
    /// </summary>
    public bool Watchdog { get; set; }

    /// <summary>Pinged (GET) after every successful evaluation tick; empty for none.</summary>
    public string PingUrl { get; set; } = string.Empty;

    /// <summary>Checks by name: e.g. <c>Alerting:Heartbeats:Checks:synthetic-check:Period = 00:15:00</c>.</summary>
    public Dictionary<string, HeartbeatCheckOptions> Checks { get; set; } = new(StringComparer.Ordinal);
}

public sealed class HeartbeatCheckOptions
{
    /// <summary>How often the job promises to ping.</summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How late a ping may be before the check fires (a slow run, a clock off by a little).</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Labels of the HeartbeatMissing alert, for routing (severity, team).</summary>
    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal) { ["severity"] = "warning" };
}
