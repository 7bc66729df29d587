using Alerting.DemoFleet;
using Alerting.Fakes.Webex;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Parity;

/// <summary>
/// The same alertmanager.yml with webex_configs goes to the real Alertmanager 0.25 and to us, each
/// pointing at its own Webex Messages API fake (which checks the bot token): the firing and the resolved
/// messages must be the same.
/// </summary>
public sealed class WebexParityTests : IAsyncLifetime
{
    private const string ExternalUrl = "http://alerting.test";
    private AlertingStack _stack = null!;
    private WebexFake _ours = null!;
    private WebexFake _theirs = null!;
    private RealAlertmanager _alertmanager = null!;

    private static readonly string Templates = Path.Combine(Alerting.Core.Tests.TestPaths.RepoRoot, "rules", "templates");

    private static string Config(string apiUrl) => $$$"""
        # Both load the same default.tmpl, so a difference is the notifier's, not the templates' version.
        templates:
          - '{{{Templates}}}/default.tmpl'
        global:
          resolve_timeout: 5m
          webex_api_url: '{{{apiUrl}}}'
        route:
          receiver: 'ops'
          group_by: ['alertname']
          group_wait: 1s
          group_interval: 1s
          repeat_interval: 4h
        receivers:
          - name: 'ops'
            webex_configs:
              - room_id: '{{{WebexFake.RoomId}}}'
                http_config:
                  authorization:
                    credentials: '{{{WebexFake.BotToken}}}'
              - room_id: '{{{WebexFake.RoomId}}}'
                api_url: '{{{apiUrl}}}'
                message: '**{{ .Status | toUpper }}** {{ .CommonLabels.alertname }} x{{ .Alerts | len }}: {{ range .Alerts }}{{ .Labels.instance }} {{ .Annotations.summary }}; {{ end }}'
                http_config:
                  authorization:
                    credentials: '{{{WebexFake.BotToken}}}'
        """;

    public async Task InitializeAsync()
    {
        _ours = await WebexFake.StartAsync();
        _theirs = await WebexFake.StartAsync();
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], alertmanagerYaml: "placeholder");
        await File.WriteAllTextAsync(Path.Combine(_stack.ConfigDir, "alertmanager.yml"), Config(_ours.ApiUrl));
        _alertmanager = await RealAlertmanager.StartAsync(Config(_theirs.ApiUrl), ExternalUrl);
    }

    public async Task DisposeAsync()
    {
        await _alertmanager.DisposeAsync();
        await _stack.DisposeAsync();
        await _ours.DisposeAsync();
        await _theirs.DisposeAsync();
    }

    [Fact]
    public async Task Firing_and_resolved_messages_match_the_real_alertmanager()
    {
        var startsAt = ReceiverParity.FreshStartsAt();
        await ReceiverParity.SendAsync(_alertmanager, _stack, startsAt, resolved: false);
        await ReceiverParity.BothReceiveAsync(_stack, "Webex", 2, () => _theirs.Received.Count, () => _ours.Received.Count);

        Assert.Equal((2, 2), (_theirs.Received.Count, _ours.Received.Count));
        Assert.Equal(Requests(_theirs, 0), Requests(_ours, 0));
        Assert.Empty(_ours.Rejected);

        _stack.Time.Advance(TimeSpan.FromMinutes(2));
        await ReceiverParity.SendAsync(_alertmanager, _stack, startsAt, resolved: true);
        await ReceiverParity.BothReceiveAsync(_stack, "Webex", 4, () => _theirs.Received.Count, () => _ours.Received.Count);

        Assert.Equal((4, 4), (_theirs.Received.Count, _ours.Received.Count));
        Assert.Contains(Requests(_ours, 2), b => b.Contains("RESOLVED", StringComparison.Ordinal));
        Assert.Equal(Requests(_theirs, 2), Requests(_ours, 2));
        Assert.Empty(_ours.Rejected);
        Assert.Empty(_theirs.Rejected);
    }

    /// <summary>The two integrations' requests (path and body) from <paramref name="skip"/> on, ordered (they are sent concurrently).</summary>
    private static string[] Requests(WebexFake fake, int skip) =>
        fake.Received.Skip(skip).Take(2).Select(r => r.Path + " " + r.Body.ToJsonString()).Order(StringComparer.Ordinal).ToArray();
}
