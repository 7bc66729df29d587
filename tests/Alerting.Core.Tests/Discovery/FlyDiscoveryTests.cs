using Alerting.Core.Config;
using Alerting.Core.Discovery;
using Alerting.Core.Discovery.Fly;
using Alerting.Core.Model;
using Alerting.Core.Scrape.Config;

namespace Alerting.Core.Tests.Discovery;

public sealed class FlyDiscoveryTests
{
    /// <summary>Seed 000's "Prometheus Federation" prometheus.yml block, read from the seed unchanged.</summary>
    private static readonly string Seed000 = SeedBlock(File.ReadAllText(Directory.GetFiles(TestPaths.Seeds, "000_*.txt").Single()));

    private static string SeedBlock(string seed)
    {
        var start = seed.IndexOf("# prometheus.yml\n", StringComparison.Ordinal);
        return seed[start..seed.IndexOf("\n```", start, StringComparison.Ordinal)] + "\n";
    }

    private static FlyMachine Machine(string id, string state, string ip = "fdaa:0:1:a7b:1f:1:2:3", int? metricsPort = 8080, params FlyMachineEvent[] events) => new()
    {
        Id = id,
        Name = "name-" + id,
        State = state,
        Region = "ams",
        PrivateIp = ip,
        Config = new FlyMachineConfig("registry.fly.io/vyx:v1", metricsPort is null ? null : new FlyMetricsConfig(metricsPort, "/metrics")),
        Events = events,
    };

    [Fact]
    public void Seed_000s_fly_sd_section_loads_as_written_with_documented_defaults()
    {
        var job = ScrapeConfigLoader.Parse(Seed000, "prometheus.yml").ScrapeConfigs.Single();

        var sd = Assert.Single(job.FlySdConfigs);
        Assert.Equal("your-org", sd.Org);
        Assert.Equal("vyx-user-*", sd.AppNamePattern);
        Assert.Null(sd.Token);
        Assert.Null(sd.Url);
        Assert.Equal(TimeSpan.FromMinutes(1), sd.RefreshInterval);
    }

    [Fact]
    public void Seed_000s_relabelling_turns_each_started_machine_into_a_target_labelled_with_app_and_machine_id()
    {
        var job = ScrapeConfigLoader.Parse(Seed000, "prometheus.yml").ScrapeConfigs.Single();
        var apps = new[]
        {
            new FlyAppMachines("vyx-user-35682909", [Machine("3d8d9014b32d38", "started"), Machine("1781973f5e9d89", "stopped")]),
            new FlyAppMachines("vyx-user-2", [Machine("e7843a6e4d1e28", "started", "10.0.0.7", metricsPort: null)]),
        };

        var targets = FlyTargets.Groups(job.FlySdConfigs[0], apps)
            .SelectMany(g => g.TargetLabelSets()).Select(l => TargetBuilder.Build(l, job).Target!).ToArray();

        Assert.Equal(2, targets.Length);
        Assert.Equal(Labels.From(("app", "vyx-user-35682909"), ("instance", "[fdaa:0:1:a7b:1f:1:2:3]:8080"), ("job", "fly-machines"), ("machine_id", "3d8d9014b32d38")), targets[0].Labels);
        Assert.Equal("http://[fdaa:0:1:a7b:1f:1:2:3]:8080/metrics", targets[0].Url.ToString());
        // No metrics section in the machine config: the sd's port (80 by default).
        Assert.Equal("10.0.0.7:80", targets[1].Instance);
        Assert.Equal("vyx-user-2", targets[1].Labels["app"]);
    }

    [Fact]
    public void Every_documented_meta_label_is_offered_to_relabelling()
    {
        var sd = new FlySdConfig { Org = "personal" };
        var group = Assert.Single(FlyTargets.Groups(sd, [new FlyAppMachines("hotdash-staging", [Machine("8d9515fe056ed8", "started")])]));

        Assert.Equal("personal", group.Labels["__meta_fly_org"]);
        Assert.Equal("hotdash-staging", group.Labels["__meta_fly_app_name"]);
        Assert.Equal("8d9515fe056ed8", group.Labels["__meta_fly_machine_id"]);
        Assert.Equal("name-8d9515fe056ed8", group.Labels["__meta_fly_machine_name"]);
        Assert.Equal("ams", group.Labels["__meta_fly_machine_region"]);
        Assert.Equal("started", group.Labels["__meta_fly_machine_state"]);
        Assert.Equal("fdaa:0:1:a7b:1f:1:2:3", group.Labels["__meta_fly_machine_private_ip"]);
        Assert.Equal("registry.fly.io/vyx:v1", group.Labels["__meta_fly_machine_image"]);
        Assert.Equal("/metrics", group.Labels["__metrics_path__"]);
    }

