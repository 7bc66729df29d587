using Alerting.Core.Config;
using Alerting.Core.Scrape.Config;
using Alerting.Core.Exposition;
using Alerting.Core.Scrape.Json;
using Alerting.Core.Model;

namespace Alerting.Core.Tests.Scrape;

public sealed class JsonMetricMapperTests
{
    // The shape seed 002's RedisCoordinator.get_metrics() returns (its documented dictionary, filled in).
    private const string Seed002Document = """
        {
          "db_sync_success": 930,
          "db_sync_failure": 70,
          "db_sync_total": 1000,
          "db_sync_failure_rate": 0.07,
          "db_sync_avg_latency_ms": 12.5,
          "db_sync_p95_latency_ms": 48.0,
          "db_sync_latency_samples": 100,
          "leadership_changes": 4,
          "current_leader_redis": "3f2c9a7e-1234-4e1b-9d1a-000000000001-4242",
          "current_leader_db": "3f2c9a7e-1234-4e1b-9d1a-000000000002-777",
          "this_instance": "3f2c9a7e-1234-4e1b-9d1a-000000000001-4242",
          "is_leader": true,
          "heartbeat_running": true,
          "fallback_mode": false,
          "last_heartbeat": "2025-11-29T10:15:30.250000",
          "recovery_error_code": "DB_UNAVAILABLE",
          "alerts": {
            "db_sync_failure_rate": {
              "status": "WARNING",
              "value": 0.07,
              "threshold_warning": 0.05,
              "threshold_critical": 0.10,
              "message": "DB sync failure rate 7.0% exceeds warning threshold"
            },
            "heartbeat_staleness": {
              "status": "OK",
              "value": null,
              "threshold_warning": 30,
              "threshold_critical": 60,
              "message": "No heartbeat yet"
            },
            "overall_status": "WARNING"
          },
          "overall_alert_status": "CRITICAL"
        }
        """;

    private static double Value(ScrapeResult r, string name, params (string, string)[] labels)
    {
        var want = Labels.From(labels.Append(("__name__", name)).ToArray());
        return Assert.Single(r.Samples, s => s.Labels == want).Value;
    }

    [Fact]
    public void Seed_002_document_maps_with_no_rules_in_map_all_mode()
    {
        var result = JsonMetricMapper.Map(Seed002Document, new JsonMapping { Prefix = "portfolio_manager_", MapAll = true });

        Assert.Equal(0.07, Value(result, "portfolio_manager_db_sync_failure_rate"));
        Assert.Equal(4, Value(result, "portfolio_manager_leadership_changes"));
        Assert.Equal(1, Value(result, "portfolio_manager_is_leader"));
        Assert.Equal(0, Value(result, "portfolio_manager_fallback_mode"));
        Assert.Equal(2, Value(result, "portfolio_manager_overall_alert_status")); // CRITICAL
        Assert.Equal(1, Value(result, "portfolio_manager_alerts_db_sync_failure_rate_status")); // WARNING
        Assert.Equal(1, Value(result, "portfolio_manager_alerts_overall_status"));
        Assert.Equal(1, Value(result, "portfolio_manager_current_leader_redis_info", ("value", "3f2c9a7e-1234-4e1b-9d1a-000000000001-4242")));

        // Seed 002's rule: (time() - portfolio_manager_last_heartbeat_timestamp) > 30
        var expected = new DateTimeOffset(2025, 11, 29, 10, 15, 30, 250, TimeSpan.Zero).ToUnixTimeMilliseconds() / 1000.0;
        Assert.Equal(expected, Value(result, "portfolio_manager_last_heartbeat_timestamp"), 6);

        // "or None" fields produce no series rather than a misleading zero.
        Assert.DoesNotContain(result.Samples, s => s.Labels.Name == "portfolio_manager_alerts_heartbeat_staleness_value");
        Assert.All(result.Samples, s => Assert.True(PromNamesValid(s.Labels.Name!)));
    }

