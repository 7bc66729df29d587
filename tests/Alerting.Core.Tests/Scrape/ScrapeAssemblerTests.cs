using Alerting.Core.Config;
using Alerting.Core.Scrape.Config;
using Alerting.Core.Exposition;
using Alerting.Core.Relabel;
using Alerting.Core.Scrape;
using Alerting.Core.Discovery;
using Alerting.Core.Model;

namespace Alerting.Core.Tests.Scrape;

public sealed class ScrapeAssemblerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static (ScrapeTarget Target, ScrapeConfig Config) Seed000Target(Func<ScrapeConfig, ScrapeConfig>? tweak = null)
    {
        var cfg = new ScrapeConfig { JobName = "fly-machines", ScrapeInterval = TimeSpan.FromSeconds(30) };
        cfg = tweak?.Invoke(cfg) ?? cfg;
        var target = TargetBuilder.Build(Labels.From(("__address__", "vyx-user-35682909.internal:8080")), cfg).Target!;
        return (target, cfg);
    }

    private static Series One(ScrapeReport r, string name) => Assert.Single(r.Samples, s => s.Labels.Name == name);

    [Fact]
    public void Successful_scrape_stamps_target_labels_and_adds_up_and_scrape_series()
    {
        var (target, cfg) = Seed000Target();
        var body = ExpositionParser.Parse("trader_errors_total{user_id=\"35682909\",error_type=\"timeout\"} 3\npool_usage 7\n");
        var r = ScrapeAssembler.Assemble(target, cfg, body, null, T0, TimeSpan.FromMilliseconds(120));

        Assert.True(r.Up);
        var errors = One(r, "trader_errors_total");
        Assert.Equal("fly-machines", errors.Labels["job"]);
        Assert.Equal("vyx-user-35682909.internal:8080", errors.Labels["instance"]);
        Assert.Equal(new Sample(T0.ToUnixTimeMilliseconds(), 3), errors.Samples[0]);
        Assert.Equal(1, One(r, "up").Samples[0].Value);
        Assert.Equal(Labels.From(("__name__", "up"), ("job", "fly-machines"), ("instance", "vyx-user-35682909.internal:8080")), One(r, "up").Labels);
        Assert.Equal(0.12, One(r, "scrape_duration_seconds").Samples[0].Value, 9);
        Assert.Equal(2, One(r, "scrape_samples_scraped").Samples[0].Value);
        Assert.Equal(2, One(r, "scrape_series_added").Samples[0].Value);
    }

    [Fact]
    public void Failed_scrape_reports_up_zero_and_marks_previous_series_stale()
    {
        var (target, cfg) = Seed000Target();
        var first = ScrapeAssembler.Assemble(target, cfg, ExpositionParser.Parse("pool_usage 7\n"), null, T0, TimeSpan.FromMilliseconds(5));
        var failed = ScrapeAssembler.Assemble(target, cfg, null, "connection refused", T0.AddSeconds(30), TimeSpan.FromSeconds(10), first.CurrentSeries);

        Assert.False(failed.Up);
        Assert.Equal("connection refused", failed.Error);
        Assert.Equal(0, One(failed, "up").Samples[0].Value);
        Assert.True(One(failed, "pool_usage").Samples[0].IsStale);
        Assert.Empty(failed.CurrentSeries);
    }

    [Fact]
    public void Series_that_disappear_get_a_staleness_marker_and_new_ones_count_as_added()
    {
        var (target, cfg) = Seed000Target();
        var first = ScrapeAssembler.Assemble(target, cfg, ExpositionParser.Parse("a 1\nb 1\n"), null, T0, TimeSpan.Zero);
        var second = ScrapeAssembler.Assemble(target, cfg, ExpositionParser.Parse("a 2\nc 1\n"), null, T0.AddSeconds(30), TimeSpan.Zero, first.CurrentSeries);

        Assert.True(One(second, "b").Samples[0].IsStale);
        Assert.Equal(2, One(second, "a").Samples[0].Value);
        Assert.Equal(1, One(second, "scrape_series_added").Samples[0].Value);
    }

    [Fact]
    public void Sample_limit_fails_the_whole_scrape()
    {
        var (target, cfg) = Seed000Target(c => c with { SampleLimit = 1 });
        var r = ScrapeAssembler.Assemble(target, cfg, ExpositionParser.Parse("a 1\nb 1\n"), null, T0, TimeSpan.Zero);
        Assert.False(r.Up);
        Assert.Equal("sample limit exceeded", r.Error);
        Assert.DoesNotContain(r.Samples, s => s.Labels.Name is "a" or "b");
        Assert.Equal(2, One(r, "scrape_samples_scraped").Samples[0].Value);
    }

    [Fact]
    public void Metric_relabelling_drops_series_before_the_limit_and_is_counted()
    {
        var (target, cfg) = Seed000Target(c => c with
        {
            SampleLimit = 1,
            MetricRelabelConfigs = [new RelabelConfig { SourceLabels = ["__name__"], Regex = new RelabelRegex("go_.*"), Action = RelabelAction.Drop }],
        });
        var r = ScrapeAssembler.Assemble(target, cfg, ExpositionParser.Parse("go_goroutines 8\ntrader_errors_total 1\n"), null, T0, TimeSpan.Zero);
        Assert.True(r.Up);
        Assert.Equal(2, One(r, "scrape_samples_scraped").Samples[0].Value);
        Assert.Equal(1, One(r, "scrape_samples_post_metric_relabeling").Samples[0].Value);
    }

    [Fact]
    public void Exposed_timestamps_are_kept_unless_honor_timestamps_is_off()
    {
        var body = ExpositionParser.Parse("m 1 1700000000000\n");
        var (target, cfg) = Seed000Target();
        Assert.Equal(1700000000000, One(ScrapeAssembler.Assemble(target, cfg, body, null, T0, TimeSpan.Zero), "m").Samples[0].TimestampMs);

        var (target2, cfg2) = Seed000Target(c => c with { HonorTimestamps = false });
        Assert.Equal(T0.ToUnixTimeMilliseconds(), One(ScrapeAssembler.Assemble(target2, cfg2, body, null, T0, TimeSpan.Zero), "m").Samples[0].TimestampMs);
    }

    [Fact]
    public void Probe_results_go_through_the_same_assembly_with_target_labels()
    {
        var (target, cfg) = Seed000Target();
        var probe = Alerting.Core.Scrape.Probe.ProbeSeries.From(
            new Alerting.Core.Scrape.Probe.ProbeOutcome { StatusCode = 503, Duration = TimeSpan.FromMilliseconds(40) },
            new Alerting.Core.Scrape.Probe.HttpProbeConfig());
        var r = ScrapeAssembler.Assemble(target, cfg, probe.ToScrapeResult(), null, T0, TimeSpan.FromMilliseconds(40));
        Assert.Equal(1, One(r, "up").Samples[0].Value);
        var success = One(r, "probe_success");
        Assert.Equal(0, success.Samples[0].Value);
        Assert.Equal("vyx-user-35682909.internal:8080", success.Labels["instance"]);
    }

    [Fact]
    public void Auth_and_tls_keys_load_and_unsupported_ones_are_named()
    {
        var cfg = ScrapeConfigLoader.Parse("""
            scrape_configs:
              - job_name: a
                basic_auth: {username: prom, password_file: /run/secrets/p}
                tls_config: {insecure_skip_verify: true, server_name: x.internal}
                body_size_limit: 10MB
                label_limit: 30
              - job_name: b
                bearer_token: abc
            """);
        Assert.Equal("prom", cfg.ScrapeConfigs[0].HttpConfig.BasicAuth!.Username);
        Assert.Equal("/run/secrets/p", cfg.ScrapeConfigs[0].HttpConfig.BasicAuth!.PasswordFile);
        Assert.True(cfg.ScrapeConfigs[0].HttpConfig.TlsConfig.InsecureSkipVerify);
        Assert.Equal(10L << 20, cfg.ScrapeConfigs[0].BodySizeLimitBytes);
        Assert.Contains(cfg.Warnings, w => w.Contains("label_limit", StringComparison.Ordinal));
        Assert.Equal(new Alerting.Core.Config.Authorization("Bearer", "abc", null), cfg.ScrapeConfigs[1].HttpConfig.Authorization);
    }

    [Theory]
    [InlineData("fly_sd_configs: [{app_name_pattern: x}]", "fly_sd_configs needs org")]
    [InlineData("kubernetes_sd_configs: [{role: pod}]", "kubernetes_sd_configs is not supported; use static_configs")]
    [InlineData("oauth2: {client_id: x}", "either oauth2 client_secret or client_secret_file must be configured")]
    [InlineData("http_headers: {X-A: {values: [b]}}", "http_headers is a Prometheus option this system does not support")]
    [InlineData("authorization: {type: Basic}", "use \"basic_auth\" instead")]
    [InlineData("tls_config: {cert_file: a.pem}", "client cert file \"a.pem\" specified without client key file")]
    public void Unsupported_or_invalid_prometheus_keys_get_a_clear_error(string yaml, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => ScrapeConfigLoader.Parse($"scrape_configs:\n  - job_name: j\n    {yaml}\n", "prometheus.yml"));
        Assert.Contains(reason, ex.Detail, StringComparison.Ordinal);
        Assert.Equal(3, ex.Line);
    }
}
