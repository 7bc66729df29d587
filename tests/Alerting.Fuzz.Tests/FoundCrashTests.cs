using System.Text;
using Alerting.Core.Push;
using Alerting.Functions.Functions;
using Alerting.Functions.Pipeline;

namespace Alerting.Fuzz.Tests;

/// <summary>
/// Every crash the fuzzers found, and every bad input reported by users, as the exact input: each must
/// now be rejected with the parser's own error, in words a user understands (no .NET type names).
/// </summary>
public sealed class FoundCrashTests
{
    public static TheoryData<string, string> Crashes() => new()
    {
        // YamlDotNet threw InvalidOperationException / ArgumentException instead of a YAML error.
        { "alertmanager-config", "route:\n  receiver: x\nrecivers: x\nreceivers:\n : x\nreceivers:\n  - name: x: x\n" },
        { "rule-file", "groups: [e\ufffd\ngroups: []\n:n []\n" },
        { "oncall", "roles:\n  engineer:\n    n:\n:\n" },
        { "escalation-policy", "policies:\n  - :\n  5m- name: dfefault\n    ma'" },
        { "scrape-config", "global:\n : scrape_interval: 15s\n" },
        // A sequence used as a mapping key was cast to a scalar.
        { "rule-file", "[]:                       []" },
        // Deep nesting overflowed the stack, which kills the process.
        { "promql", new string('(', 100_000) + "1" + new string(')', 100_000) },
        { "promql", new string('-', 200_000) + "1" },
        { "go-template", string.Concat(Enumerable.Repeat("{{if 1}}", 50_000)) + "x" + string.Concat(Enumerable.Repeat("{{end}}", 50_000)) },
        { "go-template", "{{" + new string('(', 50_000) + "1" + new string(')', 50_000) + "}}" },
        { "rule-file", "groups: " + new string('[', 50_000) + new string(']', 50_000) },
        { "alertmanager-config", "route: " + new string('{', 50_000) },
        // PromQL: a duration token no duration reads, and numbers beyond int64, threw FormatException/OverflowException.
        { "promql", "x @ 5m5m" },
        { "promql", "x[9999999999999999999s]" },
        { "promql", "07777777777777777777777777" },
        // JSON with a repeated key or a string where an object belongs.
        { "silence-json", """{"matchers":[{"name":"a","value":"b","value":"c","isRegex":false}],"startsAt":"2026-11-24T10:00:00Z","endsAt":"2026-11-24T12:00:00Z","createdBy":"me","comment":"c","comment":"d"}""" },
        { "slack-interaction", "t\n\npayload={\"type\":\"block_actions\",\"user\":{\"id\":\"U1\"},\"actions\":[{\"action_id\":\"acknowledge\"}],\"channel\":\"C1\"}" },
        { "pagerduty-webhook", "\n{\"event\":{\"id\":\"E1\",\"event_type\":\"incident.resolved\",\"agent\":\"Ana\",\"data\":[]}}" },
        { "pagerduty-webhook", "\n{\"event\":{\"id\":\"E1\",\"event_type\":\"incident.resolved\",\"agent\":{},\"agent\":{},\"data\":{}}}" },
    };

    [Theory]
    [MemberData(nameof(Crashes))]
    public void A_crash_the_fuzzer_found_is_now_an_answer(string target, string input)
    {
        Assert.Null(FuzzTargets.Get(target).Execute(Encoding.UTF8.GetBytes(input)));
    }

