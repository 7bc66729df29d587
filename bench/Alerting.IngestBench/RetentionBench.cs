using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Core.Model;
using Alerting.Functions.Storage;
using Alerting.LocalHost;
using Alerting.LocalServices;
using static Alerting.IngestBench.BenchFigures;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

/// <summary>
/// Table sizes over simulated days of a demo fleet (seed 000's `vyx-user-*` machines and rules): machines go
/// down and come back, fleet-wide alerts fire and resolve, Prometheus-style senders resend firing alerts and
/// resolved ones for 15 minutes, operators acknowledge machine-down alerts and set a nightly maintenance
/// silence. The real function app runs on the local host with an application clock driven in 5-minute steps,
/// flushing to a webhook sink, with the Retention timer run every step as it runs every 5 minutes. At the end
/// of every day it prints each table's row count, so growth and the steady state show side by side.
/// </summary>
internal static class RetentionBench
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(5);

    private static readonly string[] Tables =
        [StorageNames.AlertsTable, StorageNames.GroupsTable, StorageNames.NotificationLogTable, StorageNames.IncidentsTable, StorageNames.AuditTable,
         StorageNames.InhibitSourcesTable, StorageNames.PagerDutyKeysTable, StorageNames.LinkNoncesTable, SilenceStore.TableName];

    public static async Task<int> RunAsync(string[] args)
    {
        var days = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 7;
        var machines = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var work = Directory.CreateTempSubdirectory("retention-bench-").FullName;
        var sinkPort = ExternalProcess.FreePort();
        using var sink = new HttpListener();
        sink.Prefixes.Add($"http://127.0.0.1:{sinkPort}/");
        sink.Start();
        var notifications = 0;
        _ = Task.Run(async () =>
        {
            while (sink.IsListening)
            {
                try
                {
                    var ctx = await sink.GetContextAsync();
                    Interlocked.Increment(ref notifications);
                    ctx.Response.StatusCode = 200;
                    ctx.Response.Close();
                }
                catch (HttpListenerException)
                {
                    return;
                }
            }
        });
        await File.WriteAllTextAsync(Path.Combine(work, "alertmanager.yml"), $"""
            global:
              resolve_timeout: 5m
            route:
              receiver: fleet
              group_by: ['alertname', 'instance']
              group_wait: 30s
              group_interval: 5m
              repeat_interval: 4h
            receivers:
              - name: fleet
                webhook_configs:
                  - url: 'http://127.0.0.1:{sinkPort}/'
                    send_resolved: true
            inhibit_rules:
              - source_matchers: ['alertname="SystemWideHighErrorRate"']
                target_matchers: ['severity="warning"']
            """);
        await File.WriteAllTextAsync(Path.Combine(work, "scrape.yml"), "scrape_configs: []\n");
        await File.WriteAllTextAsync(Path.Combine(work, "none.rules.yml"), "groups: []\n");

        await using var azurite = await Azurite.StartAsync();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero));
        await using var host = await LocalFunctionHost.StartAsync(
            new LocalHostOptions { Urls = "http://127.0.0.1:0", HostJsonPath = Path.Combine(RepoPaths.Root, "host.json"), EnableTimers = false, EnableQueuePumps = false },
            new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["ScrapeSchedule"] = "*/30 * * * * *",
                ["EvaluateSchedule"] = "*/30 * * * * *",
                ["Alerting:ScrapeConfigPath"] = Path.Combine(work, "scrape.yml"),
                ["Alerting:RuleFiles"] = Path.Combine(work, "none.rules.yml"),
                ["Alerting:AlertmanagerConfigPath"] = Path.Combine(work, "alertmanager.yml"),
                ["Alerting:DefaultTemplatesPath"] = Path.Combine(RepoPaths.Root, "rules", "templates"),
                ["Alerting:QueueDelayFactor"] = "0.001",
                ["Alerting:Delivery:MaxAttempts"] = "1",
                ["Logging:LogLevel:Default"] = "Warning",
            },
            services => services.AddSingleton<TimeProvider>(clock));
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        var tables = host.Services.GetRequiredService<TableServiceClient>();

        var fleet = new Fleet(machines, new Random(7));
        Console.WriteLine($"{days} simulated days, {machines} machines, 5-minute steps, load average {LoadAverage()}");
        Console.WriteLine("| day | alerts sent (distinct, so far) | " + string.Join(" | ", Tables) + " |");
        Console.WriteLine("|---|---|" + string.Concat(Tables.Select(_ => "---|")));
        var wall = Stopwatch.StartNew();
        var sentEver = new HashSet<string>(StringComparer.Ordinal);
        // Where a step's wall time goes: post, drains, operator calls, the Retention timer.
        var phases = new double[4];
        var phase = Stopwatch.StartNew();
        void Lap(int i)
        {
            phases[i] += phase.Elapsed.TotalSeconds;
            phase.Restart();
        }
        for (var step = 1; step <= days * 24 * 12; step++)
        {
            var now = clock.GetUtcNow();
            var (toSend, acknowledge, silence) = fleet.Advance(now);
            foreach (var a in toSend)
            {
                sentEver.Add(a.Fingerprint);
            }
            if (toSend.Count > 0)
            {
                using var content = new StringContent(Payload(toSend), Encoding.UTF8, "application/json");
                (await http.PostAsync("api/v2/alerts?code=local-function-key", content)).EnsureSuccessStatusCode();
            }
            Lap(0);
            await DrainAsync(host);
            Lap(1);
            var acted = acknowledge.Count > 0 || silence;
            foreach (var id in acknowledge)
            {
                using var body = new StringContent("""{"who":"bench-operator"}""", Encoding.UTF8, "application/json");
                await http.PostAsync($"api/alerts/{id}/acknowledge?code=local-function-key", body);
            }
            if (silence)
            {
                var silenceBody = $$"""{"matchers":[{"name":"severity","value":"warning","isRegex":false}],"startsAt":"{{now:O}}","endsAt":"{{now.AddHours(1):O}}","createdBy":"bench","comment":"nightly maintenance"}""";
                using var content = new StringContent(silenceBody, Encoding.UTF8, "application/json");
                (await http.PostAsync("api/v2/silences?code=local-function-key", content)).EnsureSuccessStatusCode();
            }
            if (acted)
            {
                await DrainAsync(host);
            }
            Lap(2);
            await host.InvokeTimerAsync("Retention");
            Lap(3);
            clock.Advance(Step);
            // The flushes that fell due during the step run before the next alerts arrive, as on a running
            // host; otherwise the router finds them a step overdue and restarts their chains (RearmPlan).
            await DrainAsync(host);
            Lap(1);
            if (step % 12 == 0 && step % (24 * 12) != 0)
            {
                Console.Error.Write($"\rday {(step / (24 * 12)) + 1}, hour {step / 12 % 24}, {wall.Elapsed.TotalMinutes:F1} min (post {phases[0]:F0} s, drains {phases[1]:F0} s, operator {phases[2]:F0} s, retention {phases[3]:F0} s) ");
            }
            if (step % (24 * 12) == 0)
            {
                var counts = new List<int>();
                foreach (var t in Tables)
                {
                    counts.Add(await CountAsync(tables.GetTableClient(t)));
                }
                Console.WriteLine($"| {step / (24 * 12)} | {sentEver.Count:N0} | " + string.Join(" | ", counts.Select(c => c.ToString("N0", CultureInfo.InvariantCulture))) + " |");
            }
        }
        Console.WriteLine($"{notifications:N0} notifications reached the webhook; {wall.Elapsed.TotalMinutes:F1} min wall time; load average {LoadAverage()}");
        sink.Stop();
        return 0;
    }

    /// <summary>
    /// Runs the queues a bounded number of passes. A flush not yet due by the application clock is re-queued
    /// with its delay scaled to nothing, so it is handled again on every pass until the clock moves: a drain
    /// "until nothing is handled" would spin on it (100 passes a call; 2.5 s a step). Three drains of four
    /// passes 25 ms apart let the work the step started run its chain (ingest, route, flush, deliver); work
    /// left over runs in the next drain, and alerts are re-sent with an end three steps ahead, so a drain's
    /// lag changes no alert's state.
    /// </summary>
    private static async Task DrainAsync(LocalFunctionHost host)
    {
        for (int call = 0, idle = 0; call < 3 && idle < 2; call++)
        {
            idle = await host.DrainQueuesAsync(maxPasses: 4) == 0 ? idle + 1 : 0;
            await Task.Delay(25);
        }
    }

    private static async Task<int> CountAsync(TableClient table)
    {
        var n = 0;
        try
        {
            await foreach (var _ in table.QueryAsync<TableEntity>(select: ["PartitionKey"]))
            {
                n++;
            }
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            // Never created: nothing was written to it.
        }
        return n;
    }

    private static string Payload(IReadOnlyList<SentAlert> alerts)
    {
        var array = new JsonArray();
        foreach (var a in alerts)
        {
            var labels = new JsonObject();
            foreach (var l in a.Labels)
            {
                labels[l.Name] = l.Value;
            }
            array.Add(new JsonObject
            {
                ["labels"] = labels,
                ["annotations"] = new JsonObject { ["summary"] = a.Labels["alertname"] + " on " + a.Labels["instance"] },
                ["startsAt"] = a.StartsAt.ToString("O", CultureInfo.InvariantCulture),
                ["endsAt"] = a.EndsAt.ToString("O", CultureInfo.InvariantCulture),
            });
        }
        return array.ToJsonString();
    }

    private sealed record SentAlert(Labels Labels, DateTimeOffset StartsAt, DateTimeOffset EndsAt)
    {
        public string Fingerprint => Labels.FingerprintHex();
    }

    /// <summary>
    /// The fleet's behaviour, seeded: each machine goes down about once a day for 10 to 90 minutes; the
    /// fleet-wide error rate alert fires twice a day for an hour and pool saturation (a warning) three times
    /// a day for 40 minutes. Like Prometheus, firing alerts are sent every step with an end three steps ahead,
    /// and resolved ones are sent for 15 minutes after they resolve.
    /// </summary>
    private sealed class Fleet(int machines, Random random)
    {
        private readonly Dictionary<string, (Labels Labels, DateTimeOffset Since, DateTimeOffset? Until)> _active = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (Labels Labels, DateTimeOffset Since, DateTimeOffset ResolvedAt)> _resolved = new(StringComparer.Ordinal);
        private readonly HashSet<string> _acknowledged = new(StringComparer.Ordinal);

        public (IReadOnlyList<SentAlert> Send, IReadOnlyList<string> Acknowledge, bool Silence) Advance(DateTimeOffset now)
        {
            for (var m = 0; m < machines; m++)
            {
                var labels = Labels.From(new Dictionary<string, string>
                {
                    ["alertname"] = "UserMachineDown",
                    ["severity"] = "critical",
                    ["instance"] = $"vyx-user-{35682909 + (m * 7919)}",
                    ["job"] = "fly-machines",
                });
                if (!_active.ContainsKey(labels.FingerprintHex()) && random.NextDouble() < 1.0 / (24 * 12))
                {
                    _active[labels.FingerprintHex()] = (labels, now, now + TimeSpan.FromMinutes(random.Next(10, 91)));
                }
            }
            var minuteOfDay = (int)(now - now.Date).TotalMinutes;
            Fleetwide("SystemWideHighErrorRate", "critical", minuteOfDay is (>= 600 and < 660) or (>= 1200 and < 1260), now);
            Fleetwide("ClusterPoolSaturation", "warning", minuteOfDay is (>= 120 and < 160) or (>= 630 and < 670) or (>= 1000 and < 1040), now);

            foreach (var (fp, a) in _active.ToArray())
            {
                if (a.Until is { } until && until <= now)
                {
                    _active.Remove(fp);
                    _resolved[fp] = (a.Labels, a.Since, now);
                    _acknowledged.Remove(fp);
                }
            }
            var send = new List<SentAlert>();
            var acknowledge = new List<string>();
            foreach (var (fp, a) in _active)
            {
                send.Add(new SentAlert(a.Labels, a.Since, now + (Step * 3)));
                if (a.Labels["alertname"] == "UserMachineDown" && now - a.Since >= TimeSpan.FromMinutes(10) && _acknowledged.Add(fp))
                {
                    acknowledge.Add(fp);
                }
            }
            foreach (var (fp, r) in _resolved.ToArray())
            {
                if (now - r.ResolvedAt > TimeSpan.FromMinutes(15))
                {
                    _resolved.Remove(fp);
                    continue;
                }
                send.Add(new SentAlert(r.Labels, r.Since, r.ResolvedAt));
            }
            return (send, acknowledge, minuteOfDay == 180);
        }

        private void Fleetwide(string name, string severity, bool firing, DateTimeOffset now)
        {
            var labels = Labels.From(new Dictionary<string, string> { ["alertname"] = name, ["severity"] = severity, ["instance"] = "fleet" });
            var fp = labels.FingerprintHex();
            if (firing && !_active.ContainsKey(fp))
            {
                _active[fp] = (labels, now, null);
            }
            else if (!firing && _active.TryGetValue(fp, out var a))
            {
                _active[fp] = a with { Until = now };
            }
        }
    }
}
