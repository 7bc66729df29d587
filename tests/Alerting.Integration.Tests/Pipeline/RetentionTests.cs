using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Core.Model;
using Alerting.DemoFleet;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Alerting.Integration.Tests.Infrastructure;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Alerting.Integration.Tests.Pipeline;

/// <summary>
/// Four days of alerts on a controlled clock, run once for the tests below, in six-hour steps: every step
/// four machines go down until the next step (half of them warnings), an operator acknowledges each one, a
/// fleet-wide alert that inhibits warnings fires for one step a day, and a probe alert fires throughout.
/// The sender behaves like Prometheus (firing alerts resent with an end ahead, resolved ones sent once); the
/// Retention timer runs every step. Then the senders stop and two quiet days pass in half-day steps.
/// <para>
/// Steps of hours, not minutes: every retention in play (resolve_timeout, nflog's 2 × repeat_interval = 8 h,
/// the one-day incident and audit retention set below) spans at least one step, so the tables reach their
/// steady size on day 2, and the run stays under a minute of drains on a busy machine (an hourly week took
/// ~5 s per simulated hour).
/// </para>
/// </summary>
public sealed class RetentionWeek : IAsyncLifetime
{
    private const string Key = "?code=local-function-key";
    private const int Days = 4;
    private const int StepsPerDay = 4;
    private const int NewPerStep = 4;
    private static readonly TimeSpan Step = TimeSpan.FromHours(24 / StepsPerDay);
    private static readonly TimeSpan QuietStep = TimeSpan.FromHours(12);

    public AlertingStack Stack { get; private set; } = null!;

    /// <summary>Row counts per table at the end of each day (index 0 = day 1).</summary>
    public List<IReadOnlyDictionary<string, int>> Daily { get; } = [];

    /// <summary>Row counts after the two quiet days.</summary>
    public IReadOnlyDictionary<string, int> AfterQuiet { get; private set; } = new Dictionary<string, int>();

    /// <summary>Distinct alerts sent over the week.</summary>
    public int DistinctAlerts { get; private set; }

    /// <summary>Table reads (by "table kind") of one flush of the probe group, on the first day and on the last.</summary>
    public (IReadOnlyDictionary<string, int> First, IReadOnlyDictionary<string, int> Last) ProbeFlush { get; private set; }

    public static readonly string[] Tables =
        [StorageNames.AlertsTable, StorageNames.GroupsTable, StorageNames.NotificationLogTable, StorageNames.IncidentsTable, StorageNames.AuditTable, StorageNames.InhibitSourcesTable];

