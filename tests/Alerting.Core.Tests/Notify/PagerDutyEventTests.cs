using System.Text.Json.Nodes;
using Alerting.Core.Notify;
using Alerting.Core.Notify.PagerDuty;
using Alerting.Fakes.Validation;
using static Alerting.Core.Tests.Notify.NotificationFixtures;

namespace Alerting.Core.Tests.Notify;

public sealed class PagerDutyEventTests
{
    private const string RoutingKey = "0123456789abcdef0123456789abcdef";
    private readonly PagerDutyEventBuilder _builder = new() { ClientUrl = "https://alerts.example" };

    [Fact]
    public void Trigger_event_uses_documented_field_names_and_passes_validation()
    {
        var json = _builder.Trigger(RoutingKey, CriticalGroup()).ToJson();
        var node = JsonNode.Parse(json)!.AsObject();

        Assert.Empty(PagerDutyEventValidator.Validate(json));
        Assert.Equal(RoutingKey, (string?)node["routing_key"]);
        Assert.Equal("trigger", (string?)node["event_action"]);
        Assert.Equal(PagerDutyEventBuilder.DedupKeyFor("group-42"), (string?)node["dedup_key"]);
        var payload = node["payload"]!;
        Assert.Equal("[FIRING:2] DbSyncFailing - DB sync failure rate above 5%", (string?)payload["summary"]);
        Assert.Equal("critical", (string?)payload["severity"]);
        Assert.Equal("fly", (string?)payload["component"]);
        Assert.Equal("DbSyncFailing", (string?)payload["class"]);
        Assert.Equal("2026-03-10T11:50:00.000Z", (string?)payload["timestamp"]);
        Assert.Equal(2, (int?)payload["custom_details"]!["num_firing"]);
        Assert.Equal("https://runbooks.example/db-sync", (string?)node["links"]![0]!["href"]);
        Assert.Equal("Alerting.Functions", (string?)node["client"]);
        Assert.Equal("https://alerts.example", (string?)node["client_url"]);
    }

    [Fact]
    public void Source_falls_back_to_client_when_instances_differ()
    {
        var payload = JsonNode.Parse(_builder.Trigger(RoutingKey, CriticalGroup()).ToJson())!["payload"]!;
        Assert.Equal("Alerting.Functions", (string?)payload["source"]);

        var single = new AlertGroupSnapshot("g", [Alert("Down", "warning", "m7:9100")], Now);
        Assert.Equal("m7:9100", (string?)JsonNode.Parse(_builder.Trigger(RoutingKey, single).ToJson())!["payload"]!["source"]);
    }

    [Theory]
    [InlineData("critical", "critical")]
    [InlineData("warning", "warning")]
    [InlineData("info", "info")]
    [InlineData("page", "critical")]
    [InlineData("bogus", "error")]
    [InlineData("", "error")]
    public void Severity_labels_map_onto_pagerdutys_four(string label, string expected) =>
        Assert.Equal(expected, _builder.MapSeverity(label));

    [Fact]
    public void Long_summaries_are_truncated_to_1024_characters()
    {
        var group = new AlertGroupSnapshot("g", [Alert("Big", "info", "m1", false, ("summary", new string('x', 3000)))], Now);
        var json = _builder.Trigger(RoutingKey, group).ToJson();
        Assert.Equal(1024, ((string?)JsonNode.Parse(json)!["payload"]!["summary"])!.Length);
        Assert.Empty(PagerDutyEventValidator.Validate(json));
    }

    [Fact]
    public void Acknowledge_and_resolve_carry_only_key_action_and_dedup_key()
    {
        var ack = JsonNode.Parse(PagerDutyEventBuilder.Acknowledge(RoutingKey, "k1").ToJson())!.AsObject();
        Assert.Equal(["routing_key", "event_action", "dedup_key"], ack.Select(p => p.Key).ToArray());
        Assert.Equal("acknowledge", (string?)ack["event_action"]);
        Assert.Empty(PagerDutyEventValidator.Validate(ack));
        Assert.Equal("resolve", (string?)JsonNode.Parse(PagerDutyEventBuilder.Resolve(RoutingKey, "k1").ToJson())!["event_action"]);
    }

