using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Alerting.Core.Notify.PagerDuty;
using Alerting.Core.Tests;
using Alerting.Fakes;
using Alerting.Functions.Notify;
using Alerting.Integration.Tests.Infrastructure;
using Alerting.Integration.Tests.Notify;

namespace Alerting.Integration.Tests.Escalation;

/// <summary>
/// The seed-001 escalation matrix on the whole product: rules/escalation.yml unchanged, an on-call file
/// whose engineers and managers page through their own PagerDuty routing keys, the reliability team on
/// email (MailDev) and Slack (the fake), PagerDuty on its fake, and the application clock in the test's
/// hands. The alert is re-sent every minute as Prometheus does while it fires.
/// </summary>
internal sealed partial class EscalationScenario : IAsyncDisposable
{
    public const string EngineerKey = "EngineerRoutingKeyForTheFake0001";
    public const string ManagerKey = "ManagerRoutingKeyForTheFake00001";
    public const string SigningSecret = "8f742231b10e8888abcd99yyyzzz85a5";
    public const string PagerDutyWebhookSecret = "pd-webhook-secret-for-the-scenario";

    private EscalationScenario(AlertingStack stack, PagerDutyFake pagerDuty)
    {
        Stack = stack;
        PagerDuty = pagerDuty;
    }

    public AlertingStack Stack { get; }

    public PagerDutyFake PagerDuty { get; }

    public DateTimeOffset T0 { get; private set; }

    public string AlertId { get; private set; } = string.Empty;

    public static async Task<EscalationScenario> StartAsync(bool slackBot = false, string? hostJson = null)
    {
        var pagerDuty = await PagerDutyTestKit.StartFakeAsync();
        var dir = Directory.CreateTempSubdirectory("escalation-").FullName;
        var onCall = Path.Combine(dir, "oncall.yml");
        await File.WriteAllTextAsync(onCall, $$"""
            people:
              alice: { email: alice@team.local, pagerduty: {{EngineerKey}} }
              bob:   { email: bob@team.local,   pagerduty: {{EngineerKey}} }
              carol: { email: carol@team.local, pagerduty: {{EngineerKey}} }
              dana:  { email: dana@team.local,  pagerduty: {{ManagerKey}} }
              erin:  { email: erin@team.local,  pagerduty: {{ManagerKey}} }
            schedules:
              - name: reliability
                time_zone: Europe/London
                layers:
                  - { role: engineer, participants: [alice, bob, carol], start: 2026-01-05, handoff: { day: monday, time: "09:00" }, length: 1w }
                  - { role: manager, participants: [dana, erin], start: 2026-01-05, handoff: { day: monday, time: "09:00" }, length: 2w }
            """);
        var settings = new Dictionary<string, string?>
        {
            ["Alerting:EscalationPolicyPath"] = Path.Combine(TestPaths.RepoRoot, "rules", "escalation.yml"),
            ["Alerting:OnCallPath"] = onCall,
            ["Alerting:LinkSigningKey"] = "test-link-signing-key-of-at-least-32-bytes!",
            ["Alerting:PagerDutyEventsUrl"] = pagerDuty.EventsUrl,
            ["Alerting:SlackSigningSecret"] = SigningSecret,
            ["Alerting:PagerDutyWebhookSecret"] = PagerDutyWebhookSecret,
        };
        AlertingStack? stack = null;
        stack = await AlertingStack.StartAsync([], alertmanagerYaml: null, settings: settings, hostJson: hostJson, configure: s =>
        {
            if (slackBot)
            {
                settings["Alerting:SlackBotToken"] = SlackFakeOptions.DefaultBotToken;
                settings["Alerting:SlackApiUrl"] = new Uri(s.Slack.BaseAddress, "api/").ToString();
            }
        });
        return new EscalationScenario(stack, pagerDuty);
    }

    /// <summary>Sends the critical alert as Prometheus would (ends in 4 minutes unless re-sent) and processes the queues.</summary>
    public Task FireAsync() => SendAsync(resolved: false);

    /// <summary>Sends the alert as resolved (Prometheus' last message for it) and processes the queues.</summary>
    public Task ResolveAsync() => SendAsync(resolved: true);

    private async Task SendAsync(bool resolved)
    {
        var now = Stack.Time.GetUtcNow();
        if (T0 == default)
        {
            T0 = now;
        }
        var body = new JsonArray(new JsonObject
        {
            ["labels"] = new JsonObject { ["alertname"] = "TradingEngineDown", ["severity"] = "critical", ["instance"] = "vyx-user-7", ["job"] = "fly-machines" },
            ["annotations"] = new JsonObject { ["summary"] = "Trading engine on vyx-user-7 is down", ["runbook_url"] = "https://runbooks.example/trading-down" },
            ["startsAt"] = T0.ToString("O"),
            ["endsAt"] = (resolved ? now : now + TimeSpan.FromMinutes(4)).ToString("O"),
        });
        using var response = await Stack.Http.PostAsync("api/v2/alerts?code=local-function-key", new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Stack.DrainAsync();
        if (AlertId.Length == 0)
        {
            var open = await OpenAlertsAsync();
            AlertId = open.Single()!["id"]!.GetValue<string>();
        }
    }

    /// <summary>Runs the clock minute by minute up to T0 + <paramref name="offset"/>, re-sending the alert each minute.</summary>
    public async Task RunUntilAsync(TimeSpan offset)
    {
        while (Stack.Time.GetUtcNow() < T0 + offset)
        {
            Stack.Time.Advance(TimeSpan.FromMinutes(1));
            await FireAsync();
        }
    }

    public async Task<JsonArray> OpenAlertsAsync() =>
        (await Stack.Http.GetFromJsonAsync<JsonObject>("api/alerts/open?code=local-function-key"))!["alerts"]!.AsArray();

    public async Task<JsonArray> HistoryAsync() =>
        (await Stack.Http.GetFromJsonAsync<JsonObject>($"api/alerts/{AlertId}/history?code=local-function-key"))!["history"]!.AsArray();

    public string DedupKey(string routingKey) => IncidentMessenger.DedupKey(AlertId, routingKey);

    public IReadOnlyList<PagerDutyIncident> IncidentsFor(string routingKey) =>
        PagerDuty.Incidents.Where(i => i.DedupKey == DedupKey(routingKey)).ToArray();

    /// <summary>The signed Acknowledge link in the first escalation email, pointed at the local host.</summary>
    public async Task<string> AcknowledgeLinkAsync()
    {
        var emails = await Stack.Mail.EmailsAsync();
        var html = emails.OfType<JsonObject>().Select(e => e["html"]?.GetValue<string>() ?? string.Empty).First(h => h.Contains("/api/links/acknowledge", StringComparison.Ordinal));
        var href = WebUtility.HtmlDecode(LinkPattern().Match(html).Groups[1].Value);
        return href.Replace("http://alerting.test/", Stack.Host.BaseAddress.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The first recipient address of every email MailDev received.</summary>
    public async Task<IReadOnlyList<string>> EmailRecipientsAsync() =>
        (await Stack.Mail.EmailsAsync()).OfType<JsonObject>()
            .Select(e => e["to"]?.AsArray().FirstOrDefault()?["address"]?.GetValue<string>() ?? string.Empty)
            .ToArray();

    [GeneratedRegex("href=\"([^\"]*/api/links/acknowledge\\?token=[^\"]*)\"")]
    private static partial Regex LinkPattern();

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
        await PagerDuty.DisposeAsync();
    }
}