    [Theory]
    [InlineData("vyx-user-*", "vyx-user-35682909", true)]
    [InlineData("vyx-user-*", "vyx-users", false)]
    [InlineData("vyx-user-*", "hotdash-staging", false)]
    [InlineData("hotdash-?????", "hotdash-agent", true)]
    [InlineData("*", "anything", true)]
    [InlineData("VYX-*", "vyx-user-1", false)]
    public void App_name_pattern_is_a_glob(string pattern, string app, bool matches) =>
        Assert.Equal(matches, FlyTargets.Matches(pattern, app));

    [Theory]
    [InlineData("{org: o, token: a, token_file: b}", "at most one of token & token_file must be configured")]
    [InlineData("{org: o, url: 'ftp://x'}", "is not an http or https URL")]
    [InlineData("{org: o, port: 70000}", "port 70000 is not between 1 and 65535")]
    [InlineData("{org: o, refresh_interval: 0s}", "refresh_interval must be greater than 0")]
    [InlineData("{org: o, app_name_pattern: ''}", "app_name_pattern is empty")]
    [InlineData("{org: o, app_pattern: x}", "field app_pattern not found")]
    [InlineData("{org: o, refresh_interval: soon}", "not a valid duration string")]
    public void Bad_fly_sd_settings_are_refused_with_the_key_and_a_reason(string entry, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => ScrapeConfigLoader.Parse($"scrape_configs:\n  - job_name: j\n    fly_sd_configs: [{entry}]\n", "prometheus.yml"));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, ex.Line);
    }

    [Fact]
    public void An_oom_kill_in_the_machine_events_becomes_exit_code_137_and_an_oom_timestamp()
    {
        var t0 = DateTimeOffset.Parse("2025-10-11T20:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var machine = Machine("683713eb7d9008", "started", events:
        [
            new FlyMachineEvent("start", "started", "flyd", t0 + 72_500, null),
            new FlyMachineEvent("start", "start", "flyd", t0 + 60_500, null),
            new FlyMachineEvent("exit", "stopped", "flyd", t0 + 60_000, new FlyEventRequest(new FlyExitEvent(137, true, false, true), 1)),
            new FlyMachineEvent("launch", "created", "user", t0, null),
        ]);

        var series = FlyTargets.Series([new FlyAppMachines("hotdash-chatwoot", [machine])])
            .ToDictionary(s => s.Labels[Labels.MetricName], s => s);

        var id = series["fly_machine_last_exit_code"].Labels;
        Assert.Equal(Labels.From(("__name__", "fly_machine_last_exit_code"), ("app", "hotdash-chatwoot"), ("machine_id", "683713eb7d9008"), ("region", "ams")), id);
        Assert.Equal(137, series["fly_machine_last_exit_code"].Value);
        Assert.Equal(1, series["fly_machine_last_exit_oom_killed"].Value);
        Assert.Equal((t0 + 60_000) / 1000.0, series["fly_machine_last_oom_kill_timestamp_seconds"].Value);
        Assert.Equal(1, series["fly_machine_recent_oom_kills"].Value);
        Assert.Equal(1, series["fly_machine_recent_restarts"].Value);
        Assert.Equal(12, series["fly_machine_start_latency_seconds"].Value);
        Assert.Equal((t0 + 72_500) / 1000.0, series["fly_machine_last_start_timestamp_seconds"].Value);
        Assert.Equal((t0 + 60_000) / 1000.0, series["fly_machine_last_stop_timestamp_seconds"].Value);
        Assert.Equal(1, series["fly_machine_running"].Value);
        Assert.Equal("started", series["fly_machine_state"].Labels["state"]);
        Assert.Equal(1, series["fly_app_running_machines"].Value);
    }

    [Fact]
    public void An_app_whose_machines_are_all_stopped_reports_zero_running_machines()
    {
        var series = FlyTargets.Series([new FlyAppMachines("hotdash-staging", [Machine("a", "stopped"), Machine("b", "suspended")]), new FlyAppMachines("empty", [])]);

        Assert.Contains(series, s => s.Labels[Labels.MetricName] == "fly_app_running_machines" && s.Labels["app"] == "hotdash-staging" && s.Value == 0);
        Assert.Contains(series, s => s.Labels[Labels.MetricName] == "fly_app_running_machines" && s.Labels["app"] == "empty" && s.Value == 0);
        Assert.DoesNotContain(series, s => s.Labels[Labels.MetricName] == "fly_machine_last_exit_code");
        Assert.Empty(FlyTargets.Groups(new FlySdConfig { Org = "o" }, [new FlyAppMachines("hotdash-staging", [Machine("a", "stopped")])]));
    }

    [Theory]
    [InlineData("{\"apps\": 3}")]
    [InlineData("<html>502 Bad Gateway</html>")]
    public void An_unreadable_api_answer_is_a_plain_format_error(string body)
    {
        var ex = Assert.Throws<FormatException>(() => FlyApiJson.ParseAppList(body));
        Assert.StartsWith("Fly Machines API returned an unreadable app list", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Seed_001s_health_checks_probe_with_the_fly_header_and_an_800ms_budget()
    {
        var config = ScrapeConfigLoader.Load(Path.Combine(TestPaths.RepoRoot, "rules", "fly-apps.scrape.yml"));

        Assert.NotEmpty(config.ScrapeConfigs);
        Assert.All(config.ScrapeConfigs, job =>
        {
            Assert.StartsWith("fly-health", job.JobName, StringComparison.Ordinal);
            Assert.Equal("fly-health-check", job.HttpProbe!.Headers["X-Monitoring"]);
            Assert.Equal(TimeSpan.FromMilliseconds(800), job.HttpProbe.LatencyBudget);
            Assert.Equal("https", job.Scheme);
        });
    }
}

public sealed class FlyTokenSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fly-token-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_token_comes_from_the_config_then_its_file_then_the_setting_then_the_environment()
    {
        File.WriteAllText(Path.Combine(_dir, "t"), " fm2_file \n");

        Assert.Equal(("fm2_inline", FlyTokenOrigin.Config), Pick(new FlySdConfig { Org = "o", Token = "fm2_inline" }, "set", "env"));
        Assert.Equal(("fm2_file", FlyTokenOrigin.File), Pick(new FlySdConfig { Org = "o", TokenFile = "t" }, "set", "env"));
        Assert.Equal(("set", FlyTokenOrigin.Setting), Pick(new FlySdConfig { Org = "o" }, "set", "env"));
        Assert.Equal(("env", FlyTokenOrigin.Environment), Pick(new FlySdConfig { Org = "o" }, " ", "env"));
    }

    private (string, FlyTokenOrigin) Pick(FlySdConfig sd, string? setting, string? env)
    {
        var token = FlyTokenSource.Resolve(sd, _dir, setting, env);
        return (token.Value, token.Source.Origin);
    }

    [Fact]
    public void No_token_anywhere_names_every_place_one_can_be_put()
    {
        var e = Assert.Throws<FlyTokenException>(() => FlyTokenSource.Resolve(new FlySdConfig { Org = "your-org" }, _dir, null, null));

        Assert.Equal("fly_sd_configs for org your-org has no Fly API token: set token or token_file in the config, the Alerting__FlyApiToken setting or FLY_API_TOKEN (create one with `fly tokens create readonly -o your-org`)", e.Message);
    }

    [Fact]
    public void A_missing_or_empty_token_file_is_named_with_its_path()
    {
        var missing = Assert.Throws<FlyTokenException>(() => FlyTokenSource.Resolve(new FlySdConfig { Org = "o", TokenFile = "nope" }, _dir, "set", null));
        Assert.Equal($"fly_sd_configs for org o: cannot read token_file {Path.Combine(_dir, "nope")}: no such file", missing.Message);

        File.WriteAllText(Path.Combine(_dir, "empty"), "\n");
        var empty = Assert.Throws<FlyTokenException>(() => FlyTokenSource.Resolve(new FlySdConfig { Org = "o", TokenFile = "empty" }, _dir, "set", null));
        Assert.StartsWith($"fly_sd_configs for org o: token_file {Path.Combine(_dir, "empty")} is empty", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_app_list_carries_total_apps_so_a_short_list_can_be_told()
    {
        var list = FlyApiJson.ParseAppList("""{"total_apps": 3, "apps": [{"id": "a1", "name": "vyx-user-1", "machine_count": 1}, {"id": "a2", "name": "", "machine_count": 0}]}""");

        Assert.Equal(3, list.TotalApps);
        Assert.Equal(["vyx-user-1"], list.Apps.Select(a => a.Name));
    }
}
