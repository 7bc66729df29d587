using Alerting.Core.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Alerting.Integration.Tests.Scrape;

/// <summary>
/// The json_exporter and http_probe extensions scraped from real local servers: seed 001's health check
/// with its X-Monitoring header, a slow endpoint judged by its timeout and latency budget, and a JSON
/// status document (seed 002's shape) turned into series.
/// </summary>
public sealed class ProbeAndJsonTests : IAsyncLifetime
{
    private LocalServer _service = null!;
    private CollectionHost _host = null!;

    public async Task InitializeAsync()
    {
        _service = await LocalServer.StartAsync(app =>
        {
            // Like a Fly app behind seed 001's check: only the monitoring header gets the health answer.
            app.MapGet("/health", (HttpContext ctx) => ctx.Request.Headers["X-Monitoring"] == "fly-health-check"
                ? Results.Text("{\"status\":\"ok\"}", "application/json")
                : Results.StatusCode(StatusCodes.Status403Forbidden));
            app.MapGet("/slow", async (HttpContext ctx) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1.5), ctx.RequestAborted);
                return Results.Text("{\"status\":\"ok\"}", "application/json");
            });
            app.MapGet("/status", () => Results.Text(
                """{"this_instance": "instance1", "db_sync_failure_rate": 0.07, "is_leader": true, "overall_alert_status": "CRITICAL"}""",
                "application/json"));
        });
        var target = $"['{_service.Address}']";
        _host = await CollectionHost.StartAsync($$"""
            global:
              scrape_interval: 30s
              scrape_timeout: 5s
            scrape_configs:
              - job_name: health
                metrics_path: /health
                static_configs: [{targets: {{target}}}]
                http_probe:
                  headers: {X-Monitoring: fly-health-check}
                  valid_status_codes: [200]
                  body_regex: '"status":"ok"'
                  latency_budget: 800ms
              - job_name: health-no-header
                metrics_path: /health
                static_configs: [{targets: {{target}}}]
                http_probe:
                  valid_status_codes: [200]
              - job_name: slow-budget
                metrics_path: /slow
                static_configs: [{targets: {{target}}}]
                http_probe:
                  latency_budget: 200ms
              - job_name: slow-timeout
                metrics_path: /slow
                static_configs: [{targets: {{target}}}]
                http_probe:
                  timeout: 500ms
              - job_name: portfolio
                metrics_path: /status
                static_configs: [{targets: {{target}}}]
                json_exporter:
                  prefix: portfolio_manager_
                  map_all: true
                  labels_from_paths: {coordinator_instance: this_instance}
                  value_map: {OK: 0, WARNING: 1, CRITICAL: 2}
            """);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _service.DisposeAsync();
    }

    private double Value(IReadOnlyDictionary<Labels, double> series, string job, string name) =>
        Assert.Single(series, s => s.Key.Name == name && s.Key["job"] == job && s.Key["instance"] == _service.Address).Value;

    [Fact]
    public async Task Http_probes_send_the_configured_headers_and_judge_status_body_timeout_and_budget()
    {
        var series = await _host.ScrapeAsync();

        Assert.Equal(1, Value(series, "health", "probe_success"));
        Assert.Equal(200, Value(series, "health", "probe_http_status_code"));
        Assert.Equal(0, Value(series, "health", "probe_latency_budget_exceeded"));
        Assert.Equal(1, Value(series, "health", "up"));

        Assert.Equal(0, Value(series, "health-no-header", "probe_success"));
        Assert.Equal(403, Value(series, "health-no-header", "probe_http_status_code"));
        Assert.Equal(1, Value(series, "health-no-header", "up")); // the probe ran; the endpoint is what failed

        // Slow but answering: healthy, over its latency budget (its own series, so "slow" alerts apart from "down").
        Assert.Equal(1, Value(series, "slow-budget", "probe_success"));
        Assert.Equal(1, Value(series, "slow-budget", "probe_latency_budget_exceeded"));
        Assert.True(Value(series, "slow-budget", "probe_duration_seconds") >= 1.4);

        // Slower than the probe's own timeout: failed, and the probe gave up at the timeout.
        Assert.Equal(0, Value(series, "slow-timeout", "probe_success"));
        Assert.Equal(0, Value(series, "slow-timeout", "probe_http_status_code"));
        Assert.True(Value(series, "slow-timeout", "probe_duration_seconds") < 1.4);
    }

    [Fact]
    public async Task A_json_status_document_is_scraped_into_series_with_target_labels()
    {
        var series = await _host.ScrapeAsync();

        var rate = Assert.Single(series, s => s.Key.Name == "portfolio_manager_db_sync_failure_rate");
        Assert.Equal(0.07, rate.Value);
        Assert.Equal("portfolio", rate.Key["job"]);
        Assert.Equal(_service.Address, rate.Key["instance"]);
        Assert.Equal("instance1", rate.Key["coordinator_instance"]);
        Assert.Equal(2, Value(series, "portfolio", "portfolio_manager_overall_alert_status"));
        Assert.Equal(1, Value(series, "portfolio", "portfolio_manager_is_leader"));
        Assert.Equal(1, Value(series, "portfolio", "up"));
    }
}
