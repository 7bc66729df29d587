using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Core.Notify.Slack;
using Alerting.Fakes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Alerting.Integration.Tests.Escalation;

/// <summary>
/// The seed-001 acknowledge at T+7 from Slack's button and from the operator page in real headless
/// Chromium: either way the manager is not paged at T+15, the Slack message is edited in place
/// (chat.update, not a new post) and the PagerDuty incident is acknowledged.
/// </summary>
public sealed class AcknowledgeChannelsTests
{
    [Fact]
    public async Task Acknowledging_with_the_Slack_button_updates_the_message_and_stops_the_manager_page()
    {
        await using var s = await EscalationScenario.StartAsync(slackBot: true);
        await s.FireAsync();
        var posted = Assert.Single(s.Stack.Slack.ChatMessages);
        var button = FindButton(posted.Blocks!, SlackMessageBuilder.AcknowledgeActionId);
        Assert.Equal(s.AlertId, button["value"]!.GetValue<string>());
        // The team gets the escalation's message, not a second Alertmanager-style one for the same alert.
        Assert.Empty(s.Stack.Slack.Received);

        await s.RunUntilAsync(TimeSpan.FromMinutes(7));
        Assert.Single(s.IncidentsFor(EscalationScenario.EngineerKey));

        var body = InteractionBody(s.AlertId, posted.Channel, posted.Ts);
        var now = s.Stack.Time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var verifier = new SlackRequestVerifier(EscalationScenario.SigningSecret, s.Stack.Time);

        // A wrong signature and a replayed (stale) request are refused and change nothing.
        Assert.Equal(HttpStatusCode.Unauthorized, await PostInteractionAsync(s, body, now, "v0=" + new string('0', 64)));
        var stale = (s.Stack.Time.GetUtcNow() - TimeSpan.FromMinutes(6)).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        Assert.Equal(HttpStatusCode.Unauthorized, await PostInteractionAsync(s, body, stale, verifier.Sign(stale, body)));
        Assert.Equal("firing", (await s.OpenAlertsAsync()).Single()!["status"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, await PostInteractionAsync(s, body, now, verifier.Sign(now, body)));
        await s.Stack.DrainAsync();

        var updated = Assert.Single(s.Stack.Slack.ChatMessages);
        Assert.Equal(posted.Ts, updated.Ts);
        Assert.True(updated.Updates >= 1, "the original message should have been updated");
        var text = updated.Blocks!.ToJsonString();
        Assert.Contains("alice", text, StringComparison.Ordinal);
        Assert.Contains("cknowledged", text, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => FindButton(updated.Blocks!, SlackMessageBuilder.AcknowledgeActionId));
        Assert.Equal("acknowledged", Assert.Single(s.IncidentsFor(EscalationScenario.EngineerKey)).Status);

        await s.RunUntilAsync(TimeSpan.FromMinutes(16));
        Assert.Empty(s.IncidentsFor(EscalationScenario.ManagerKey));
        var ack = Assert.Single(await s.HistoryAsync())!;
        Assert.Equal("slack", ack["how"]!.GetValue<string>());
        Assert.Equal("alice", ack["who"]!.GetValue<string>());

        // When the alert resolves, the same message turns resolved and PagerDuty's incident is resolved.
        await s.ResolveAsync();
        var resolved = Assert.Single(s.Stack.Slack.ChatMessages);
        Assert.Equal(posted.Ts, resolved.Ts);
        Assert.Contains("RESOLVED", resolved.Blocks!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("resolved", Assert.Single(s.IncidentsFor(EscalationScenario.EngineerKey)).Status);
        Assert.Empty(await s.OpenAlertsAsync());
        Assert.Equal(0, s.Stack.Slack.Rejected);
    }

    [Fact]
    public async Task Acknowledging_in_PagerDuty_acknowledges_here_through_its_signed_webhook()
    {
        await using var s = await EscalationScenario.StartAsync(slackBot: true);
        await s.FireAsync();
        await s.RunUntilAsync(TimeSpan.FromMinutes(6));
        var incident = Assert.Single(s.IncidentsFor(EscalationScenario.EngineerKey));

        var body = new JsonObject
        {
            ["event"] = new JsonObject
            {
                ["id"] = "01DEN8XQZ4KX9N0A2YAEJ8ZKJ0",
                ["event_type"] = "incident.acknowledged",
                ["resource_type"] = "incident",
                ["occurred_at"] = s.Stack.Time.GetUtcNow().ToString("O"),
                ["agent"] = new JsonObject { ["type"] = "user_reference", ["summary"] = "Bob Engineer" },
                ["data"] = new JsonObject
                {
                    ["id"] = "Q1ABCDEF",
                    ["type"] = "incident",
                    ["incident_key"] = incident.DedupKey,
                    ["status"] = "acknowledged",
                    ["title"] = incident.Summary,
                },
            },
        }.ToJsonString();
        var signer = new Alerting.Core.Notify.PagerDuty.PagerDutyWebhookVerifier(EscalationScenario.PagerDutyWebhookSecret);

        Assert.Equal(HttpStatusCode.Unauthorized, await PostPagerDutyAsync(s, body, "v1=" + new string('0', 64)));
        Assert.Equal("firing", (await s.OpenAlertsAsync()).Single()!["status"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, await PostPagerDutyAsync(s, body, signer.Sign(Encoding.UTF8.GetBytes(body))));
        await s.Stack.DrainAsync();
        var open = (await s.OpenAlertsAsync()).Single()!;
        Assert.Equal("acknowledged", open["status"]!.GetValue<string>());
        Assert.Equal("Bob Engineer", open["by"]!.GetValue<string>());
        Assert.Equal("pagerduty", Assert.Single(await s.HistoryAsync())!["how"]!.GetValue<string>());
        Assert.Contains("Bob Engineer", Assert.Single(s.Stack.Slack.ChatMessages).Blocks!.ToJsonString(), StringComparison.Ordinal);

        await s.RunUntilAsync(TimeSpan.FromMinutes(16));
        Assert.Empty(s.IncidentsFor(EscalationScenario.ManagerKey));
    }

    private static async Task<HttpStatusCode> PostPagerDutyAsync(EscalationScenario s, string body, string signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/pagerduty/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-PagerDuty-Signature", signature);
        using var response = await s.Stack.Http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task Acknowledging_from_the_web_page_in_Chromium_updates_Slack_and_stops_the_manager_page()
    {
        await using var s = await EscalationScenario.StartAsync(slackBot: true);
        await s.FireAsync();
        await s.RunUntilAsync(TimeSpan.FromMinutes(7));
        Assert.Single(s.IncidentsFor(EscalationScenario.EngineerKey));

        // An annotation anyone who can push alerts controls: the page must show it as text.
        const string hostile = "<img src=x onerror=\"window.__xss = 1\"> disk full";
        var extra = new JsonArray(new JsonObject
        {
            ["labels"] = new JsonObject { ["alertname"] = "DiskFull", ["severity"] = "info", ["instance"] = "vyx-user-3" },
            ["annotations"] = new JsonObject { ["summary"] = hostile },
        });
        using (var posted = await s.Stack.Http.PostAsync("api/v2/alerts?code=local-function-key", new StringContent(extra.ToJsonString(), Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        }
        await s.Stack.DrainAsync();

        await using var browser = await HeadlessChromium.StartAsync();
        await using var tab = await browser.NewPageAsync();
        var page = tab.Page;
        await page.GotoAsync(new Uri(s.Stack.Host.BaseAddress, "api/ui?code=local-function-key").ToString());
        var row = page.Locator($"li.alert[data-alert-id=\"{s.AlertId}\"]");
        await Expect(row).ToHaveAttributeAsync("data-status", "firing");
        await Expect(row.Locator("a.alertname")).ToHaveTextAsync("TradingEngineDown");
        await Expect(page.Locator("li.alert .summary").Filter(new() { HasText = "disk full" })).ToHaveTextAsync(hostile);
        Assert.False(await page.EvaluateAsync<bool>("() => window.__xss === 1"));
        // Critical alerts are listed before informational ones.
        await Expect(page.Locator("section.severity").First).ToHaveAttributeAsync("data-severity", "critical");
        await page.GetByLabel("Your name").FillAsync("carol");
        await page.GetByLabel("Your name").PressAsync("Tab");
        await row.GetByRole(AriaRole.Button, new() { Name = "Acknowledge TradingEngineDown on vyx-user-7" }).ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-status", "acknowledged");
        Assert.Empty(tab.Errors);

        await s.Stack.DrainAsync();
        var message = Assert.Single(s.Stack.Slack.ChatMessages);
        Assert.True(message.Updates >= 1, "the Slack message should have been updated");
        Assert.Contains("carol", message.Blocks!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("acknowledged", Assert.Single(s.IncidentsFor(EscalationScenario.EngineerKey)).Status);

        await s.RunUntilAsync(TimeSpan.FromMinutes(16));
        Assert.Empty(s.IncidentsFor(EscalationScenario.ManagerKey));
        var ack = Assert.Single(await s.HistoryAsync())!;
        Assert.Equal("web", ack["how"]!.GetValue<string>());
        Assert.Equal("carol", ack["who"]!.GetValue<string>());
    }

    private static async Task<HttpStatusCode> PostInteractionAsync(EscalationScenario s, string body, string timestamp, string signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/slack/interactions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Add(SlackRequestVerifier.TimestampHeader, timestamp);
        request.Headers.Add(SlackRequestVerifier.SignatureHeader, signature);
        using var response = await s.Stack.Http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>What Slack posts when alice clicks the button: a form with one JSON <c>payload</c> field.</summary>
    private static string InteractionBody(string alertId, string channel, string ts)
    {
        var payload = new JsonObject
        {
            ["type"] = "block_actions",
            ["user"] = new JsonObject { ["id"] = "U01ALICE", ["username"] = "alice", ["name"] = "alice", ["team_id"] = "T0000FAKE" },
            ["api_app_id"] = "A0000FAKE",
            ["container"] = new JsonObject { ["type"] = "message", ["message_ts"] = ts, ["channel_id"] = channel, ["is_ephemeral"] = false },
            ["trigger_id"] = "1234.5678.abcd",
            ["channel"] = new JsonObject { ["id"] = channel, ["name"] = "incidents" },
            ["response_url"] = "https://hooks.slack.com/actions/T0000FAKE/1/xyz",
            ["actions"] = new JsonArray(new JsonObject
            {
                ["type"] = "button",
                ["action_id"] = SlackMessageBuilder.AcknowledgeActionId,
                ["block_id"] = SlackMessageBuilder.ActionsBlockId,
                ["value"] = alertId,
                ["action_ts"] = "1700000000.000200",
            }),
        };
        return "payload=" + Uri.EscapeDataString(payload.ToJsonString());
    }

    private static JsonObject FindButton(JsonArray blocks, string actionId) =>
        blocks.OfType<JsonObject>()
            .Where(b => b["type"]?.GetValue<string>() == "actions")
            .SelectMany(b => b["elements"]!.AsArray().OfType<JsonObject>())
            .FirstOrDefault(e => e["action_id"]?.GetValue<string>() == actionId)
            ?? throw new InvalidOperationException($"no button {actionId}");
}
