using Alerting.DemoFleet;
using Alerting.Fakes.Pushover;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Parity;

/// <summary>
/// The same alertmanager.yml with pushover_configs goes to the real Alertmanager 0.25 and to us, each
/// reaching its own Pushover fake as api.pushover.net through the fake's proxy: the firing and the resolved
/// messages must have the same parameters (default and custom title, HTML message, url, priority, retry, expire).
/// </summary>
public sealed class PushoverParityTests : IAsyncLifetime
{
    private const string ExternalUrl = "http://alerting.test";
    private AlertingStack _stack = null!;
    private PushoverFake _ours = null!;
    private PushoverFake _theirs = null!;
    private RealAlertmanager _alertmanager = null!;

    private static readonly string Templates = Path.Combine(Alerting.Core.Tests.TestPaths.RepoRoot, "rules", "templates");

    /// <summary>Alertmanager 0.25 always posts to api.pushover.net, so both reach their fake through its proxy.</summary>
    private static string Config(PushoverFake fake) => $$$"""
        # Both load the same default.tmpl, so a difference is the notifier's, not the templates' version.
        templates:
          - '{{{Templates}}}/default.tmpl'
        global:
          resolve_timeout: 5m
          http_config:
            proxy_url: '{{{fake.ProxyUrl}}}'
            tls_config:
              ca_file: '{{{fake.CaFile}}}'
        route:
          receiver: 'ops'
          group_by: ['alertname']
          group_wait: 1s
          group_interval: 1s
          repeat_interval: 4h
        receivers:
          - name: 'ops'
            pushover_configs:
              - user_key: '{{{PushoverFake.UserKey}}}'
                token: '{{{PushoverFake.AppToken}}}'
              - user_key: '{{{PushoverFake.UserKey}}}'
                token: '{{{PushoverFake.AppToken}}}'
                title: '{{ .Status | toUpper }} {{ .CommonLabels.alertname }} x{{ .Alerts | len }}'
                message: '<b>{{ range .Alerts }}{{ .Labels.instance }}: {{ .Annotations.summary }} & more; {{ end }}</b>'
                html: true
                url: 'https://runbooks/{{ .CommonLabels.alertname }}?a=1&b=two words'
                url_title: 'Runbook'
                sound: siren
                priority: '{{ if eq .Status "firing" }}1{{ else }}-1{{ end }}'
                retry: 45s
                expire: 2h
        """;

    public async Task InitializeAsync()
    {
        _ours = await PushoverFake.StartAsync();
        _theirs = await PushoverFake.StartAsync();
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], alertmanagerYaml: "placeholder");
        await File.WriteAllTextAsync(Path.Combine(_stack.ConfigDir, "alertmanager.yml"), Config(_ours));
        _alertmanager = await RealAlertmanager.StartAsync(Config(_theirs), ExternalUrl);
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
        await ReceiverParity.BothReceiveAsync(_stack, "Pushover", 2, () => _theirs.Received.Count, () => _ours.Received.Count);

        Assert.Equal((2, 2), (_theirs.Received.Count, _ours.Received.Count));
        Assert.Equal(Requests(_theirs, 0), Requests(_ours, 0));
        Assert.Empty(_ours.Rejected);

        _stack.Time.Advance(TimeSpan.FromMinutes(2));
        await ReceiverParity.SendAsync(_alertmanager, _stack, startsAt, resolved: true);
        await ReceiverParity.BothReceiveAsync(_stack, "Pushover", 4, () => _theirs.Received.Count, () => _ours.Received.Count);

        Assert.Equal((4, 4), (_theirs.Received.Count, _ours.Received.Count));
        Assert.Contains(Requests(_ours, 2), b => b.Contains("RESOLVED", StringComparison.Ordinal));
        Assert.Equal(Requests(_theirs, 2), Requests(_ours, 2));
        Assert.Empty(_ours.Rejected);
        Assert.Empty(_theirs.Rejected);
    }

    /// <summary>The two integrations' requests (path and body) from <paramref name="skip"/> on, ordered (they are sent concurrently).</summary>
    private static string[] Requests(PushoverFake fake, int skip) =>
        fake.Received.Skip(skip).Take(2).Select(r => r.Path + " " + r.Body.ToJsonString()).Order(StringComparer.Ordinal).ToArray();
}
