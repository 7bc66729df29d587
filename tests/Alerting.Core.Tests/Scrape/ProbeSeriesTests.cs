using Alerting.Core.Config;
using Alerting.Core.Scrape.Config;
using Alerting.Core.Scrape.Probe;

namespace Alerting.Core.Tests.Scrape;

public sealed class ProbeSeriesTests
{
    private static double V(ProbeEvaluation e, string name, string? phase = null) =>
        Assert.Single(e.Samples, s => s.Labels.Name == name && (phase is null || s.Labels["phase"] == phase)).Value;

    [Fact]
    public void Healthy_response_within_seed_001_budget()
    {
        // seed 001: SYNTHETIC_CHECK_BUDGET_MS=800; "Latency: Chatwoot 340ms"
        var config = new HttpProbeConfig { LatencyBudget = TimeSpan.FromMilliseconds(800) };
        var outcome = new ProbeOutcome
        {
            StatusCode = 200,
            Duration = TimeSpan.FromMilliseconds(340),
            Phases = new Dictionary<string, TimeSpan>
            {
                ["resolve"] = TimeSpan.FromMilliseconds(5),
                ["connect"] = TimeSpan.FromMilliseconds(20),
                ["tls"] = TimeSpan.FromMilliseconds(60),
                ["processing"] = TimeSpan.FromMilliseconds(240),
                ["transfer"] = TimeSpan.FromMilliseconds(15),
            },
            HttpVersion = new Version(1, 1),
            Tls = true,
        };
        var e = ProbeSeries.From(outcome, config);

        Assert.True(e.Success);
        Assert.True(e.WithinBudget);
        Assert.Equal(1, V(e, "probe_success"));
        Assert.Equal(0.34, V(e, "probe_duration_seconds"), 9);
        Assert.Equal(200, V(e, "probe_http_status_code"));
        Assert.Equal(0.24, V(e, "probe_http_duration_seconds", "processing"), 9);
        Assert.Equal(5, e.Samples.Count(s => s.Labels.Name == "probe_http_duration_seconds"));
        Assert.Equal(1.1, V(e, "probe_http_version"), 9);
        Assert.Equal(1, V(e, "probe_http_ssl"));
        Assert.Equal(0.8, V(e, "probe_latency_budget_seconds"), 9);
        Assert.Equal(0, V(e, "probe_latency_budget_exceeded"));
    }

    [Fact]
    public void Slow_response_breaks_the_budget_but_stays_up_unless_configured()
    {
        var outcome = new ProbeOutcome { StatusCode = 200, Duration = TimeSpan.FromMilliseconds(1200) };
        var lenient = ProbeSeries.From(outcome, new HttpProbeConfig { LatencyBudget = TimeSpan.FromMilliseconds(800) });
        Assert.True(lenient.Success);
        Assert.False(lenient.WithinBudget);
        Assert.Equal(1, V(lenient, "probe_latency_budget_exceeded"));

        var strict = ProbeSeries.From(outcome, new HttpProbeConfig { LatencyBudget = TimeSpan.FromMilliseconds(800), FailIfOverBudget = true });
        Assert.False(strict.Success);
        Assert.Equal(0, V(strict, "probe_success"));
        Assert.Contains("over latency budget", strict.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Seed_001_health_check_fails_on_non_200()
    {
        var e = ProbeSeries.From(new ProbeOutcome { StatusCode = 503, Duration = TimeSpan.FromMilliseconds(30) }, new HttpProbeConfig());
        Assert.False(e.Success);
        Assert.Equal(503, V(e, "probe_http_status_code"));
        Assert.Equal("invalid HTTP response status code 503", e.FailureReason);
        Assert.Null(e.WithinBudget);
        Assert.DoesNotContain(e.Samples, s => s.Labels.Name == "probe_latency_budget_exceeded");
    }

    [Fact]
    public void Connection_errors_report_status_zero()
    {
        var e = ProbeSeries.From(new ProbeOutcome { Error = "connection refused", Duration = TimeSpan.FromMilliseconds(2) }, new HttpProbeConfig());
        Assert.False(e.Success);
        Assert.Equal(0, V(e, "probe_http_status_code"));
        Assert.Equal("connection refused", e.FailureReason);
    }

    [Fact]
    public void Body_regexes_decide_success_and_flag_regex_failures()
    {
        var config = new HttpProbeConfig { BodyRegex = HttpProbeConfig.CompileRegex("\"status\":\\s*\"ok\"") };
        var ok = ProbeSeries.From(new ProbeOutcome { StatusCode = 200, Body = "{\"status\": \"ok\"}" }, config);
        var bad = ProbeSeries.From(new ProbeOutcome { StatusCode = 200, Body = "{\"status\": \"degraded\"}" }, config);
        Assert.True(ok.Success);
        Assert.Equal(0, V(ok, "probe_failed_due_to_regex"));
        Assert.False(bad.Success);
        Assert.Equal(1, V(bad, "probe_failed_due_to_regex"));

        var notConfig = new HttpProbeConfig { BodyNotRegex = HttpProbeConfig.CompileRegex("maintenance") };
        Assert.False(ProbeSeries.From(new ProbeOutcome { StatusCode = 200, Body = "down for maintenance" }, notConfig).Success);
    }

    [Fact]
    public void Explicit_valid_status_codes_replace_the_2xx_default()
    {
        var config = new HttpProbeConfig { ValidStatusCodes = [200, 301] };
        Assert.True(ProbeSeries.From(new ProbeOutcome { StatusCode = 301 }, config).Success);
        Assert.False(ProbeSeries.From(new ProbeOutcome { StatusCode = 204 }, config).Success);
    }

    [Fact]
    public void Http_probe_yaml_configures_seed_001_style_health_checks()
    {
        var cfg = ScrapeConfigLoader.Parse("""
            scrape_configs:
              - job_name: fly-health
                metrics_path: /health
                scheme: https
                scrape_interval: 30s
                static_configs: [{targets: ['hotdash-staging.fly.dev']}]
                http_probe:
                  method: get
                  headers: {X-Check: fly-health-check}
                  valid_status_codes: [200]
                  body_regex: 'ok'
                  timeout: 5s
                  latency_budget: 800ms
            """);
        var probe = cfg.ScrapeConfigs[0].HttpProbe!;
        Assert.Equal("GET", probe.Method);
        Assert.Equal("fly-health-check", probe.Headers["x-check"]);
        Assert.Equal([200], probe.ValidStatusCodes);
        Assert.Equal(TimeSpan.FromSeconds(5), probe.Timeout);
        Assert.Equal(TimeSpan.FromMilliseconds(800), probe.LatencyBudget);
        Assert.Matches(probe.BodyRegex!, "all ok");
    }

    [Theory]
    [InlineData("http_probe: {valid_status_codes: [700]}", "HTTP status codes are 100-599")]
    [InlineData("http_probe: {body_regex: '(unclosed'}", "invalid regex")]
    [InlineData("http_probe: {latency_budget: fast}", "not a valid duration string")]
    [InlineData("http_probe: {retries: 3}", "field retries not found in type http_probe")]
    public void Http_probe_yaml_errors_are_reported(string extension, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => ScrapeConfigLoader.Parse($"scrape_configs:\n  - job_name: j\n    {extension}\n"));
        Assert.Contains(reason, ex.Detail, StringComparison.Ordinal);
        Assert.Equal(3, ex.Line);
    }
}
