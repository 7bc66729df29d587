using System.Net;
using System.Net.Http.Json;
using Alerting.Core.Tests;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Escalation;

/// <summary>
/// Seed 001's matrix end to end: T+0 the reliability team (email with an Acknowledge link), T+5 the
/// engineer on call is paged, T+15 the manager; an acknowledge at T+7 stops the manager step and
/// acknowledges the PagerDuty incident.
/// </summary>
public sealed class Seed001EscalationTests
{
    [Fact]
    public async Task Acknowledging_from_the_email_link_at_T7_stops_the_manager_page_and_updates_Slack_and_PagerDuty()
    {
        await using var s = await EscalationScenario.StartAsync(slackBot: true);
        await s.FireAsync();
        var posted = Assert.Single(s.Stack.Slack.ChatMessages);

        // T+0: the reliability team's email, with the signed link; nobody paged yet.
        var subjects = await s.Stack.EmailSubjectsAsync();
        Assert.Single(subjects);
        Assert.Contains("TradingEngineDown", subjects[0], StringComparison.Ordinal);
        Assert.Empty(s.PagerDuty.Incidents);

        await s.RunUntilAsync(TimeSpan.FromMinutes(4));
        Assert.Empty(s.PagerDuty.Incidents);

        // T+5: the engineer's page.
        await s.RunUntilAsync(TimeSpan.FromMinutes(5));
        var engineer = Assert.Single(s.IncidentsFor(EscalationScenario.EngineerKey));
        Assert.Equal("triggered", engineer.Status);
        Assert.Contains("TradingEngineDown", engineer.Summary, StringComparison.Ordinal);

        // T+7: the operator opens the link (a GET changes nothing) and confirms.
        await s.RunUntilAsync(TimeSpan.FromMinutes(7));
        var link = await s.AcknowledgeLinkAsync();
        var token = new Uri(link).Query.Split("token=")[1];
        using (var page = await s.Stack.Http.GetAsync(link))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<form method=\"post\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal("firing", (await s.OpenAlertsAsync()).Single()!["status"]!.GetValue<string>());
        using (var confirm = await s.Stack.Http.PostAsync(link.Split('?')[0], new FormUrlEncodedContent([new("token", Uri.UnescapeDataString(token)), new("who", "alice")])))
        {
            Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        }
        await s.Stack.DrainAsync();
        var open = (await s.OpenAlertsAsync()).Single()!;
        Assert.Equal("acknowledged", open["status"]!.GetValue<string>());
        Assert.Equal("alice", open["by"]!.GetValue<string>());
        Assert.Equal("acknowledged", Assert.Single(s.IncidentsFor(EscalationScenario.EngineerKey)).Status);
        var updated = Assert.Single(s.Stack.Slack.ChatMessages);
        Assert.Equal(posted.Ts, updated.Ts);
        Assert.True(updated.Updates >= 1, "the Slack message should have been updated in place");
        Assert.Contains("alice", updated.Blocks!.ToJsonString(), StringComparison.Ordinal);

        // A second use of the same link is refused and changes nothing.
        using (var again = await s.Stack.Http.PostAsync(link.Split('?')[0], new FormUrlEncodedContent([new("token", Uri.UnescapeDataString(token))])))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        }

        // T+16: the manager step is past due, and nobody pages the manager.
        await s.RunUntilAsync(TimeSpan.FromMinutes(16));
        Assert.Empty(s.IncidentsFor(EscalationScenario.ManagerKey));
        Assert.Single(s.PagerDuty.Incidents);
        // Email went to the team at T+0 and to the engineer at T+5; none to the managers.
        var recipients = await s.EmailRecipientsAsync();
        Assert.DoesNotContain(recipients, r => r is "dana@team.local" or "erin@team.local");
        Assert.Equal(2, recipients.Count);
        Assert.Contains("reliability@team.local", recipients);