    public async Task InitializeAsync()
    {
        Stack = await AlertingStack.StartAsync(
            [("1", MachineMode.Healthy)],
            alertmanagerYaml: null,
            ruleFiles: null,
            settings: new Dictionary<string, string?>
            {
                // Shorter than the defaults so the week shows our own records reaching their steady size too.
                ["Alerting:Retention:Incidents"] = "1.00:00:00",
                ["Alerting:Retention:Audit"] = "1.00:00:00",
            },
            configure: s => File.WriteAllText(Path.Combine(s.ConfigDir, "alertmanager.yml"), $"""
                global:
                  resolve_timeout: 5m
                route:
                  receiver: team
                  group_by: ['alertname', 'instance']
                  group_wait: 30s
                  group_interval: 5m
                  repeat_interval: 4h
                receivers:
                  - name: team
                    slack_configs:
                      - api_url: '{s.Slack.WebhookUrl}'
                        channel: '#incidents'
                        send_resolved: true
                inhibit_rules:
                  - source_matchers: ['alertname="FleetDown"']
                    target_matchers: ['severity="warning"']
                """));
        var sent = new HashSet<string>(StringComparer.Ordinal);
        var firing = new Dictionary<string, (Labels Labels, DateTimeOffset Since, DateTimeOffset Until)>(StringComparer.Ordinal);
        var probe = Labels.From(new Dictionary<string, string> { ["alertname"] = "Probe", ["instance"] = "probe-1", ["severity"] = "critical" });
        for (var step = 0; step < Days * StepsPerDay; step++)
        {
            var now = Stack.Time.GetUtcNow();
            var resolved = new List<(Labels Labels, DateTimeOffset Since, DateTimeOffset At)>();
            foreach (var (fp, a) in firing.ToArray())
            {
                if (a.Until <= now)
                {
                    firing.Remove(fp);
                    resolved.Add((a.Labels, a.Since, now));
                }
            }
            var fresh = new List<string>();
            for (var k = 0; k < NewPerStep; k++)
            {
                var labels = Labels.From(new Dictionary<string, string>
                {
                    ["alertname"] = "MachineDown",
                    ["instance"] = $"vyx-user-{step}-{k}",
                    ["severity"] = k % 2 == 0 ? "critical" : "warning",
                });
                firing[labels.FingerprintHex()] = (labels, now, now + Step);
                fresh.Add(labels.FingerprintHex());
            }
            if (step % StepsPerDay == 1)
            {
                var fleet = Labels.From(new Dictionary<string, string> { ["alertname"] = "FleetDown", ["instance"] = "fleet", ["severity"] = "critical" });
                firing[fleet.FingerprintHex()] = (fleet, now, now + Step);
            }
            // Renewed every step with an end past the next one, so the probe never resolves while the senders run.
            firing[probe.FingerprintHex()] = (probe, firing.TryGetValue(probe.FingerprintHex(), out var p) ? p.Since : now, now + Step + TimeSpan.FromMinutes(30));

            var payload = new JsonArray();
            foreach (var (_, a) in firing)
            {
                payload.Add(Alert(a.Labels, a.Since, now + Step + TimeSpan.FromMinutes(30)));
                sent.Add(a.Labels.FingerprintHex());
            }
            foreach (var r in resolved)
            {
                payload.Add(Alert(r.Labels, r.Since, r.At));
            }
            (await Stack.Http.PostAsync("api/v2/alerts" + Key, new StringContent(payload.ToJsonString(), Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            await Stack.DrainAsync();
            foreach (var fp in fresh)
            {
                (await Stack.Http.PostAsync($"api/alerts/{fp}/acknowledge{Key}", new StringContent("""{"who":"operator"}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            }
            // Let the group_wait of new groups pass, flush, then run the step's garbage collection.
            Stack.Time.Advance(TimeSpan.FromMinutes(1));
            await Stack.DrainAsync();
            if (step is StepsPerDay - 1 or (Days * StepsPerDay) - 1)
            {
                var flush = await FlushProbeAsync();
                ProbeFlush = step == StepsPerDay - 1 ? (flush, ProbeFlush.Last) : (ProbeFlush.First, flush);
            }
            await Stack.Host.InvokeTimerAsync("Retention");
            // A running host handles each flush when it falls due during the step; the clock jumps instead, so
            // the flushes that fell due run now, before the next alerts arrive. Without this the next step's
            // alerts found every live chain hours overdue and the router restarted each one (RearmPlan).
            Stack.Time.Advance(Step - TimeSpan.FromMinutes(1));
            await Stack.DrainAsync();
            if (step % StepsPerDay == StepsPerDay - 1)
            {
                Daily.Add(await CountRowsAsync());
            }
        }
        DistinctAlerts = sent.Count;

        // The senders stop; what is still firing resolves by its end time, and two quiet days pass.
        for (var quiet = TimeSpan.Zero; quiet < TimeSpan.FromDays(2); quiet += QuietStep)
        {
            Stack.Time.Advance(TimeSpan.FromMinutes(1));
            await Stack.DrainAsync();
            await Stack.Host.InvokeTimerAsync("Retention");
            Stack.Time.Advance(QuietStep - TimeSpan.FromMinutes(1));
            await Stack.DrainAsync();
        }
        AfterQuiet = await CountRowsAsync();
    }

    public async Task DisposeAsync() => await Stack.DisposeAsync();

    private static JsonObject Alert(Labels labels, DateTimeOffset startsAt, DateTimeOffset endsAt)
    {
        var l = new JsonObject();
        foreach (var label in labels)
        {
            l[label.Name] = label.Value;
        }
        return new JsonObject
        {
            ["labels"] = l,
            ["annotations"] = new JsonObject { ["summary"] = "s" },
            ["startsAt"] = startsAt.ToString("O", CultureInfo.InvariantCulture),
            ["endsAt"] = endsAt.ToString("O", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Flushes the probe's group directly (as its queue message would) and returns the table reads it made.</summary>
    private async Task<IReadOnlyDictionary<string, int>> FlushProbeAsync()
    {
        var groups = Stack.Host.Services.GetRequiredService<GroupStore>();
        var probe = (await groups.ListAsync(CancellationToken.None)).Single(g => g.GroupKey.Contains("Probe", StringComparison.Ordinal));
        var flusher = Stack.Host.Services.GetRequiredService<GroupFlusher>();
        Stack.Time.Advance(probe.NextFlushAt > Stack.Time.GetUtcNow() ? probe.NextFlushAt - Stack.Time.GetUtcNow() : TimeSpan.Zero);
        var before = Stack.TableRequests.Snapshot();
        await flusher.FlushAsync(new FlushGroupMessage(probe.GroupId, probe.FlushToken, probe.NextFlushAt), CancellationToken.None);
        var after = Stack.TableRequests.Snapshot();
        return after
            .Where(a => a.Key.EndsWith(" point", StringComparison.Ordinal) || a.Key.EndsWith(" query", StringComparison.Ordinal))
            .Select(a => (a.Key, Value: a.Value - before.GetValueOrDefault(a.Key)))
            .Where(d => d.Value > 0)
            .ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal);
    }

    private async Task<IReadOnlyDictionary<string, int>> CountRowsAsync()
    {
        var tables = new TableServiceClient(Stack.Azurite.ConnectionString);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in Tables)
        {
            var n = 0;
            await foreach (var row in tables.GetTableClient(name).QueryAsync<TableEntity>(select: ["RowKey"]))
            {
                // The inhibition index's marker row says the index is built; it stays while the rules do.
                n += row.RowKey == InhibitSourceStore.BuiltRow ? 0 : 1;
            }
            counts[name] = n;
        }
        return counts;
    }
}

/// <summary>Garbage collection with Alertmanager's retention rules keeps the tables at a steady size while history grows.</summary>
public sealed class RetentionTests(RetentionWeek week, ITestOutputHelper output) : IClassFixture<RetentionWeek>
{
    [Fact]
    public void Over_days_of_alerts_every_table_stays_at_a_steady_size_while_history_grows()
    {
        // The row counts per day are the figures bench/README.md quotes.
        output.WriteLine("day | " + string.Join(" | ", RetentionWeek.Tables));
        for (var d = 0; d < week.Daily.Count; d++)
        {
            output.WriteLine($"{d + 1} | " + string.Join(" | ", RetentionWeek.Tables.Select(t => week.Daily[d][t])));
        }
        output.WriteLine("after 2 quiet days | " + string.Join(" | ", RetentionWeek.Tables.Select(t => week.AfterQuiet[t])));
        // Four new alerts a step for four days, plus the fleet-wide one and the probe.
        Assert.True(week.DistinctAlerts >= 4 * 4 * 4, $"{week.DistinctAlerts} alerts sent");
        var steady = week.Daily[1];
        foreach (var day in week.Daily.Skip(2))
        {
            foreach (var table in RetentionWeek.Tables)
            {
                // Later days hold no more than day 2 did, give or take what one step's churn adds.
                Assert.True(day[table] <= steady[table] + 12, $"{table}: day 2 held {steady[table]}, a later day {day[table]}");
            }
        }
        // Without garbage collection the alerts table would hold every alert ever sent.
        Assert.True(week.Daily[^1][StorageNames.AlertsTable] < week.DistinctAlerts / 4,
            $"{week.Daily[^1][StorageNames.AlertsTable]} alert rows after {week.DistinctAlerts} alerts");
    }

    [Fact]
    public void After_the_alerts_stop_everything_is_deleted_once_its_retention_has_passed()
    {
        foreach (var table in RetentionWeek.Tables)
        {
            Assert.True(week.AfterQuiet[table] == 0, $"{table} still holds {week.AfterQuiet[table]} rows after two quiet days");
        }
    }

    [Fact]
    public void A_flush_reads_as_much_on_the_last_day_as_on_the_first_and_never_scans_the_alerts()
    {
        Assert.NotEmpty(week.ProbeFlush.First);
        Assert.Equal(week.ProbeFlush.First.OrderBy(k => k.Key), week.ProbeFlush.Last.OrderBy(k => k.Key));
        Assert.DoesNotContain(week.ProbeFlush.Last.Keys, k => k == "alerts query");
    }
}
