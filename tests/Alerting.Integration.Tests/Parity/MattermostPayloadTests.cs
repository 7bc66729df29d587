using System.Text.Json.Nodes;
using Alerting.DemoFleet;
using Alerting.Fakes.Mattermost;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Parity;

/// <summary>
/// mattermost_configs arrived in Alertmanager 0.30, so the Debian 0.25 cannot run them: the app's group flush
/// is compared with the request 0.30's notifier (notify/mattermost) posts, written out here field by field,
/// for a firing and then a resolved group, with the default text rendered as 0.30's default.tmpl renders it.
/// </summary>
public sealed class MattermostPayloadTests : IAsyncLifetime
{
    private AlertingStack _stack = null!;
    private MattermostWebhookFake _mattermost = null!;

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
            mattermost_configs:
              - webhook_url: '{{{url}}}'
                channel: '#alerts'
                username: '{{ .Status }} <bot> & co'
                text: '{{ range .Alerts }}{{ .Labels.instance }} {{ end }}'
                attachments:
                  - title: '{{ .CommonLabels.alertname }}'
                    color: '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}'
                    fields:
                      - { title: severity, value: '{{ .CommonLabels.severity }}', short: true }
              - webhook_url: '{{{url}}}'
                send_resolved: false
        """;

    /// <summary>0.30's request for the first integration, as its Go structs encode it (empty fields omitted, text always sent).</summary>
    private static string Expected(string status, string color) => new JsonObject
    {
        ["text"] = "m1 ",
        ["channel"] = "#alerts",
        ["username"] = status + " <bot> & co",
        ["attachments"] = new JsonArray(new JsonObject
        {
            ["color"] = color,
            ["title"] = "DiskFull",
            ["fields"] = new JsonArray(new JsonObject { ["title"] = "severity", ["value"] = "critical", ["short"] = true }),
        }),
    }.ToJsonString();

    /// <summary>mattermost.default.text of 0.30 for the one firing alert the test sends.</summary>
    private const string DefaultFiringText =
        "\n\n# Alerts Firing:\n\nLabels:\n  - alertname = DiskFull\n  - instance = m1\n  - job = fly\n  - severity = critical\n\n" +
        "Annotations:\n  - summary = Disk on m1 is full\n\nSource: http://prometheus/graph?g0.expr=disk\n\n\n\n\n";

    public async Task InitializeAsync()
    {
        _mattermost = await MattermostWebhookFake.StartAsync();
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], alertmanagerYaml: "placeholder");
        await File.WriteAllTextAsync(Path.Combine(_stack.ConfigDir, "alertmanager.yml"), Config(_mattermost.WebhookUrl));
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        await _mattermost.DisposeAsync();
    }

    [Fact]
    public async Task Firing_and_resolved_requests_are_alertmanager_030s()
    {
        var startsAt = _stack.Time.GetUtcNow().AddMinutes(-3);
        await SendAsync(startsAt, resolved: false);
        await WaitForAsync(2);

        var firing = _mattermost.Received.Select(r => r.Body.ToJsonString()).ToList();
        Assert.Equal(2, firing.Count);
        Assert.Contains(Expected("firing", "danger"), firing);
        Assert.Contains(new JsonObject { ["text"] = DefaultFiringText }.ToJsonString(), firing);

        _stack.Time.Advance(TimeSpan.FromMinutes(2));
        await SendAsync(startsAt, resolved: true);
        await WaitForAsync(3);

        // Only the integration with send_resolved (the default true) posts the resolved message.
        Assert.Equal(3, _mattermost.Received.Count);
        Assert.Equal(Expected("resolved", "good"), _mattermost.Received[2].Body.ToJsonString());
        Assert.Empty(_mattermost.Rejected);
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
        ReceiverParity.WaitForAsync(_stack, $"{requests} Mattermost requests", () => _mattermost.Received.Count >= requests, () => $"{_mattermost.Received.Count} arrived");
}
