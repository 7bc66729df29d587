using Alerting.Core.Config;
using Alerting.Core.Scrape.Config;
using Alerting.Core.Relabel;
using Alerting.Core.Discovery;
using Alerting.Core.Model;

namespace Alerting.Core.Tests.Scrape;

public sealed class TargetTests
{
    private static Labels L(params (string, string)[] p) => Labels.From(p);

    private static ScrapeConfig Job(params RelabelConfig[] relabel) => new()
    {
        JobName = "fly-machines",
        ScrapeInterval = TimeSpan.FromSeconds(30),
        ScrapeTimeout = TimeSpan.FromSeconds(10),
        RelabelConfigs = relabel,
    };

    [Fact]
    public void Promtool_good_sd_files_parse_in_json_and_yaml()
    {
        foreach (var file in new[] { "good-sd-file.json", "good-sd-file.yml" })
        {
            var path = TestPaths.Conformance("promtool", file);
            var groups = TargetGroupParser.ParseFile(File.ReadAllText(path), path);
            var targets = groups.SelectMany(g => g.Targets).ToList();
            Assert.Equal(["localhost:9100"], targets);
            Assert.Contains(groups, g => g.Labels["job"] == "node");
            Assert.All(groups, g => Assert.Equal(path, g.Labels[TargetGroupParser.FilePathLabel]));
        }
    }

    [Fact]
    public void File_sd_labels_feed_relabelling_and_the_job_label_from_the_file_wins()
    {
        var groups = TargetGroupParser.ParseJson("""
            [{"targets": ["vyx-user-35682909.internal:8080", "vyx-user-1.internal:8080"],
              "labels": {"__meta_fly_app_name": "vyx-user-35682909", "job": "node"}}]
            """, "fleet.json");
        var job = Job(new RelabelConfig { SourceLabels = ["__meta_fly_app_name"], TargetLabel = "app" });
        var results = TargetBuilder.BuildAll(groups, job).ToList();

        var t = results[0].Target!;
        Assert.Equal("node", t.Job); // labels already present are not overwritten by job_name
        Assert.Equal("vyx-user-35682909", t.Labels["app"]);
        Assert.Equal("vyx-user-35682909.internal:8080", t.Instance);
        Assert.False(t.Labels.Has("__meta_fly_app_name"));
        Assert.False(t.InternalLabels.Has("__meta_fly_app_name"));
        Assert.Equal("/metrics", t.InternalLabels["__metrics_path__"]);
        Assert.Equal(new Uri("http://vyx-user-35682909.internal:8080/metrics"), t.Url);
    }

