using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Alerting.Integration.Tests.Web;

/// <summary>The console's read API: what it answers, and how it answers bad requests.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleApiTests(ConsoleFixture f)
{
    [Fact]
    public async Task Open_alerts_carry_the_app_clock_operator_state_and_the_silences_muting_them()
    {
        var body = (await f.Http.GetFromJsonAsync<JsonObject>($"api/console/alerts?code={ConsoleFixture.Key}"))!;

        Assert.Equal(f.Scenario.Stack.Time.GetUtcNow(), body["now"]!.GetValue<DateTimeOffset>());
        var alerts = body["alerts"]!.AsArray().OfType<JsonObject>().ToArray();
        // Most severe first, as the page groups them.
        Assert.Equal("critical", alerts[0]["severity"]!.GetValue<string>());
        Assert.Equal("info", alerts[^1]["severity"]!.GetValue<string>());
        var trading = alerts.Single(a => a["id"]!.GetValue<string>() == f.TradingAlertId);
        Assert.Equal("critical", trading["policy"]!.GetValue<string>());
        Assert.Equal("vyx-user-7", trading["labels"]!["instance"]!.GetValue<string>());
        Assert.Equal(f.FiringSince, trading["startsAt"]!.GetValue<DateTimeOffset>());
        Assert.NotNull(trading["silencedBy"]!.AsArray());
    }

    [Fact]
    public async Task An_alert_detail_has_its_escalation_timeline_from_the_planner()
    {
        var body = (await f.Http.GetFromJsonAsync<JsonObject>($"api/console/alerts/{f.TradingAlertId}?code={ConsoleFixture.Key}"))!;

        var escalation = body["escalation"]!;
        Assert.Equal("critical", escalation["policy"]!.GetValue<string>());
        Assert.Equal(2, escalation["stepsDone"]!.GetValue<int>());
        Assert.Equal(f.FiringSince + TimeSpan.FromMinutes(15), escalation["nextAt"]!.GetValue<DateTimeOffset>());
        var steps = escalation["steps"]!.AsArray();
        Assert.Equal(["done", "done", "next", "upcoming"], steps.Select(s => s!["state"]!.GetValue<string>()).ToArray());
        Assert.Equal("oncall:manager", steps[2]!["targets"]![0]!["target"]!.GetValue<string>());
        Assert.True(escalation["slackMessages"]!.GetValue<int>() >= 1);
    }

    [Theory]
    [InlineData("api/console/alerts/0123456789abcdef", HttpStatusCode.NotFound, "no alert with id 0123456789abcdef")]
    [InlineData("api/console/alerts/x", HttpStatusCode.NotFound, "no alert with id x")]
    [InlineData("api/console/alerts/%27%20or%201%3D1", HttpStatusCode.NotFound, "no alert with id ' or 1=1")]
    [InlineData("api/console/silences/preview", HttpStatusCode.BadRequest, "give at least one filter")]
    [InlineData("api/console/silences/preview?filter=alertname%3D~%22(%22", HttpStatusCode.BadRequest, "bad matcher alertname=~\"(\"")]
    [InlineData("api/console/silences/preview?filter=%3D%3D%3D", HttpStatusCode.BadRequest, "bad matcher ===")]
    public async Task Bad_requests_get_a_4xx_with_a_message_a_person_understands(string path, HttpStatusCode status, string message)
    {
        using var response = await f.Http.GetAsync($"{path}{(path.Contains('?', StringComparison.Ordinal) ? "&" : "?")}code={ConsoleFixture.Key}");

        Assert.Equal(status, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.GetValue<string>();
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_preview_lists_the_open_alerts_all_matchers_select()
    {
        var filter = Uri.EscapeDataString("severity=~\"crit.*\"") + "&filter=" + Uri.EscapeDataString("instance!=\"vyx-user-2\"");
        var body = (await f.Http.GetFromJsonAsync<JsonObject>($"api/console/silences/preview?filter={filter}&code={ConsoleFixture.Key}"))!;

        var names = body["alerts"]!.AsArray().Select(a => a!["alertname"]!.GetValue<string>()).ToArray();
        Assert.Equal(["TradingEngineDown"], names);
    }

    [Fact]
    public async Task Health_reports_jobs_rule_groups_queues_and_config()
    {
        var body = (await f.Http.GetFromJsonAsync<JsonObject>($"api/console/health?code={ConsoleFixture.Key}"))!;

        var node = body["scrape"]!["jobs"]!.AsArray().Single(j => j!["job"]!.GetValue<string>() == "node")!;
        Assert.Equal(1, node["up"]!.GetValue<int>());
        Assert.Equal(f.Scenario.Stack.Time.GetUtcNow(), body["scrape"]!["lastScrape"]!.GetValue<DateTimeOffset>());
        Assert.NotEmpty(body["rules"]!["groups"]!.AsArray());
        Assert.Equal(f.Scenario.Stack.Time.GetUtcNow(), body["rules"]!["lastEvaluation"]!.GetValue<DateTimeOffset>());
        Assert.Equal(["alerts", "notifications", "escalations", "scrapes", "evaluations"], body["queues"]!.AsArray().Select(q => q!["name"]!.GetValue<string>()).ToArray());
        Assert.All(body["queues"]!.AsArray(), q => Assert.Equal(0, q!["poison"]!.GetValue<int>()));
        Assert.Equal("ok", body["config"]!["alertmanager"]!.GetValue<string>());
        Assert.Equal("ok", body["config"]!["onCall"]!.GetValue<string>());
    }

    [Fact]
    public async Task Escalation_emails_carry_the_acknowledge_button_inside_the_card_and_on_call_pages_are_compact()
    {
        var emails = (await f.Scenario.Stack.Mail.EmailsAsync()).OfType<JsonObject>().ToArray();
        static string To(JsonObject e) => e["to"]!.AsArray()[0]!["address"]!.GetValue<string>();
        static string Html(JsonObject e) => e["html"]?.GetValue<string>() ?? string.Empty;

        // Step 1 went to the team's email receiver: Alertmanager's card with the button beside "View in Alertmanager".
        var team = emails.First(e => To(e) == "reliability@team.local" && Html(e).Contains("/api/links/acknowledge", StringComparison.Ordinal));
        var html = Html(team);
        var view = html.IndexOf("class=\"btn-primary\"", StringComparison.Ordinal);
        var ack = html.IndexOf("class=\"btn-acknowledge\"", StringComparison.Ordinal);
        Assert.InRange(ack, view + 1, html.IndexOf("[1] Firing", StringComparison.Ordinal));

        // Step 2 paged the engineer on call: the compact variant, with the link in both bodies.
        var page = emails.First(e => To(e).EndsWith("@team.local", StringComparison.Ordinal) && To(e) != "reliability@team.local");
        Assert.Contains("btn-acknowledge", Html(page), StringComparison.Ordinal);
        Assert.DoesNotContain("btn-primary", Html(page), StringComparison.Ordinal);
        Assert.Contains("Trading engine on vyx-user-7 is down", Html(page), StringComparison.Ordinal);
        Assert.Contains("Acknowledge: http://alerting.test/api/links/acknowledge?token=", page["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
