using System.Text.Json.Nodes;
using Alerting.DemoFleet;
using Alerting.Fakes.Rocketchat;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Parity;

/// <summary>
/// rocketchat_configs arrived in Alertmanager 0.28, so the Debian 0.25 cannot run them: the app's group flush
/// is compared with the chat.postMessage body 0.28's notifier (notify/rocketchat) posts, written out here
/// field by field, for a firing and then a resolved group; send_resolved defaults to false as in 0.28.
/// </summary>
public sealed class RocketchatPayloadTests : IAsyncLifetime
{
    private AlertingStack _stack = null!;
    private RocketchatFake _rocketchat = null!;

    private static readonly string Templates = Path.Combine(Alerting.Core.Tests.TestPaths.RepoRoot, "rules", "templates", "default.tmpl");

    private static string Config(Uri url) => $$$"""
        global:
          rocketchat_api_url: '{{{url}}}'
          rocketchat_token: '{{{RocketchatFake.Token}}}'
          rocketchat_token_id: '{{{RocketchatFake.UserId}}}'
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
            rocketchat_configs:
              - channel: '#alerts'
                send_resolved: true
                title_link: 'http://am/<x>&y'
                text: '{{ range .Alerts }}{{ .Labels.instance }} {{ end }}'
                fields:
                  - { title: severity, value: '{{ .CommonLabels.severity }}', short: true }
              - channel: '#general'
        """;

    /// <summary>0.28's PostMessage for the first integration, as its Go structs encode it (empty fields omitted).</summary>
    private static string Expected(string title, string color) => new JsonObject
    {
        ["channel"] = "#alerts",
        ["attachments"] = new JsonArray(new JsonObject
        {
            ["title"] = title,
            ["title_link"] = "http://am/<x>&y",
            ["text"] = "m1 ",
            ["color"] = color,
            ["fields"] = new JsonArray(new JsonObject { ["short"] = true, ["title"] = "severity", ["value"] = "critical" }),
        }),
    }.ToJsonString();

    public async Task InitializeAsync()
    {
        _rocketchat = await RocketchatFake.StartAsync();
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], alertmanagerYaml: "placeholder");
        await File.WriteAllTextAsync(Path.Combine(_stack.ConfigDir, "alertmanager.yml"), Config(_rocketchat.BaseAddress));
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        await _rocketchat.DisposeAsync();
    }

    [Fact]
    public async Task Firing_and_resolved_messages_are_alertmanager_028s()
    {
        var startsAt = _stack.Time.GetUtcNow().AddMinutes(-3);
        await SendAsync(startsAt, resolved: false);
        await WaitForAsync(2);

        var firing = _rocketchat.Received.Select(r => r.Body).ToList();
        Assert.Equal(2, firing.Count);
        Assert.Contains(Expected("[FIRING:1] DiskFull (m1 fly critical)", "red"), firing.Select(b => b.ToJsonString()));
        var defaults = Assert.Single(firing, b => b["channel"]!.GetValue<string>() == "#general");
        Assert.Equal(["channel", "attachments"], defaults.AsObject().Select(p => p.Key));
        var attachment = defaults["attachments"]![0]!.AsObject();
        Assert.Equal(["title", "title_link", "color"], attachment.Select(p => p.Key));
        Assert.Equal(("[FIRING:1] DiskFull (m1 fly critical)", "red"), (attachment["title"]!.GetValue<string>(), attachment["color"]!.GetValue<string>()));
        Assert.EndsWith("/#/alerts?receiver=ops", attachment["title_link"]!.GetValue<string>(), StringComparison.Ordinal);

        _stack.Time.Advance(TimeSpan.FromMinutes(2));
        await SendAsync(startsAt, resolved: true);
        await WaitForAsync(3);

        // Only the integration with send_resolved true posts; 0.28's default is false.
        Assert.Equal(3, _rocketchat.Received.Count);
        Assert.Equal(Expected("[RESOLVED] DiskFull (m1 fly critical)", "green"), _rocketchat.Received[2].Body.ToJsonString());
        Assert.Empty(_rocketchat.Rejected);
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
        ReceiverParity.WaitForAsync(_stack, $"{requests} Rocket.Chat requests", () => _rocketchat.Received.Count >= requests, () => $"{_rocketchat.Received.Count} arrived");
}