    [Fact]
    public void Silence_json_with_invalid_utf8_in_a_string_is_rejected_as_such()
    {
        var body = Encoding.UTF8.GetBytes("""{"matchers":[],"startsAt":"x","endsAt":"y","createdBy":"me","comment":"c"}""");
        body[^3] = 0xcc;
        var e = Assert.Throws<SilenceInputException>(() => SilenceFunctions.ParseBody(body));
        Assert.Contains("not valid UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Silence_json_with_a_repeated_key_keeps_the_last_value_as_alertmanager_does()
    {
        var silence = SilenceFunctions.ParseBody(Encoding.UTF8.GetBytes(
            """{"matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"2026-11-24T10:00:00Z","endsAt":"2026-11-24T12:00:00Z","createdBy":"me","comment":"first","comment":"last"}"""));
        Assert.Equal("last", silence.Comment);
    }

    [Fact]
    public void A_webhook_with_a_null_alert_is_rejected_naming_the_alert()
    {
        var e = Assert.Throws<IngestException>(() => IngestParser.ParseWebhook("""{"version":"4","alerts":[null]}"""u8));
        Assert.StartsWith("alerts[0]: expected an alert object, not null", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_v2_list_with_a_null_alert_is_rejected_naming_the_alert()
    {
        var e = Assert.Throws<IngestException>(() => IngestParser.ParseV2Alerts("[null]"u8));
        Assert.StartsWith("[0]: expected an alert object, not null", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"labels":{"a":"b"}}""", "body (line 1", "expected an array")]
    [InlineData("""[{"labels":{"a":"b"},"startsAt":"yesterday"}]""", "body[0].startsAt (line 1", "expected a time as an RFC 3339 string")]
    [InlineData("""[{"labels":["a"]}]""", "body[0].labels (line 1", "labels must be a JSON object of strings")]
    [InlineData("""[{"labels":{"a":1}}]""", "body[0].labels (line 1", "label 'a' must have a string value")]
    [InlineData("""[{"labels":{"a":"b"},"generatorURL":5}]""", "body[0].generatorURL (line 1", "expected a string")]
    [InlineData("""[{"labels":{"a":"b"}""", "malformed JSON (line 1", "")]
    [InlineData("", "the body is empty", "")]
    public void V2_alert_errors_say_where_and_what_the_body_should_be_without_dotnet_type_names(string body, string where, string what)
    {
        var e = Assert.Throws<IngestException>(() => IngestParser.ParseV2Alerts(Encoding.UTF8.GetBytes(body)));
        Assert.StartsWith(where, e.Message, StringComparison.Ordinal);
        Assert.Contains(what, e.Message, StringComparison.Ordinal);
        Assert.Contains("the body must be a JSON array of alerts", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Alerting.", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1]", "body (line 1", "expected an object")]
    [InlineData("""{"alerts":{}}""", "alerts (line 1", "expected an array")]
    [InlineData("""{"version":4}""", "version (line 1", "expected a string")]
    [InlineData("""{"alerts":[{"labels":{"a":"b"},"endsAt":true}]}""", "alerts[0].endsAt (line 1", "expected a time")]
    public void Webhook_errors_say_where_and_what_the_body_should_be(string body, string where, string what)
    {
        var e = Assert.Throws<IngestException>(() => IngestParser.ParseWebhook(Encoding.UTF8.GetBytes(body)));
        Assert.StartsWith(where, e.Message, StringComparison.Ordinal);
        Assert.Contains(what, e.Message, StringComparison.Ordinal);
        Assert.Contains("Alertmanager webhook payload", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Alerting.", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Answers recorded from prometheus-pushgateway 1.5.1 (Debian); the integration tests compare with the binary itself.</summary>
    [Theory]
    [InlineData("# TYPE x histogram\nx_bucket{le=\"abc\"} 1\n", "text format parsing error in line 2: expected float as value for 'le' label, got \"abc\"")]
    [InlineData("# TYPE x_bucket histogram\nx_bucket{le=\"abc\"} 1\n", "text format parsing error in line 2: expected float as value for 'le' label, got \"abc\"")]
    [InlineData("# TYPE x summary\nx{quantile=\"1e999\"} 1\n", "text format parsing error in line 2: expected float as value for 'quantile' label, got \"1e999\"")]
    [InlineData("# TYPE x histogram\nx_bucket{le=\"abc\"} 1e999\n", "text format parsing error in line 2: expected float as value for 'le' label, got \"abc\"")]
    [InlineData("x 1e999\n", "text format parsing error in line 1: invalid value \"1e999\"")]
    [InlineData("x -1.7976931348623159e308\n", "text format parsing error in line 1: invalid value \"-1.7976931348623159e308\"")]
    public void A_push_the_pushgateway_refuses_is_refused(string body, string message)
    {
        var e = Assert.Throws<PushException>(() => PushStore.ParseBody(Encoding.UTF8.GetBytes(body), "text/plain"));
        Assert.Equal(400, e.StatusCode);
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("x_bucket{le=\"abc\"} 1\n")]
    [InlineData("# TYPE x gauge\nx_bucket{le=\"abc\"} 1\n")]
    [InlineData("x{quantile=\"abc\"} 1\n")]
    [InlineData("x 1e-999\n")]
    [InlineData("x 1.7976931348623157e308\n")]
    [InlineData("# TYPE x histogram\nx_bucket{le=\"Inf\"} 1\nx_bucket{le=\"1.0\"} 1\nx_count 1\n")]
    public void A_push_the_pushgateway_accepts_is_accepted(string body)
    {
        Assert.NotEmpty(PushStore.ParseBody(Encoding.UTF8.GetBytes(body), "text/plain").Samples);
    }
}
