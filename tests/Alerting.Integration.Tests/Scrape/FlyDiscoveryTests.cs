using Alerting.Core.Model;
using Alerting.Core.Tests;
using Alerting.DemoFleet;
using Alerting.Fakes.Fly;

namespace Alerting.Integration.Tests.Scrape;

/// <summary>
/// Seed 000's scrape section, unchanged, against a strict fake of the Fly Machines API: the organisation's
/// vyx-user-* apps are discovered, their started machines scraped and relabelled as the seed intends, every
/// machine's state is stored as series, and a failing API keeps the last good machines.
/// </summary>
public sealed class FlyDiscoveryTests : IAsyncLifetime
{
    /// <summary>Seed 000's "Prometheus Federation" prometheus.yml block, read from the seed unchanged.</summary>
    private static readonly string Seed000 = SeedBlock(File.ReadAllText(Directory.GetFiles(TestPaths.Seeds, "000_*.txt").Single()));

    private static string SeedBlock(string seed)
    {
        var start = seed.IndexOf("# prometheus.yml\n", StringComparison.Ordinal);
        return seed[start..seed.IndexOf("\n```", start, StringComparison.Ordinal)] + "\n";
    }

    private readonly List<IAsyncDisposable> _owned = [];
    private FlyMachinesFake _fly = null!;
    private DemoFleet.DemoFleet _fleet = null!;
    private CollectionHost _host = null!;
    private FakeFlyMachine _stopped = null!;

    public async Task InitializeAsync()
    {
        var clock = TimeProvider.System;
        _fleet = await DemoFleet.DemoFleet.StartAsync(
            new[] { "35682909", "2" }.Select(id => new FleetMachine(id, MachineMode.Healthy, clock, clock.GetUtcNow())).ToArray(), 0);
        _owned.Add(_fleet);
        _fly = await FlyMachinesFake.StartAsync();
        _owned.Add(_fly);
        _fly.AddApp("your-org", "vyx-user-35682909");
        _fly.AddApp("your-org", "vyx-user-2");
        _fly.AddApp("your-org", "hotdash-staging");
        _fly.AddApp("other-org", "vyx-user-99");
        _fly.AddMachine("vyx-user-35682909", new FakeFlyMachine { Id = "3d8d9014b32d38", PrivateIp = "127.0.0.1", MetricsPort = _fleet.Machines[0].Port, MetricsPath = "/metrics" });
        _fly.AddMachine("vyx-user-2", new FakeFlyMachine { Id = "e7843a6e4d1e28", PrivateIp = "127.0.0.1", MetricsPort = _fleet.Machines[1].Port, MetricsPath = "/metrics" });
        _stopped = _fly.AddMachine("vyx-user-2", new FakeFlyMachine { Id = "1781973f5e9d89", State = "stopped", PrivateIp = "127.0.0.1", MetricsPort = 1 });
        _fly.AddMachine("hotdash-staging", new FakeFlyMachine { Id = "8d9515fe056ed8", PrivateIp = "127.0.0.1", MetricsPort = _fleet.Machines[0].Port });

        _host = await CollectionHost.StartAsync(Seed000, new Dictionary<string, string?>
        {
            ["Alerting:FlyApiUrl"] = _fly.BaseAddress.ToString(),
            ["Alerting:FlyApiToken"] = FlyMachinesFake.DefaultToken,
        }, rulesYaml: await File.ReadAllTextAsync(Path.Combine(TestPaths.RepoRoot, "rules", "fly-apps.rules.yml")));
        _owned.Add(_host);
    }

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    private static Labels Up(string app, string machineId, int port) =>
        Labels.From(("__name__", "up"), ("app", app), ("instance", $"127.0.0.1:{port}"), ("job", "fly-machines"), ("machine_id", machineId));

    private static Labels Machine(string name, string app, string machineId) =>
        Labels.From(("__name__", name), ("app", app), ("job", "fly-machines"), ("machine_id", machineId), ("region", "ams"));