    [Fact]
    public void Rules_refine_paths_with_value_maps_labels_and_wildcards()
    {
        var mapping = new JsonMapping
        {
            Prefix = "portfolio_manager_",
            MapAll = true,
            Exclude = ["alerts.*.message", "this_instance"],
            Metrics =
            [
                new JsonMetricRule
                {
                    Path = "recovery_error_code",
                    ValueMap = new Dictionary<string, double> { ["DB_UNAVAILABLE"] = 1, ["DATA_CORRUPT"] = 2, ["VALIDATION_FAILED"] = 3 },
                },
                new JsonMetricRule { Path = "current_leader_redis", Kind = JsonMetricKind.Label, Label = "redis_leader" },
                new JsonMetricRule { Path = "alerts.*.status", Name = "alert_status", WildcardLabels = ["alert"] },
            ],
        };
        var result = JsonMetricMapper.Map(Seed002Document, mapping);

        Assert.Equal(1, Value(result, "portfolio_manager_recovery_error_code")); // seed rule: recovery_error_code == 1 # DB_UNAVAILABLE
        Assert.Equal(1, Value(result, "portfolio_manager_current_leader_redis", ("redis_leader", "3f2c9a7e-1234-4e1b-9d1a-000000000001-4242")));
        Assert.Equal(1, Value(result, "portfolio_manager_alert_status", ("alert", "db_sync_failure_rate")));
        Assert.Equal(0, Value(result, "portfolio_manager_alert_status", ("alert", "heartbeat_staleness")));
        Assert.DoesNotContain(result.Samples, s => s.Labels.Name!.EndsWith("_message_info", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Samples, s => s.Labels.Name == "portfolio_manager_this_instance_info");
        Assert.DoesNotContain(result.Samples, s => s.Labels.Name == "portfolio_manager_alerts_db_sync_failure_rate_status");
    }

    [Fact]
    public void Without_map_all_only_rules_produce_series()
    {
        var mapping = new JsonMapping { Metrics = [new JsonMetricRule { Path = "db_sync_failure_rate" }] };
        var s = Assert.Single(JsonMetricMapper.Map(Seed002Document, mapping).Samples);
        Assert.Equal("db_sync_failure_rate", s.Labels.Name);
    }

    [Fact]
    public void Timestamps_with_offsets_and_naive_ones_with_an_assumed_offset()
    {
        const string doc = """{"a": "2025-11-29T10:00:00Z", "b": "2025-11-29T15:30:00+05:30", "c": "2025-11-29T15:30:00"}""";
        var result = JsonMetricMapper.Map(doc, new JsonMapping { MapAll = true, AssumedOffset = TimeSpan.FromHours(5.5) });
        var utc = new DateTimeOffset(2025, 11, 29, 10, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        Assert.Equal(utc, Value(result, "a_timestamp"));
        Assert.Equal(utc, Value(result, "b_timestamp"));
        Assert.Equal(utc, Value(result, "c_timestamp"));
    }

    [Fact]
    public void Arrays_become_index_labels_and_strings_can_be_ignored()
    {
        const string doc = """{"queues": [{"depth": 3, "name": "a"}, {"depth": 5, "name": "b"}]}""";
        var result = JsonMetricMapper.Map(doc, new JsonMapping { MapAll = true, Strings = JsonStringMode.Ignore });
        Assert.Equal(3, Value(result, "queues_depth", ("index", "0")));
        Assert.Equal(5, Value(result, "queues_depth", ("index", "1")));
        Assert.Equal(2, result.Samples.Count);
    }

    [Fact]
    public void Numeric_strings_are_numbers_and_info_labels_keep_the_json_text()
    {
        const string doc = """{"rate": "0.07", "enabled": true}""";
        var result = JsonMetricMapper.Map(doc, new JsonMapping
        {
            MapAll = true,
            Metrics = [new JsonMetricRule { Path = "enabled", Kind = JsonMetricKind.Info }],
        });
        Assert.Equal(0.07, Value(result, "rate"));
        Assert.Equal(1, Value(result, "enabled_info", ("value", "true")));
    }

    [Fact]
    public void Two_paths_mapping_to_one_series_fail_the_document()
    {
        var ex = Assert.Throws<ExpositionParseException>(() =>
            JsonMetricMapper.Map("""{"a_b": 1, "a": {"b": 2}}""", new JsonMapping { MapAll = true }));
        Assert.Contains("\"a_b\" and \"a.b\"", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_json_fails_with_its_line()
    {
        var ex = Assert.Throws<ExpositionParseException>(() => JsonMetricMapper.Map("{\n\"a\": 1,\n\"b\": }", new JsonMapping { MapAll = true }));
        Assert.Equal(3, ex.Line);
    }

    [Fact]
    public void Json_exporter_yaml_configures_the_seed_002_job()
    {
        var cfg = ScrapeConfigLoader.Parse("""
            scrape_configs:
              - job_name: portfolio_manager
                scrape_interval: 30s
                metrics_path: /coordinator/metrics
                static_configs: [{targets: ['instance1:5000']}]
                json_exporter:
                  prefix: portfolio_manager_
                  map_all: true
                  exclude: ['alerts.*.message']
                  labels_from_paths: {coordinator_instance: this_instance}
                  value_map: {OK: 0, WARNING: 1, CRITICAL: 2}
                  metrics:
                    - path: recovery_error_code
                      value_map: {DB_UNAVAILABLE: 1, DATA_CORRUPT: 2, VALIDATION_FAILED: 3}
                    - path: current_leader_db
                      type: label
                      label: db_leader
            """);
        var mapping = cfg.ScrapeConfigs[0].JsonExporter!;
        var result = JsonMetricMapper.Map(Seed002Document, mapping);
        const string me = "3f2c9a7e-1234-4e1b-9d1a-000000000001-4242";
        Assert.Equal(1, Value(result, "portfolio_manager_recovery_error_code", ("coordinator_instance", me)));
        Assert.Equal(1, Value(result, "portfolio_manager_current_leader_db", ("db_leader", "3f2c9a7e-1234-4e1b-9d1a-000000000002-777"), ("coordinator_instance", me)));
        Assert.All(result.Samples, s => Assert.Equal(me, s.Labels["coordinator_instance"]));
        Assert.DoesNotContain(result.Samples, s => s.Labels.Name == "portfolio_manager_this_instance_info");
    }

    [Theory]
    [InlineData("json_exporter: {}", "json_exporter needs map_all")]
    [InlineData("json_exporter: {map_all: true, prefix: 'bad-prefix'}", "not a valid metric name prefix")]
    [InlineData("json_exporter: {metrics: [{path: a, type: label}]}", "type label needs a label name")]
    [InlineData("json_exporter: {metrics: [{path: a, type: number}]}", "unknown type \"number\"")]
    [InlineData("json_exporter: {map_all: true, value_map: {OK: zero}}", "cannot unmarshal !!str `zero` into float64")]
    public void Json_exporter_yaml_errors_are_reported(string extension, string reason)
    {
        var ex = Assert.Throws<ConfigException>(() => ScrapeConfigLoader.Parse($"scrape_configs:\n  - job_name: j\n    {extension}\n"));
        Assert.Contains(reason, ex.Detail, StringComparison.Ordinal);
        Assert.StartsWith("scrape_configs[0].json_exporter", ex.Key, StringComparison.Ordinal);
    }

    private static bool PromNamesValid(string name) => Alerting.Core.Model.PromNames.IsValidMetricName(name);
}
