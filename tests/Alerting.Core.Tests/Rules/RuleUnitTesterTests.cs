using Alerting.Core.Model;
using Alerting.Tooling.Rules;

namespace Alerting.Core.Tests.Rules;

public sealed class RuleUnitTesterTests
{
    private const string InstanceDownRules = """
        groups:
          - name: alerts
            rules:
              - alert: InstanceDown
                expr: up == 0
                for: 5m
                labels:
                  severity: page
                annotations:
                  summary: "Instance {{ $labels.instance }} down, value {{ $value }}"
          - name: recording
            rules:
              - record: job:up:sum
                expr: sum by (job) (up)
        """;

    private static UnitTestFileResult Run(string tests, string rules = InstanceDownRules)
    {
        using var dir = new TempDir();
        dir.Write("rules.yml", rules);
        var path = dir.Write("test.yml", tests.StartsWith("rule_files:", StringComparison.Ordinal) ? tests : "rule_files: [rules.yml]\n" + tests);
        return new RuleUnitTester().RunFile(path);
    }

    [Fact]
    public void Alert_fires_once_its_for_duration_has_elapsed_and_not_before()
    {
        var result = Run("""
            tests:
              - interval: 1m
                input_series:
                  - series: 'up{job="node", instance="a:9100"}'
                    values: '1 0x10'
                alert_rule_test:
                  - eval_time: 5m
                    alertname: InstanceDown
                    exp_alerts: []
                  - eval_time: 6m
                    alertname: InstanceDown
                    exp_alerts:
                      - exp_labels: {severity: page, job: node, instance: "a:9100"}
                        exp_annotations: {summary: "Instance a:9100 down, value 0"}
            """);

        Assert.True(result.Passed, string.Join("\n", result.Errors));
    }