    [Fact]
    public void Trigger_without_payload_fields_lists_each_missing_field()
    {
        var errors = PagerDutyEventValidator.Validate($$$"""{"routing_key":"{{{RoutingKey}}}","event_action":"trigger","payload":{}}""");
        Assert.Contains("'payload.summary' is missing or blank", errors);
        Assert.Contains("'payload.source' is missing or blank", errors);
        Assert.Contains("'payload.severity' is missing or blank", errors);
        Assert.Equal(3, errors.Count);
    }

    [Fact]
    public void Invalid_values_are_reported()
    {
        var errors = PagerDutyEventValidator.Validate(
            """{"routing_key":"short","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"fatal","timestamp":"yesterday"},"links":[{"text":"no href"}]}""");
        Assert.Contains("Length of 'routing_key' is incorrect (should be 32 characters)", errors);
        Assert.Contains(errors, e => e.StartsWith("'payload.severity' is invalid", StringComparison.Ordinal));
        Assert.Contains("'payload.timestamp' is not a valid ISO 8601 timestamp", errors);
        Assert.Contains("'links[0].href' is missing or blank", errors);
    }

    [Fact]
    public void Unknown_action_missing_dedup_key_and_unknown_fields_are_errors()
    {
        Assert.Contains(PagerDutyEventValidator.Validate($$"""{"routing_key":"{{RoutingKey}}","event_action":"snooze"}"""),
            e => e.StartsWith("'event_action' is invalid", StringComparison.Ordinal));
        Assert.Contains("'dedup_key' is missing or blank (required for acknowledge and resolve)",
            PagerDutyEventValidator.Validate($$"""{"routing_key":"{{RoutingKey}}","event_action":"resolve"}"""));
        Assert.Contains("'severity' is not a recognised field",
            PagerDutyEventValidator.Validate($$"""{"routing_key":"{{RoutingKey}}","event_action":"resolve","dedup_key":"k","severity":"info"}"""));
    }

    [Fact]
    public void Error_response_has_pagerdutys_shape()
    {
        var body = PagerDutyEventValidator.InvalidEventResponse(["'payload' is missing or blank"]);
        Assert.Equal("invalid event", (string?)body["status"]);
        Assert.Equal("Event object is invalid", (string?)body["message"]);
        Assert.Equal("'payload' is missing or blank", (string?)body["errors"]![0]);
        Assert.Equal("success", (string?)PagerDutyEventValidator.SuccessResponse("k")["status"]);
    }
}

public sealed class PagerDutyDocumentedExampleTests
{
    // The trigger example from PagerDuty's "Send an Alert Event" page, with a routing key of the documented length.
    private const string Example = """
        {
          "payload": {
            "summary": "Example alert on host1.example.com",
            "timestamp": "2015-07-17T08:42:58.315+0000",
            "source": "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003",
            "severity": "info",
            "component": "postgres",
            "group": "prod-datapipe",
            "class": "deploy",
            "custom_details": { "ping time": "1500ms", "load avg": 0.75 }
          },
          "routing_key": "0123456789abcdef0123456789abcdef",
          "dedup_key": "samplekeyhere",
          "images": [{ "src": "https://www.pagerduty.com/wp-content/uploads/2016/05/pagerduty-logo-green.png", "href": "https://example.com/", "alt": "Example text" }],
          "links": [{ "href": "https://example.com/", "text": "Link text" }],
          "event_action": "trigger",
          "client": "Sample Monitoring Service",
          "client_url": "https://monitoring.example.com"
        }
        """;

    [Fact]
    public void Documented_trigger_example_is_accepted() => Assert.Empty(PagerDutyEventValidator.Validate(Example));

    [Fact]
    public void Documented_example_with_its_placeholder_routing_key_is_rejected_for_length()
    {
        var errors = PagerDutyEventValidator.Validate(Example.Replace("0123456789abcdef0123456789abcdef", "samplekeyhere", StringComparison.Ordinal));
        Assert.Equal(["Length of 'routing_key' is incorrect (should be 32 characters)"], errors);
    }
}
