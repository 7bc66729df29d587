using Alerting.DemoFleet;
using Alerting.Fakes.Discord;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Parity;

/// <summary>
/// The same alertmanager.yml with a discord_config goes to the real Alertmanager 0.25 and to us, each
/// pointing at its own Discord webhook fake: the firing and the resolved messages must be the same.
/// </summary>
public sealed class DiscordParityTests : IAsyncLifetime
{
    private const string ExternalUrl = "http://alerting.test";
    private AlertingStack _stack = null!;
    private DiscordWebhookFake _ours = null!;
    private DiscordWebhookFake _theirs = null!;
    private RealAlertmanager _alertmanager = null!;

    private static readonly string Templates = Path.Combine(Alerting.Core.Tests.TestPaths.RepoRoot, "rules", "templates");

    private static string Config(string webhookUrl) => $$$"""
        # Both load the same default.tmpl, so a difference is the notifier's, not the templates' version.
        templates:
          - '{{{Templates}}}/default.tmpl'
        global:
          resolve_timeout: 5m
        route:
          receiver: 'ops'
          group_by: ['alertname']
          group_wait: 1s
          group_interval: 1s
          repeat_interval: 4h
        receivers:
          - name: 'ops'
            discord_configs:
              - webhook_url: '{{{webhookUrl}}}'
              - webhook_url: '{{{webhookUrl}}}'
                title: '{{ .Status | toUpper }} {{ .CommonLabels.alertname }} x{{ .Alerts | len }}'
                message: '{{ range .Alerts }}{{ .Labels.instance }}: {{ .Annotations.summary }}; {{ end }}'
        """;

    public async Task InitializeAsync()
    {
        _ours = await DiscordWebhookFake.StartAsync();
        _theirs = await DiscordWebhookFake.StartAsync();
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], alertmanagerYaml: "placeholder");
        await File.WriteAllTextAsync(Path.Combine(_stack.ConfigDir, "alertmanager.yml"), Config(_ours.WebhookUrl));
        _alertmanager = await RealAlertmanager.StartAsync(Config(_theirs.WebhookUrl), ExternalUrl);
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
        await WaitForAsync(2);

        Assert.Equal((2, 2), (_theirs.Received.Count, _ours.Received.Count));
        Assert.Equal(Bodies(_theirs, 0), Bodies(_ours, 0));
        Assert.Empty(_ours.Rejected);

        _stack.Time.Advance(TimeSpan.FromMinutes(2));
        await ReceiverParity.SendAsync(_alertmanager, _stack, startsAt, resolved: true);
        await WaitForAsync(4);

        Assert.Equal((4, 4), (_theirs.Received.Count, _ours.Received.Count));
        Assert.Contains(Bodies(_ours, 2), b => b.Contains("RESOLVED DiskFull x2", StringComparison.Ordinal));
        Assert.Equal(Bodies(_theirs, 2), Bodies(_ours, 2));
        Assert.Empty(_ours.Rejected);
        Assert.Empty(_theirs.Rejected);
    }

    /// <summary>The two integrations' messages from <paramref name="skip"/> on, ordered (they are sent concurrently).</summary>
    private static string[] Bodies(DiscordWebhookFake fake, int skip) =>
        fake.Received.Skip(skip).Take(2).Select(r => r.Body.ToJsonString()).Order(StringComparer.Ordinal).ToArray();

    private Task WaitForAsync(int requests) =>
        ReceiverParity.BothReceiveAsync(_stack, "Discord", requests, () => _theirs.Received.Count, () => _ours.Received.Count);
}