    [Fact]
    public void Unexpected_firing_alert_is_reported_in_promtool_format()
    {
        var result = Run("""
            tests:
              - name: quiet expected
                interval: 1m
                input_series:
                  - series: 'up{job="node", instance="a:9100"}'
                    values: '0x10'
                alert_rule_test:
                  - eval_time: 10m
                    alertname: InstanceDown
                    exp_alerts: []
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal(
            "    name: quiet expected,\n    alertname: InstanceDown, time: 10m, \n        exp:[], \n        got:[\n            0:\n" +
            "              Labels:{alertname=\"InstanceDown\", instance=\"a:9100\", job=\"node\", severity=\"page\"}\n" +
            "              Annotations:{summary=\"Instance a:9100 down, value 0\"}\n            ]",
            error);
    }

    [Fact]
    public void Recording_rule_output_is_queryable_and_wrong_values_show_exp_and_got()
    {
        var result = Run("""
            tests:
              - interval: 1m
                input_series:
                  - series: 'up{job="node", instance="a"}'
                    values: '1+0x5'
                  - series: 'up{job="node", instance="b"}'
                    values: '0+0x5'
                promql_expr_test:
                  - expr: job:up:sum
                    eval_time: 3m
                    exp_samples:
                      - labels: 'job:up:sum{job="node"}'
                        value: 2
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal(
            "    expr: \"job:up:sum\", time: 3m,\n        exp: {__name__=\"job:up:sum\", job=\"node\"} 2E+00\n        got: {__name__=\"job:up:sum\", job=\"node\"} 1E+00",
            error);
    }

    [Fact]
    public void Resolved_alert_leaves_the_ALERTS_series_at_once_through_a_stale_marker()
    {
        var result = Run("""
            tests:
              - interval: 1m
                input_series:
                  - series: 'up{job="node", instance="a"}'
                    values: '0 0 1 1 1'
                promql_expr_test:
                  - expr: ALERTS
                    eval_time: 1m
                    exp_samples:
                      - labels: 'ALERTS{alertname="InstanceDown", alertstate="pending", instance="a", job="node", severity="page"}'
                        value: 1
                  - expr: ALERTS
                    eval_time: 3m
                    exp_samples: []
            """);

        Assert.True(result.Passed, string.Join("\n", result.Errors));
    }

    [Fact]
    public void Series_a_recording_rule_stops_producing_is_stale_for_later_rules_of_the_same_evaluation()
    {
        const string rules = """
            groups:
              - name: chain
                rules:
                  - record: c:high
                    expr: x > 5
                  - alert: CHigh
                    expr: c:high
            """;
        var result = Run("""
            tests:
              - interval: 1m
                input_series:
                  - series: 'x{job="c"}'
                    values: '10 1 1'
                alert_rule_test:
                  - eval_time: 0m
                    alertname: CHigh
                    exp_alerts:
                      - exp_labels: {job: c}
                  - eval_time: 1m
                    alertname: CHigh
                    exp_alerts: []
            """, rules);

        Assert.True(result.Passed, string.Join("\n", result.Errors));
    }

    [Fact]
    public void Rule_file_listed_twice_is_evaluated_once()
    {
        var result = Run("""
            rule_files: [rules.yml, rules.yml]
            tests:
              - interval: 1m
                input_series:
                  - series: 'up{job="node", instance="a"}'
                    values: '0x10'
                alert_rule_test:
                  - eval_time: 6m
                    alertname: InstanceDown
                    exp_alerts:
                      - exp_labels: {severity: page, job: node, instance: a}
                        exp_annotations: {summary: "Instance a down, value 0"}
            """);

        Assert.True(result.Passed, string.Join("\n", result.Errors));
    }

    [Fact]
    public void Zero_followed_by_x_count_repeats_zero_instead_of_reading_hex()
    {
        var result = Run("""
            tests:
              - interval: 1m
                input_series:
                  - series: 'up{job="node"}'
                    values: '0x10'
                promql_expr_test:
                  - expr: count_over_time(up[10m])
                    eval_time: 10m
                    exp_samples:
                      - labels: '{job="node"}'
                        value: 10
            """);

        Assert.True(result.Passed, string.Join("\n", result.Errors));
    }

    [Fact]
    public void Rule_evaluation_error_stops_the_group_with_rule_name_and_time()
    {
        const string rules = """
            groups:
              - name: joins
                rules:
                  - record: joined
                    expr: a + on(k) b
            """;
        var result = Run("""
            tests:
              - interval: 1m
                input_series:
                  - series: 'a{k="1"}'
                    values: '1'
                  - series: 'b{k="1", x="1"}'
                    values: '1'
                  - series: 'b{k="1", x="2"}'
                    values: '1'
                promql_expr_test:
                  - expr: joined
                    eval_time: 1m
                    exp_samples: []
            """, rules);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("    rule: joined, time: 0s, err: found duplicate series for the match group {k=\"1\"}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Group_limit_applies_to_recording_rules_as_well_as_alerts()
    {
        const string rules = """
            groups:
              - name: lim
                limit: 1
                rules:
                  - alert: L
                    expr: up
                  - record: r
                    expr: up
            """;
        var result = Run("""
            tests:
              - interval: 1m
                input_series:
                  - series: up{i="a"}
                    values: 1x3
                  - series: up{i="b"}
                    values: _ 1x3
                alert_rule_test:
                  - eval_time: 2m
                    alertname: L
                    exp_alerts: []
            """, rules);

        Assert.Equal(
            [
                "    rule: L, time: 1m0s, err: exceeded limit of 1 with 2 alerts",
                "    rule: r, time: 1m0s, err: exceeded limit of 1 with 2 series",
            ],
            result.Errors);
    }

    [Fact]
    public void Unknown_field_in_test_file_is_rejected_with_its_line()
    {
        var result = Run("""
            tests:
              - interval: 1m
                promql_expr_test:
                  - expr: up
                    eval_time: 0
                    exp_samples:
                      - labels: up
                        histogram: "{{count:1}}"
            """);

        Assert.Equal(["yaml: unmarshal errors:\n  line 9: field histogram not found in type main.sample"], result.Errors);
    }

    [Fact]
    public void Type_errors_in_a_test_file_are_all_listed_top_to_bottom()
    {
        var result = Run("""
            rule_files: x.yml
            tests:
              - input_series: {a: 1}
                alert_rule_test:
                  - exp_alerts: [1]
                    alertname: [x]
            """);

        Assert.Equal(
            [
                "yaml: unmarshal errors:\n" +
                "  line 1: cannot unmarshal !!str `x.yml` into []string\n" +
                "  line 3: cannot unmarshal !!map into []main.series\n" +
                "  line 5: cannot unmarshal !!int `1` into main.alert\n" +
                "  line 6: cannot unmarshal !!seq into string",
            ],
            result.Errors);
    }

    [Fact]
    public void Broken_rule_file_fails_the_test_with_the_check_rules_message()
    {
        var result = Run("tests:\n  - interval: 1m\n", "groups:\n  - name: g\n    rules:\n      - record: x\n        expr: sum(\n");

        var error = Assert.Single(result.Errors);
        Assert.EndsWith("rules.yml: 5:15: group \"g\", rule 1, \"x\": could not parse expression: 1:5: parse error: unclosed left parenthesis", error, StringComparison.Ordinal);
    }

    [Fact]
    public void External_labels_and_url_are_available_to_annotation_templates()
    {
        const string rules = """
            groups:
              - name: g
                rules:
                  - alert: Always
                    expr: vector(1)
                    annotations:
                      where: "{{ $externalLabels.region }} {{ $externalURL }}"
            """;
        var result = Run("""
            tests:
              - interval: 1m
                external_labels: {region: eu}
                external_url: https://prom.example
                alert_rule_test:
                  - eval_time: 0
                    alertname: Always
                    exp_alerts:
                      - exp_annotations: {where: "eu https://prom.example"}
            """, rules);

        Assert.True(result.Passed, string.Join("\n", result.Errors));
    }

    [Theory]
    [InlineData("up{job=\"x\", instance=\"y\"", "1:26: parse error: unexpected character inside braces: '1'")]
    [InlineData("up{a=\"b\" c=\"d\"}", "1:10: parse error: unexpected identifier \"c\" in label set, expected \",\" or \"}\"")]
    [InlineData("up{a=~\"b\"}", "1:5: parse error: unexpected <op:=~> in label set, expected \"=\"")]
    public void Malformed_input_series_is_reported_as_promtool_words_it(string series, string expected)
    {
        var result = Run($"tests:\n  - input_series:\n      - series: '{series}'\n        values: '1 2 3'\n");

        Assert.Equal([expected], result.Errors);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(300_000, "5m")]
    [InlineData(179_999, "2m59s999ms")]
    [InlineData(86_400_000 * 7L, "1w")]
    [InlineData(86_400_000 * 8L, "8d")]
    public void Eval_times_print_as_prometheus_durations(long ms, string expected) =>
        Assert.Equal(expected, PromDuration.Format(TimeSpan.FromMilliseconds(ms)));

    [Theory]
    [InlineData(1, "1E+00")]
    [InlineData(60, "6E+01")]
    [InlineData(9218880000, "9.21888E+09")]
    [InlineData(0.0001, "1E-04")]
    [InlineData(-2.5, "-2.5E+00")]
    [InlineData(0, "0E+00")]
    public void Sample_values_print_like_go_FormatFloat_E(double v, string expected) =>
        Assert.Equal(expected, PromtoolText.GoFloatE(v));
}
