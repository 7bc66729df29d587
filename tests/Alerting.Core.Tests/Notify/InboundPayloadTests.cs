using Alerting.Core.Notify.PagerDuty;
using Alerting.Core.Notify.Slack;

namespace Alerting.Core.Tests.Notify;

public sealed class InboundPayloadTests
{
    private const string Interaction = """
        {"type":"block_actions","user":{"id":"U01ALICE","username":"alice","name":"alice","team_id":"T1"},
         "trigger_id":"123.456","container":{"type":"message","message_ts":"1712345678.000100","channel_id":"C123"},
         "channel":{"id":"C123","name":"incidents"},
         "response_url":"https://hooks.slack.com/actions/T1/1/abc",
         "actions":[{"type":"button","action_id":"alert_acknowledge","block_id":"alert_actions","value":"group-42","action_ts":"1712345690.1"}]}
        """;

    [Fact]
    public void Slack_button_click_yields_action_value_user_and_response_url()
    {
        var form = "payload=" + Uri.EscapeDataString(Interaction);
        var parsed = SlackInteractionParser.Parse(form, out var error);

        Assert.Null(error);
        Assert.Equal(new SlackInteraction("block_actions", "alert_acknowledge", "group-42", "U01ALICE", "alice",
            "https://hooks.slack.com/actions/T1/1/abc", "C123", "1712345678.000100", "123.456"), parsed);
    }

    [Fact]
    public void Form_plus_signs_decode_to_spaces()
    {
        Assert.Equal("a b+c", SlackInteractionParser.FormField("x=1&note=a+b%2Bc", "note"));
        Assert.Null(SlackInteractionParser.FormField("x=1", "note"));
    }

    [Theory]
    [InlineData("x=1", "missing 'payload'")]
    [InlineData("payload=%7Bnot", "not JSON")]
    [InlineData("payload=%7B%22type%22%3A%22view_submission%22%7D", "unsupported interaction type")]
    [InlineData("payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%5B%5D%7D", "no actions[0].action_id")]
    public void Unusable_interactions_are_rejected_with_a_reason(string form, string reason)
    {
        Assert.Null(SlackInteractionParser.Parse(form, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void PagerDuty_webhook_event_maps_incident_key_and_agent()
    {
        const string body = """
            {"event":{"id":"01DEN4HPBQAE","event_type":"incident.acknowledged","resource_type":"incident",
             "occurred_at":"2026-03-10T12:05:00.000Z","agent":{"id":"PLH1HKV","summary":"Tenex Engineer","type":"user_reference"},
             "data":{"id":"PGR0VU2","type":"incident","status":"acknowledged","incident_key":"abc123","title":"[FIRING:1] DbSyncFailing"}}}
            """;
        var ev = PagerDutyWebhookEvent.Parse(body, out var error);
        Assert.Null(error);
        Assert.Equal(new PagerDutyWebhookEvent("01DEN4HPBQAE", "incident.acknowledged",
            new DateTimeOffset(2026, 3, 10, 12, 5, 0, TimeSpan.Zero), "Tenex Engineer", "PGR0VU2", "abc123", "acknowledged",
            "[FIRING:1] DbSyncFailing"), ev);
        Assert.Null(PagerDutyWebhookEvent.Parse("[]", out error));
        Assert.NotNull(error);
    }
}
