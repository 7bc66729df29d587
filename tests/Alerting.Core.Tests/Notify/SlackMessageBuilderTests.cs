using System.Text.Json.Nodes;
using Alerting.Core.Acknowledgement;
using Alerting.Core.Notify;
using Alerting.Core.Notify.Slack;
using Alerting.Fakes.Validation;
using static Alerting.Core.Tests.Notify.NotificationFixtures;

namespace Alerting.Core.Tests.Notify;

public sealed class SlackMessageBuilderTests
{
    private readonly SlackMessageBuilder _builder = new();

    private static JsonArray ActionElements(JsonObject body) =>
        body["blocks"]!.AsArray().Single(b => (string?)b!["type"] == "actions")!["elements"]!.AsArray();

    [Fact]
    public void Firing_group_message_has_header_summary_and_acknowledge_button_carrying_group_id()
    {
        var body = SlackRequests.PostMessage("#incidents", _builder.Build(CriticalGroup()));

        var blocks = body["blocks"]!.AsArray();
        Assert.Equal("header", (string?)blocks[0]!["type"]);
        Assert.Equal("[FIRING:2] DbSyncFailing", (string?)blocks[0]!["text"]!["text"]);
        Assert.Contains("DB sync failure rate above 5%", (string?)blocks[1]!["text"]!["text"], StringComparison.Ordinal);

        var ack = ActionElements(body).Single(e => (string?)e!["action_id"] == SlackMessageBuilder.AcknowledgeActionId)!;
        Assert.Equal("Acknowledge", (string?)ack["text"]!["text"]);
        Assert.Equal("group-42", (string?)ack["value"]);
        Assert.Equal("#incidents", (string?)body["channel"]);
        Assert.Equal("[FIRING:2] DbSyncFailing", (string?)body["text"]);
    }

    [Fact]
    public void Runbook_annotation_becomes_a_link_button()
    {
        var body = SlackRequests.IncomingWebhook(_builder.Build(CriticalGroup()));
        var runbook = ActionElements(body).Single(e => (string?)e!["action_id"] == SlackMessageBuilder.RunbookActionId)!;
        Assert.Equal("https://runbooks.example/db-sync", (string?)runbook["url"]);
        Assert.Null(body["channel"]);
    }

    [Fact]
    public void Severity_sets_the_attachment_colour()
    {
        var critical = SlackRequests.IncomingWebhook(_builder.Build(CriticalGroup()));
        Assert.Equal("#E01E5A", (string?)critical["attachments"]![0]!["color"]);

        var warning = new AlertGroupSnapshot("g", [Alert("DiskFilling", "warning", "m1")], Now);
        Assert.Equal("#ECB22E", (string?)SlackRequests.IncomingWebhook(_builder.Build(warning))["attachments"]![0]!["color"]);

        var resolved = new AlertGroupSnapshot("g", [Alert("DiskFilling", "warning", "m1", resolved: true)], Now);
        var resolvedBody = SlackRequests.IncomingWebhook(_builder.Build(resolved));
        Assert.Equal("#2EB67D", (string?)resolvedBody["attachments"]![0]!["color"]);
        Assert.StartsWith("[RESOLVED:1]", (string?)resolvedBody["text"], StringComparison.Ordinal);
    }

    [Fact]
    public void Acknowledged_update_drops_the_acknowledge_button_and_names_who_acknowledged()
    {
        var change = new SlackStatusChange(AlertStatus.Acknowledged, "alice", Now.AddMinutes(2));
        var body = SlackRequests.Update("C123", "1712345678.000100", _builder.Build(CriticalGroup(), change));

        Assert.Equal("1712345678.000100", (string?)body["ts"]);
        var ids = ActionElements(body).Select(e => (string?)e!["action_id"]).ToArray();
        Assert.DoesNotContain(SlackMessageBuilder.AcknowledgeActionId, ids);
        Assert.Contains(SlackMessageBuilder.ResolveActionId, ids);
        var summary = (string?)body["blocks"]![1]!["text"]!["text"];
        Assert.Contains("*Acknowledged* by alice at 2026-03-10 12:02:00 UTC", summary, StringComparison.Ordinal);
        Assert.StartsWith("[ACKNOWLEDGED:2]", (string?)body["text"], StringComparison.Ordinal);
        Assert.Equal("#8D8D8D", (string?)body["attachments"]![0]!["color"]);
    }

    [Fact]
    public void Resolved_update_has_no_action_buttons_besides_runbook()
    {
        var change = new SlackStatusChange(AlertStatus.Resolved, "bob", Now);
        var body = SlackRequests.Update("C123", "1.2", _builder.Build(CriticalGroup(), change));
        var ids = ActionElements(body).Select(e => (string)e!["action_id"]!).ToArray();
        Assert.Equal(new[] { SlackMessageBuilder.RunbookActionId }, ids);
    }

    [Fact]
    public void Every_built_message_passes_the_strict_validator()
    {
        var group = CriticalGroup();
        foreach (var change in new SlackStatusChange?[] { null, new(AlertStatus.Acknowledged, "a", Now), new(AlertStatus.Resolved, "b", Now) })
        {
            var message = _builder.Build(group, change);
            Assert.True(SlackPayloadValidator.Validate(SlackRequests.ToJson(SlackRequests.PostMessage("C1", message)), SlackEndpoint.PostMessage).Ok);
            Assert.True(SlackPayloadValidator.Validate(SlackRequests.ToJson(SlackRequests.Update("C1", "1.1", message)), SlackEndpoint.Update).Ok);
            Assert.True(SlackPayloadValidator.Validate(SlackRequests.ToJson(SlackRequests.IncomingWebhook(message)), SlackEndpoint.IncomingWebhook).Ok);
        }
    }

    [Fact]
    public void Huge_groups_and_long_texts_stay_within_slack_limits()
    {
        var alerts = Enumerable.Range(0, 200)
            .Select(i => Alert(new string('X', 400), "critical", $"m{i}", false, ("summary", new string('s', 5000))))
            .ToArray();
        var message = _builder.Build(new AlertGroupSnapshot("big", alerts, Now));
        var json = SlackRequests.ToJson(SlackRequests.PostMessage("C1", message));

        var result = SlackPayloadValidator.Validate(json, SlackEndpoint.PostMessage);
        Assert.True(result.Ok, string.Join("; ", result.Messages));
        Assert.Contains("190 more alerts", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Mrkdwn_control_characters_in_alert_text_are_escaped()
    {
        var group = new AlertGroupSnapshot("g", [Alert("X", "info", "m1", false, ("summary", "<!channel> a & b"))], Now);
        var summary = (string?)SlackRequests.IncomingWebhook(_builder.Build(group))["blocks"]![1]!["text"]!["text"];
        Assert.Contains("&lt;!channel&gt; a &amp; b", summary, StringComparison.Ordinal);
    }
}

public sealed class SlackMessageBuilderGuardTests
{
    [Fact]
    public void Group_id_too_long_for_a_button_value_is_refused_rather_than_truncated()
    {
        var group = new AlertGroupSnapshot(new string('g', 2001), [NotificationFixtures.Alert("X", "info", "m1")], NotificationFixtures.Now);
        Assert.Throws<ArgumentException>(() => new SlackMessageBuilder().Build(group));
    }
}
