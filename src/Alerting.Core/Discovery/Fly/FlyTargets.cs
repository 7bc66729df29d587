using System.Globalization;
using System.IO.Enumeration;
using System.Net;
using System.Net.Sockets;
using Alerting.Core.Model;
using Alerting.Core.Scrape.Config;

namespace Alerting.Core.Discovery.Fly;

/// <summary>One matched app and its machines, as the I/O side read them.</summary>
public sealed record FlyAppMachines(string App, IReadOnlyList<FlyMachine> Machines);

/// <summary>
/// Turns the Machines API's answers into scrape targets with <c>__meta_fly_*</c> labels (Prometheus'
/// discovery convention) and into the machine-state series documented in docs/fly.md.
/// </summary>
public static class FlyTargets
{
    public const string OrgLabel = "__meta_fly_org";
    public const string AppLabel = "__meta_fly_app_name";
    public const string MachineIdLabel = "__meta_fly_machine_id";
    public const string MachineNameLabel = "__meta_fly_machine_name";
    public const string RegionLabel = "__meta_fly_machine_region";
    public const string StateLabel = "__meta_fly_machine_state";
    public const string PrivateIpLabel = "__meta_fly_machine_private_ip";
    public const string ImageLabel = "__meta_fly_machine_image";

    /// <summary>The only state in which a machine runs its process and can serve metrics.</summary>
    public const string Started = "started";

    /// <summary>Whether an app name matches the <c>app_name_pattern</c> glob (<c>*</c>, <c>?</c>; case-sensitive as Fly's names are lower case).</summary>
    public static bool Matches(string pattern, string appName) =>
        FileSystemName.MatchesSimpleExpression(pattern, appName, ignoreCase: false);

    /// <summary>
    /// One target group per started machine with a private address. Stopped and suspended machines are
    /// left out: a Fly app with auto-stop stops idle machines on purpose, and scraping them would make
    /// <c>up == 0</c> alerts of a normal state; their state is in the machine series instead.
    /// </summary>
    public static IReadOnlyList<TargetGroup> Groups(FlySdConfig sd, IEnumerable<FlyAppMachines> apps)
    {
        ArgumentNullException.ThrowIfNull(sd);
        ArgumentNullException.ThrowIfNull(apps);
        var groups = new List<TargetGroup>();
        foreach (var app in apps)
        {
            foreach (var m in app.Machines)
            {
                if (m.State != Started || string.IsNullOrEmpty(m.PrivateIp))
                {
                    continue;
                }
                var port = m.Config?.Metrics?.Port is > 0 and <= 65535 and var p ? p : sd.Port;
                var labels = new List<Label>
                {
                    new(OrgLabel, sd.Org),
                    new(AppLabel, app.App),
                    new(MachineIdLabel, m.Id),
                    new(MachineNameLabel, m.Name ?? string.Empty),
                    new(RegionLabel, m.Region ?? string.Empty),
                    new(StateLabel, m.State ?? string.Empty),
                    new(PrivateIpLabel, m.PrivateIp),
                    new(ImageLabel, m.Config?.Image ?? string.Empty),
                };
                if (m.Config?.Metrics?.Path is { Length: > 0 } path)
                {
                    labels.Add(new(PromNames.MetricsPath, path));
                }
                groups.Add(new TargetGroup([HostPort(m.PrivateIp, port)], Labels.From(labels), $"fly:{sd.Org}/{app.App}/{m.Id}"));
            }
        }
        return groups;
    }

    /// <summary>The machine-state series of every machine of the matched apps (names and meanings in docs/fly.md).</summary>
    public static IReadOnlyList<(Labels Labels, double Value)> Series(IEnumerable<FlyAppMachines> apps)
    {
        ArgumentNullException.ThrowIfNull(apps);
        var series = new List<(Labels, double)>();
        foreach (var app in apps)
        {
            var running = 0;
            foreach (var m in app.Machines)
            {
                var id = Labels.From(("app", app.App), ("machine_id", m.Id), ("region", m.Region ?? string.Empty));
                var state = m.State ?? "unknown";
                running += state == Started ? 1 : 0;
                series.Add((Named("fly_machine_info", id.With("machine_name", m.Name ?? string.Empty).With("image", m.Config?.Image ?? string.Empty)), 1));
                series.Add((Named("fly_machine_state", id.With("state", state)), 1));
                series.Add((Named("fly_machine_running", id), state == Started ? 1 : 0));
                series.Add((Named("fly_machine_autostop", id), m.Config?.AutoStops == true ? 1 : 0));
                AddEventSeries(series, id, m.Events ?? []);
            }
            series.Add((Labels.From((Labels.MetricName, "fly_app_running_machines"), ("app", app.App)), running));
            series.Add((Labels.From((Labels.MetricName, "fly_app_machines"), ("app", app.App)), app.Machines.Count));
        }
        return series;
    }

    private static void AddEventSeries(List<(Labels, double)> series, Labels id, IReadOnlyList<FlyMachineEvent> events)
    {
        // Fly returns the newest events first, but order by timestamp so a different order cannot mislead.
        var ordered = events.OrderByDescending(e => e.Timestamp).ToArray();
        if (ordered.FirstOrDefault(e => e.Type == "exit") is { } exit)
        {
            var ev = exit.Request?.ExitEvent;
            series.Add((Named("fly_machine_last_exit_code", id), ev?.ExitCode ?? 0));
            series.Add((Named("fly_machine_last_exit_oom_killed", id), ev?.OomKilled == true ? 1 : 0));
            series.Add((Named("fly_machine_last_exit_timestamp_seconds", id), Seconds(exit.Timestamp)));
        }
        if (ordered.FirstOrDefault(IsOomKill) is { } oom)
        {
            series.Add((Named("fly_machine_last_oom_kill_timestamp_seconds", id), Seconds(oom.Timestamp)));
        }
        series.Add((Named("fly_machine_recent_oom_kills", id), ordered.Count(IsOomKill)));
        series.Add((Named("fly_machine_recent_restarts", id), ordered.Count(e => e.Type == "restart" || (e.Type == "exit" && e.Request?.ExitEvent?.Restarting == true))));
        var startedAt = Array.FindIndex(ordered, e => e.Status == "started");
        if (startedAt >= 0)
        {
            series.Add((Named("fly_machine_last_start_timestamp_seconds", id), Seconds(ordered[startedAt].Timestamp)));
            // The start request is the newest "start" event before the one that reports the machine started.
            if (ordered.Skip(startedAt + 1).FirstOrDefault(e => e.Type == "start" && e.Status != "started") is { } request)
            {
                series.Add((Named("fly_machine_start_latency_seconds", id), Math.Max(0, ordered[startedAt].Timestamp - request.Timestamp) / 1000.0));
            }
        }
        if (ordered.FirstOrDefault(e => e.Status == "stopped") is { } stopped)
        {
            series.Add((Named("fly_machine_last_stop_timestamp_seconds", id), Seconds(stopped.Timestamp)));
        }
    }

    private static bool IsOomKill(FlyMachineEvent e) =>
        e.Type == "exit" && (e.Request?.ExitEvent?.OomKilled == true);

    private static double Seconds(long unixMs) => unixMs / 1000.0;

    private static Labels Named(string name, Labels labels) => labels.With(Labels.MetricName, name);

    private static string HostPort(string ip, int port)
    {
        var host = IPAddress.TryParse(ip, out var a) && a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip;
        return host + ":" + port.ToString(CultureInfo.InvariantCulture);
    }
}
