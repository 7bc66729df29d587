using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Integration.Tests.Escalation;

namespace Alerting.Integration.Tests.Web;

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}

/// <summary>
/// One running product for every console test: seed 001's escalation of TradingEngineDown (critical,
/// vyx-user-7) run to T+7 min with the on-call file, three more alerts of each severity, a pending and an
/// expired silence, one scrape and evaluation for the health view, and one headless Chromium. Each test
/// acts on its own alert, so the tests do not depend on their order.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string Key = "local-function-key";

    /// <summary>An annotation anyone who can push alerts controls: the page must show it as text.</summary>
    public const string HostileSummary = "<img src=x onerror=\"window.__xss = 1\"> disk full on /var";

    internal EscalationScenario Scenario { get; private set; } = null!;

    public HeadlessChromium Browser { get; private set; } = null!;

    public HttpClient Http => Scenario.Stack.Http;

    public string TradingAlertId => Scenario.AlertId;

    public DateTimeOffset FiringSince => Scenario.T0;

    public IReadOnlyDictionary<string, string> Ids { get; private set; } = new Dictionary<string, string>();

    public Uri Url(string hash = "") => new(Scenario.Stack.Host.BaseAddress, $"api/ui?code={Key}{hash}");

    public async Task InitializeAsync()
    {
        Scenario = await EscalationScenario.StartAsync(slackBot: true);
        await Scenario.FireAsync();
        await Scenario.RunUntilAsync(TimeSpan.FromMinutes(6));

        var now = Scenario.Stack.Time.GetUtcNow();
        await PostAlertsAsync(
            Alert("PaymentsLatencyHigh", "critical", "vyx-user-2", "p99 latency of payments is above 2 s", now),
            Alert("DiskFull", "warning", "vyx-user-3", HostileSummary, now),
            Alert("CertificateExpiry", "info", "vyx-user-1", "TLS certificate expires in 10 days", now));
        // Past group_wait: the info alert's group (not escalated) is flushed to the team's email and Slack.
        Scenario.Stack.Time.Advance(TimeSpan.FromMinutes(1));
        await Scenario.FireAsync();
        await Scenario.Stack.Host.InvokeTimerAsync("Scrape");
        await Scenario.Stack.Host.DrainQueuesAsync(maxPasses: 3);
        await Scenario.Stack.Host.InvokeTimerAsync("Evaluate");
        await Scenario.Stack.DrainAsync();

        var open = (await Http.GetFromJsonAsync<JsonObject>($"api/console/alerts?code={Key}"))!["alerts"]!.AsArray();
        Ids = open.ToDictionary(a => a!["alertname"]!.GetValue<string>(), a => a!["id"]!.GetValue<string>());

        var at = Scenario.Stack.Time.GetUtcNow();
        await PostSilenceAsync("job", "nightly-backup", at + TimeSpan.FromHours(1), at + TimeSpan.FromHours(3), "dana", "Planned maintenance of the backup job");
        var old = await PostSilenceAsync("instance", "vyx-user-9", at - TimeSpan.FromMinutes(30), at + TimeSpan.FromHours(1), "erin", "Machine being rebuilt");
        using (var expired = await Http.DeleteAsync($"api/v2/silence/{old}?code={Key}"))
        {
            Assert.Equal(HttpStatusCode.OK, expired.StatusCode);
        }

        Browser = await HeadlessChromium.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        if (Scenario is not null)
        {
            await Scenario.DisposeAsync();
        }
    }

    public async Task<JsonArray> SilencesAsync() => (await Http.GetFromJsonAsync<JsonArray>($"api/v2/silences?code={Key}"))!;

    private static JsonObject Alert(string name, string severity, string instance, string summary, DateTimeOffset now) => new()
    {
        ["labels"] = new JsonObject { ["alertname"] = name, ["severity"] = severity, ["instance"] = instance, ["job"] = "fly-machines" },
        ["annotations"] = new JsonObject { ["summary"] = summary, ["runbook_url"] = $"https://runbooks.example/{name.ToLowerInvariant()}" },
        ["startsAt"] = now.ToString("O"),
        ["endsAt"] = (now + TimeSpan.FromHours(2)).ToString("O"),
    };

    private async Task PostAlertsAsync(params JsonObject[] alerts)
    {
        using var response = await Http.PostAsync($"api/v2/alerts?code={Key}", new StringContent(new JsonArray(alerts).ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Scenario.Stack.DrainAsync();
    }

    private async Task<string> PostSilenceAsync(string label, string value, DateTimeOffset startsAt, DateTimeOffset endsAt, string by, string comment)
    {
        var body = new JsonObject
        {
            ["matchers"] = new JsonArray(new JsonObject { ["name"] = label, ["value"] = value, ["isRegex"] = false, ["isEqual"] = true }),
            ["startsAt"] = startsAt.ToString("O"),
            ["endsAt"] = endsAt.ToString("O"),
            ["createdBy"] = by,
            ["comment"] = comment,
        };
        using var response = await Http.PostAsync($"api/v2/silences?code={Key}", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["silenceID"]!.GetValue<string>();
    }
}