    [Theory]
    [InlineData("[{\"targets\": \"a:1\"}]", "[0].targets", "expected a list of strings")]
    [InlineData("[{\"targets\": [\"a:1\"], \"labels\": {\"bad-name\": \"x\"}}]", "[0].labels", "\"bad-name\" is not a valid label name")]
    [InlineData("[{\"targets\": [\"a:1\"], \"labels\": {\"n\": 5}}]", "[0].labels.n", "label values must be strings")]
    [InlineData("[{\"target\": [\"a:1\"]}]", "[0].target", "field target not found")]
    [InlineData("{\"targets\": []}", "", "expected a JSON array of target groups")]
    public void Bad_sd_json_is_rejected_with_the_key(string json, string key, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => TargetGroupParser.ParseJson(json, "sd.json"));
        Assert.Equal(key, ex.Key);
        Assert.Contains(reason, ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Http_sd_groups_carry_the_url_label()
    {
        var url = new Uri("http://sd.internal/targets");
        var groups = TargetGroupParser.ParseHttp("[{\"targets\": [\"10.0.0.1:9100\"]}]", url);
        Assert.Equal("http://sd.internal/targets", groups[0].Labels[TargetGroupParser.UrlLabel]);
    }

    [Fact]
    public void Http_sd_rejects_non_json_content_types()
    {
        var ex = Assert.Throws<ConfigException>(() => TargetGroupParser.ParseHttp("[]", new Uri("http://sd/t"), "text/html"));
        Assert.Contains("unsupported content type", ex.Detail, StringComparison.Ordinal);
        Assert.Empty(TargetGroupParser.ParseHttp("[]", new Uri("http://sd/t"), "application/json; charset=utf-8"));
    }

    [Fact]
    public void Fly_internal_aaaa_answers_become_bracketed_targets_with_dns_meta_labels()
    {
        var group = DnsSdTargets.FromAddresses("vyx-user-35682909.internal",
            [System.Net.IPAddress.Parse("fdaa:0:1::3"), System.Net.IPAddress.Parse("10.0.0.7")], 8080);
        Assert.Equal(["[fdaa:0:1::3]:8080", "10.0.0.7:8080"], group.Targets);
        var job = Job(new RelabelConfig { SourceLabels = ["__meta_dns_name"], Regex = new RelabelRegex("(.+)\\.internal"), TargetLabel = "app" });
        var t = TargetBuilder.BuildAll([group], job).First().Target!;
        Assert.Equal("vyx-user-35682909", t.Labels["app"]);
        Assert.Equal(new Uri("http://[fdaa:0:1::3]:8080/metrics"), t.Url);
    }

    [Fact]
    public void Srv_answers_carry_target_and_port_labels()
    {
        var groups = DnsSdTargets.FromSrv("_metrics._tcp.fleet.internal", [new SrvRecord("m1.fleet.internal.", 9100)]);
        var g = Assert.Single(groups);
        Assert.Equal(["m1.fleet.internal:9100"], g.Targets);
        Assert.Equal("9100", g.Labels[DnsSdTargets.SrvPortLabel]);
        Assert.Equal("m1.fleet.internal.", g.Labels[DnsSdTargets.SrvTargetLabel]);
    }

    [Fact]
    public void Relabelling_can_rewrite_address_path_scheme_and_params()
    {
        var job = Job(
            new RelabelConfig { SourceLabels = ["__address__"], TargetLabel = "__param_target" },
            new RelabelConfig { SourceLabels = ["__param_target"], TargetLabel = "instance" },
            new RelabelConfig { TargetLabel = "__address__", Replacement = "blackbox:9115" },
            new RelabelConfig { TargetLabel = "__metrics_path__", Replacement = "/probe" },
            new RelabelConfig { TargetLabel = "__scheme__", Replacement = "https" }) with
        {
            Params = new Dictionary<string, IReadOnlyList<string>> { ["module"] = ["http_2xx"] },
        };
        var t = TargetBuilder.Build(L(("__address__", "https://hotdash.fly.dev/health")), job).Target!;
        Assert.Contains("target=" + Uri.EscapeDataString("https://hotdash.fly.dev/health"), t.Url.OriginalString, StringComparison.Ordinal);
        Assert.Equal("https", t.Url.Scheme);
        Assert.Equal("blackbox:9115", t.Url.Authority);
        Assert.Equal("/probe", t.Url.AbsolutePath);
        Assert.Contains("module=http_2xx", t.Url.Query, StringComparison.Ordinal);
        Assert.Equal("https://hotdash.fly.dev/health", t.Instance);
        Assert.Equal(L(("instance", "https://hotdash.fly.dev/health"), ("job", "fly-machines")), t.Labels);
    }

    [Fact]
    public void Dropped_targets_and_invalid_ones_are_told_apart()
    {
        var drop = Job(new RelabelConfig { SourceLabels = ["__address__"], Regex = new RelabelRegex("keep-.*"), Action = RelabelAction.Keep });
        Assert.True(TargetBuilder.Build(L(("__address__", "other:1")), drop).Dropped);

        var bad = TargetBuilder.Build(L(("__address__", "a:1/metrics")), Job());
        Assert.False(bad.Dropped);
        Assert.Equal("\"a:1/metrics\" is not a valid hostname", bad.Error);

        var noAddress = TargetBuilder.Build(Labels.Empty, Job());
        Assert.Equal("no address", noAddress.Error);
    }

    [Fact]
    public void Per_target_interval_and_timeout_can_be_relabelled_and_are_validated()
    {
        var slower = Job(new RelabelConfig { TargetLabel = "__scrape_interval__", Replacement = "1m" });
        Assert.Equal(TimeSpan.FromMinutes(1), TargetBuilder.Build(L(("__address__", "a:1")), slower).Target!.Interval);

        var tooLong = Job(new RelabelConfig { TargetLabel = "__scrape_timeout__", Replacement = "45s" });
        Assert.Equal("scrape timeout cannot be greater than scrape interval (\"45s\" > \"30s\")",
            TargetBuilder.Build(L(("__address__", "a:1")), tooLong).Error);
    }

    [Fact]
    public void Not_honoring_labels_keeps_clashing_series_labels_as_exported()
    {
        var merged = SampleLabels.Merge(
            L(("__name__", "m"), ("job", "app"), ("exported_job", "older")),
            L(("job", "fly-machines"), ("instance", "i:1")),
            honorLabels: false)!;
        Assert.Equal("fly-machines", merged["job"]);
        Assert.Equal("older", merged["exported_job"]);
        Assert.Equal("app", merged["exported_exported_job"]);
        Assert.Equal("i:1", merged["instance"]);
    }

    [Fact]
    public void Metric_relabel_configs_run_after_the_merge_and_can_drop_series()
    {
        var drop = new[] { new RelabelConfig { SourceLabels = ["__name__"], Regex = new RelabelRegex("go_.*"), Action = RelabelAction.Drop } };
        Assert.Null(SampleLabels.Merge(L(("__name__", "go_goroutines")), L(("job", "j")), false, drop));
        Assert.NotNull(SampleLabels.Merge(L(("__name__", "trader_errors_total")), L(("job", "j")), false, drop));
    }

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("2d", 172_800_000)]
    [InlineData("1w", 604_800_000)]
    [InlineData("100ms", 100)]
    [InlineData("0", 0)]
    public void Durations_parse_like_prometheus(string text, long ms)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(ms), PromDuration.Parse(text));
    }

    [Theory]
    [InlineData("1.5s")]
    [InlineData("30")]
    [InlineData("s")]
    [InlineData("1s1m")]
    [InlineData("1S")]
    [InlineData("")]
    public void Malformed_durations_are_rejected(string text)
    {
        Assert.False(PromDuration.TryParse(text, out _));
    }

    [Theory]
    [InlineData(90_000, "1m30s")]
    [InlineData(7_776_000_000, "90d")] // not 12w6d
    [InlineData(1_209_600_000, "2w")]
    [InlineData(0, "0s")]
    [InlineData(1_500, "1s500ms")]
    public void Durations_render_like_prometheus(long ms, string text)
    {
        Assert.Equal(text, PromDuration.Format(TimeSpan.FromMilliseconds(ms)));
    }

    [Fact]
    public void Service_discovery_configs_load_with_defaults_and_validation()
    {
        var cfg = ScrapeConfigLoader.Parse("""
            scrape_configs:
              - job_name: fly-machines
                honor_labels: true
                sample_limit: 5000
                params: {module: [http_2xx]}
                file_sd_configs:
                  - files: ['targets/*.json', 'fleet.yml']
                http_sd_configs:
                  - url: http://sd.internal/targets
                    refresh_interval: 2m
                dns_sd_configs:
                  - names: ['vyx-user-35682909.internal']
                    type: AAAA
                    port: 8080
                metric_relabel_configs:
                  - source_labels: [__name__]
                    regex: 'go_.*'
                    action: drop
            """);
        var job = cfg.ScrapeConfigs[0];
        Assert.True(job.HonorLabels);
        Assert.Equal(5000, job.SampleLimit);
        Assert.Equal(["http_2xx"], job.Params["module"]);
        Assert.Equal(["targets/*.json", "fleet.yml"], job.FileSdConfigs[0].Files);
        Assert.Equal(TimeSpan.FromMinutes(5), job.FileSdConfigs[0].RefreshInterval);
        Assert.Equal(TimeSpan.FromMinutes(2), job.HttpSdConfigs[0].RefreshInterval);
        Assert.Equal(DnsRecordType.AAAA, job.DnsSdConfigs[0].Type);
        Assert.Equal(8080, job.DnsSdConfigs[0].Port);
        Assert.Equal(RelabelAction.Drop, job.MetricRelabelConfigs[0].Action);
        Assert.True(FileSdPatterns.MatchesFileName("targets/*.json", "fleet-a.json"));
        Assert.False(FileSdPatterns.MatchesFileName("targets/*.json", "fleet-a.yml"));
    }

    [Theory]
    [InlineData("file_sd_configs: [{files: ['targets/*/x.json']}]", "is not valid for file discovery")]
    [InlineData("file_sd_configs: [{files: ['targets.txt']}]", "is not valid for file discovery")]
    [InlineData("file_sd_configs: [{refresh_interval: 1m}]", "must contain at least one path name")]
    [InlineData("http_sd_configs: [{url: 'ftp://x'}]", "URL scheme must be 'http' or 'https'")]
    [InlineData("dns_sd_configs: [{names: [a.internal], type: A}]", "a port is required")]
    [InlineData("dns_sd_configs: [{names: [a.internal], type: MX}]", "invalid DNS-SD records type MX")]
    public void Bad_service_discovery_configs_are_rejected(string yaml, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => ScrapeConfigLoader.Parse($"scrape_configs:\n  - job_name: j\n    {yaml}\n"));
        Assert.Contains(reason, ex.Detail, StringComparison.Ordinal);
        Assert.Equal(3, ex.Line);
    }
}
