using System.Text.Json.Nodes;
using Alerting.DemoFleet;
using Alerting.Fakes.MsTeamsV2;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Parity;

/// <summary>
/// msteamsv2_configs arrived in Alertmanager 0.28, so the Debian 0.25 cannot run them: the app's group flush
/// is compared with the message 0.28's notifier (notify/msteamsv2) posts, written out here field by field,
/// for a firing and then a resolved group, and the default title is 0.28's.
/// </summary>
public sealed class MsTeamsV2PayloadTests : IAsyncLifetime
{
    private AlertingStack _stack = null!;
    private TeamsWorkflowFake _teams = null!;

    private static readonly string Templates = Path.Combine(Alerting.Core.Tests.TestPaths.RepoRoot, "rules", "templates", "default.tmpl");

    private static string Config(string url) => $$$"""
        templates:
          - '{{{Templates}}}'
        route:
          receiver: 'ops'
          group_by: ['alertname']
          group_wait: 1s
          group_interval: 1s
          repeat_interval: 4h
        receivers:
          - name: 'ops'
            msteamsv2_configs:
              - webhook_url: '{{{url}}}'
                title: '{{ .Status }}: {{ .CommonLabels.alertname }} <{{ .Alerts | len }}> & "x"'
                text: '{{ range .Alerts }}{{ .Labels.instance }} {{ end }}'
              - webhook_url: '{{{url}}}'
                send_resolved: false
        """;

    /// <summary>0.28's teamsMessage, as its Go structs encode it: the misspelt "weigth", no wrap on the text block, a null contentUrl.</summary>
    private static string Expected(string title, string text, string color) => new JsonObject
    {
        ["type"] = "message",
        ["attachments"] = new JsonArray(new JsonObject
        {
            ["contentType"] = "application/vnd.microsoft.card.adaptive",
            ["contentUrl"] = null,
            ["content"] = new JsonObject
            {
                ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
                ["type"] = "AdaptiveCard",
                ["version"] = "1.2",
                ["body"] = new JsonArray(
                    new JsonObject { ["type"] = "TextBlock", ["text"] = title, ["weigth"] = "Bolder", ["size"] = "Medium", ["wrap"] = true, ["style"] = "heading", ["color"] = color },
                    new JsonObject { ["type"] = "TextBlock", ["text"] = text }),
                ["msteams"] = new JsonObject { ["width"] = "full" },
            },
        }),
    }.ToJsonString();

    public async Task InitializeAsync()
    {
        _teams = await TeamsWorkflowFake.StartAsync();
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], alertmanagerYaml: "placeholder");
        await File.WriteAllTextAsync(Path.Combine(_stack.ConfigDir, "alertmanager.yml"), Config(_teams.WebhookUrl));
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        await _teams.DisposeAsync();
    }

    [Fact]
    public async Task Firing_and_resolved_messages_are_alertmanager_028s_adaptive_card()
    {
        var startsAt = _stack.Time.GetUtcNow().AddMinutes(-3);
        await SendAsync(startsAt, resolved: false);
        await WaitForAsync(2);

        var firing = _teams.Received.Select(r => r.Body.ToJsonString()).ToList();
        Assert.Equal(2, firing.Count);
        Assert.Contains(Expected("firing: DiskFull <1> & \"x\"", "m1 ", "Attention"), firing);
        var defaults = Assert.Single(firing, b => !b.Contains("firing: DiskFull", StringComparison.Ordinal));
        var blocks = JsonNode.Parse(defaults)!["attachments"]![0]!["content"]!["body"]!.AsArray();
        Assert.Equal("[FIRING:1] DiskFull (m1 fly critical)", blocks[0]!["text"]!.GetValue<string>());
        Assert.StartsWith("\n\n# Alerts Firing:\n", blocks[1]!["text"]!.GetValue<string>(), StringComparison.Ordinal);

        _stack.Time.Advance(TimeSpan.FromMinutes(2));
        await SendAsync(startsAt, resolved: true);
        await WaitForAsync(3);

        // Only the integration with send_resolved (the default true) posts the resolved card.
        Assert.Equal(3, _teams.Received.Count);
        Assert.Equal(Expected("resolved: DiskFull <1> & \"x\"", "m1 ", "Good"), _teams.Received[2].Body.ToJsonString());
        Assert.Empty(_teams.FailedRuns);
        Assert.Empty(_teams.Rejected);
    }

    private async Task SendAsync(DateTimeOffset startsAt, bool resolved)
    {
        static string Time(DateTimeOffset t) => t.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var ends = resolved ? $",\"endsAt\":\"{Time(_stack.Time.GetUtcNow().AddSeconds(-1))}\"" : string.Empty;
        var alerts = $$"""
            [{"labels":{"alertname":"DiskFull","severity":"critical","instance":"m1","job":"fly"},
              "annotations":{"summary":"Disk on m1 is full"},"startsAt":"{{Time(startsAt)}}"{{ends}},"generatorURL":"http://prometheus/graph?g0.expr=disk"}]
            """;
        using var response = await _stack.Http.PostAsync("api/v2/alerts?code=local-function-key", new StringContent(alerts, System.Text.Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    private Task WaitForAsync(int requests) =>
        ReceiverParity.WaitForAsync(_stack, $"{requests} Teams requests", () => _teams.Received.Count >= requests, () => $"{_teams.Received.Count} arrived");
}