        var history = await s.HistoryAsync();
        var ack = Assert.Single(history);
        Assert.Equal("acknowledge", ack!["action"]!.GetValue<string>());
        Assert.Equal("alice", ack["who"]!.GetValue<string>());
        Assert.Equal("email", ack["how"]!.GetValue<string>());
        Assert.Equal("firing", ack["from"]!.GetValue<string>());
        Assert.Equal("acknowledged", ack["to"]!.GetValue<string>());
    }

    [Fact]
    public async Task Without_an_acknowledge_the_manager_is_paged_at_T15()
    {
        await using var s = await EscalationScenario.StartAsync();
        await s.FireAsync();
        await s.RunUntilAsync(TimeSpan.FromMinutes(14));
        Assert.Empty(s.IncidentsFor(EscalationScenario.ManagerKey));
        await s.RunUntilAsync(TimeSpan.FromMinutes(15));
        Assert.Single(s.IncidentsFor(EscalationScenario.EngineerKey));
        Assert.Equal("triggered", Assert.Single(s.IncidentsFor(EscalationScenario.ManagerKey)).Status);
    }

    [Fact]
    public async Task Forged_and_tampered_links_get_401_and_change_nothing()
    {
        await using var s = await EscalationScenario.StartAsync();
        await s.FireAsync();
        var link = await s.AcknowledgeLinkAsync();
        var url = link.Split('?')[0];
        var token = Uri.UnescapeDataString(new Uri(link).Query.Split("token=")[1]);
        var tampered = token[..^3] + (token[^3] == 'A' ? "BBB" : "AAA");
        foreach (var bad in new[] { tampered, "v1.Zm9v.acknowledge.9999999999.nonce.c2ln", "not-a-token" })
        {
            using var get = await s.Stack.Http.GetAsync(url + "?token=" + Uri.EscapeDataString(bad));
            Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);
            using var post = await s.Stack.Http.PostAsync(url, new FormUrlEncodedContent([new("token", bad)]));
            Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
        }
        // Expired: the link is valid for 24 hours of application time.
        s.Stack.Time.Advance(TimeSpan.FromHours(25));
        using (var expired = await s.Stack.Http.PostAsync(url, new FormUrlEncodedContent([new("token", token)])))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
            Assert.Contains("expired", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Empty(await s.HistoryAsync());
    }

    [Fact]
    public async Task The_operator_API_acknowledges_and_reports_unknown_ids_and_bad_requests()
    {
        await using var s = await EscalationScenario.StartAsync();
        await s.FireAsync();
        var api = $"api/alerts/{s.AlertId}";
        using (var noKey = await s.Stack.Http.PostAsync($"{api}/acknowledge", JsonContent.Create(new { who = "bob" })))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        }
        using (var unknown = await s.Stack.Http.PostAsync("api/alerts/0123456789abcdef/acknowledge?code=local-function-key", JsonContent.Create(new { who = "bob" })))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }
        using (var malformed = await s.Stack.Http.PostAsync($"{api}/acknowledge?code=local-function-key", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        }
        using (var ack = await s.Stack.Http.PostAsync($"{api}/acknowledge?code=local-function-key", JsonContent.Create(new { who = "bob", note = "looking" })))
        {
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        }
        using (var twice = await s.Stack.Http.PostAsync($"{api}/acknowledge?code=local-function-key", JsonContent.Create(new { who = "bob" })))
        {
            Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        }
        using (var unack = await s.Stack.Http.PostAsync($"{api}/unacknowledge?code=local-function-key", JsonContent.Create(new { who = "bob" })))
        {
            Assert.Equal(HttpStatusCode.OK, unack.StatusCode);
        }
        // Un-acknowledged before T+5: the chain resumes and the engineer is paged on time.
        await s.RunUntilAsync(TimeSpan.FromMinutes(5));
        Assert.Single(s.IncidentsFor(EscalationScenario.EngineerKey));
        using (var silence = await s.Stack.Http.PostAsync($"{api}/silence?code=local-function-key", JsonContent.Create(new { who = "bob" })))
        {
            Assert.Equal(HttpStatusCode.OK, silence.StatusCode);
        }
        await s.RunUntilAsync(TimeSpan.FromMinutes(16));
        Assert.Empty(s.IncidentsFor(EscalationScenario.ManagerKey));
        var silences = await s.Stack.Http.GetFromJsonAsync<System.Text.Json.Nodes.JsonArray>("api/v2/silences?code=local-function-key");
        Assert.Equal("bob", Assert.Single(silences!)!["createdBy"]!.GetValue<string>());
        var actions = (await s.HistoryAsync()).Select(h => h!["action"]!.GetValue<string>()).ToArray();
        Assert.Equal(["acknowledge", "unacknowledge", "silence"], actions);
    }

    [Fact]
    public async Task A_crash_between_the_page_and_its_log_does_not_page_twice_after_restart()
    {
        // Failed messages come back after one second instead of thirty.
        var hostJson = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "host.json")).Replace("\"00:00:30\"", "\"00:00:01\"", StringComparison.Ordinal);
        await using var s = await EscalationScenario.StartAsync(hostJson: hostJson);
        await s.FireAsync();
        await s.RunUntilAsync(TimeSpan.FromMinutes(4));

        // PagerDuty opens the incident, then the connection dies before the answer: the app never
        // learns the page went out and never records it; then it restarts on the same storage.
        s.PagerDuty.DropAfterAccepting(1);
        await s.RunUntilAsync(TimeSpan.FromMinutes(5));
        Assert.Single(s.IncidentsFor(EscalationScenario.EngineerKey));
        await s.Stack.RestartHostAsync();

        // The step message the crash left behind comes back after its visibility timeout (1 s of real
        // time) and re-sends the trigger: wait for that second event at PagerDuty, not for a guessed time.
        await s.Stack.DrainUntilAsync("the step left by the crash to be redelivered and re-trigger PagerDuty",
            () => s.IncidentsFor(EscalationScenario.EngineerKey).Sum(i => i.Events) >= 2, timeout: TimeSpan.FromSeconds(30));
        await s.RunUntilAsync(TimeSpan.FromMinutes(8));

        // The step was retried (a second trigger reached PagerDuty) but joined the open incident: one page.
        var incident = Assert.Single(s.IncidentsFor(EscalationScenario.EngineerKey));
        Assert.Equal("triggered", incident.Status);
        Assert.True(incident.Events >= 2, $"the step should have been retried after the crash (events: {incident.Events})");
        Assert.Single(s.PagerDuty.Incidents);
    }

    [Fact]
    public async Task A_snooze_defers_the_due_pages_until_it_ends()
    {
        await using var s = await EscalationScenario.StartAsync();
        await s.FireAsync();
        await s.RunUntilAsync(TimeSpan.FromMinutes(2));
        var until = s.T0 + TimeSpan.FromMinutes(10);
        using (var snooze = await s.Stack.Http.PostAsync($"api/alerts/{s.AlertId}/snooze?code=local-function-key", JsonContent.Create(new { who = "bob", until })))
        {
            Assert.Equal(HttpStatusCode.OK, snooze.StatusCode);
        }
        Assert.Equal("snoozed", (await s.OpenAlertsAsync()).Single()!["status"]!.GetValue<string>());

        // The engineer's T+5 page waits for the snooze to end at T+10, then goes out.
        await s.RunUntilAsync(TimeSpan.FromMinutes(9));
        Assert.Empty(s.PagerDuty.Incidents);
        await s.RunUntilAsync(TimeSpan.FromMinutes(11));
        Assert.Single(s.IncidentsFor(EscalationScenario.EngineerKey));
        Assert.Equal("firing", (await s.OpenAlertsAsync()).Single()!["status"]!.GetValue<string>());

        // A snooze without an end in the future is refused.
        using (var bad = await s.Stack.Http.PostAsync($"api/alerts/{s.AlertId}/snooze?code=local-function-key", JsonContent.Create(new { who = "bob" })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }
    }
}