    [Fact]
    public async Task Seed_000s_section_discovers_the_vyx_user_apps_and_relabels_their_machines()
    {
        var series = await _host.ScrapeAsync();

        Assert.Equal(1, series[Up("vyx-user-35682909", "3d8d9014b32d38", _fleet.Machines[0].Port)]);
        Assert.Equal(1, series[Up("vyx-user-2", "e7843a6e4d1e28", _fleet.Machines[1].Port)]);
        // The seed's own metrics come through with the seed's labels.
        Assert.Contains(series.Keys, l => l.Name == "trader_executions_total" && l["app"] == "vyx-user-2" && l["machine_id"] == "e7843a6e4d1e28");
        // Only the pattern's apps, only the named organisation, only started machines are scraped.
        Assert.Equal(2, series.Keys.Count(l => l.Name == "up"));
        Assert.DoesNotContain(series.Keys, l => l["app"] is "hotdash-staging" or "vyx-user-99");
        // The stopped machine is not a target, but its state is a series.
        Assert.Equal(0, series[Machine("fly_machine_running", "vyx-user-2", "1781973f5e9d89")]);
        Assert.Equal(1, series[Labels.From(("__name__", "fly_app_running_machines"), ("app", "vyx-user-2"), ("job", "fly-machines"))]);
        Assert.All(_fly.Requests, r => Assert.Equal(200, r.Status));
        Assert.Contains(_fly.Requests, r => r.Path == "/v1/apps?org_slug=your-org");
    }

    [Fact]
    public async Task Machine_events_and_state_changes_reach_the_series_after_the_refresh_interval()
    {
        await _host.ScrapeAsync();
        var at = _host.Time.GetUtcNow();
        _fly.AddEvent(_stopped, "exit", "stopped", at.AddSeconds(-30), exitCode: 137, oomKilled: true);
        _fly.AddEvent(_stopped, "start", "start", at.AddSeconds(-20));
        _fly.AddEvent(_stopped, "start", "started", at.AddSeconds(-5));
        _fly.SetState(_stopped, "started");

        _host.Time.Advance(TimeSpan.FromSeconds(30));
        var cached = await _host.ScrapeAsync();
        Assert.Equal(0, cached[Machine("fly_machine_running", "vyx-user-2", "1781973f5e9d89")]);

        _host.Time.Advance(TimeSpan.FromSeconds(31));
        var refreshed = await _host.ScrapeAsync();

        Assert.Equal(1, refreshed[Machine("fly_machine_running", "vyx-user-2", "1781973f5e9d89")]);
        Assert.Equal(137, refreshed[Machine("fly_machine_last_exit_code", "vyx-user-2", "1781973f5e9d89")]);
        Assert.Equal(1, refreshed[Machine("fly_machine_last_exit_oom_killed", "vyx-user-2", "1781973f5e9d89")]);
        Assert.Equal(15, refreshed[Machine("fly_machine_start_latency_seconds", "vyx-user-2", "1781973f5e9d89")]);
        // Now started, it is a target too (port 1 answers nothing: up 0).
        Assert.Equal(0, refreshed[Up("vyx-user-2", "1781973f5e9d89", 1)]);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public async Task A_failing_api_keeps_the_last_good_machines_and_is_retried_on_the_next_tick(int status)
    {
        await _host.ScrapeAsync();
        _host.Time.Advance(TimeSpan.FromMinutes(2));
        _fly.FailNext(status, 1);

        var during = await _host.ScrapeAsync();

        Assert.Equal(1, during[Up("vyx-user-2", "e7843a6e4d1e28", _fleet.Machines[1].Port)]);
        Assert.Contains(_fly.Requests, r => r.Status == status);
        var before = _fly.Requests.Count;
        _host.Time.Advance(TimeSpan.FromSeconds(30));
        await _host.ScrapeAsync();
        Assert.True(_fly.Requests.Count > before, "the failed refresh is retried on the next tick");
    }

    [Fact]
    public async Task An_oom_kill_reported_by_fly_fires_seed_001s_oom_alert_at_the_next_evaluation()
    {
        var before = await _host.ScrapeAndEvaluateAsync();
        Assert.DoesNotContain(before.Keys, l => l.Name == "ALERTS" && l["alertname"] == "FlyMachineOomKilled");

        var machine = _fly.AddMachine("vyx-user-35682909", new FakeFlyMachine { Id = "683713eb7d9008", PrivateIp = "127.0.0.1", MetricsPort = _fleet.Machines[0].Port });
        _fly.AddEvent(machine, "exit", "stopped", _host.Time.GetUtcNow(), exitCode: 137, oomKilled: true, restarting: true);
        _host.Time.Advance(TimeSpan.FromSeconds(61));
        var after = await _host.ScrapeAndEvaluateAsync();

        var alert = Labels.From(("__name__", "ALERTS"), ("alertname", "FlyMachineOomKilled"), ("alertstate", "firing"), ("app", "vyx-user-35682909"),
            ("job", "fly-machines"), ("machine_id", "683713eb7d9008"), ("region", "ams"), ("severity", "critical"));
        Assert.Equal(1, after[alert]);
    }
}
