using Alerting.DemoFleet;
using Alerting.Fakes.VictorOps;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Parity;

/// <summary>
/// The same alertmanager.yml with victorops_configs goes to the real Alertmanager 0.25 and to us, each
/// pointing at its own VictorOps fake: the firing and the recovery requests must be the same (path with
/// API key and templated routing key, and every field of the body, entity_id included).
/// </summary>
public sealed class VictorOpsParityTests : IAsyncLifetime
{
    private const string ExternalUrl = "http://alerting.test";
    private AlertingStack _stack = null!;
    private VictorOpsFake _ours = null!;
    private VictorOpsFake _theirs = null!;
    private RealAlertmanager _alertmanager = null!;

    private static readonly string Templates = Path.Combine(Alerting.Core.Tests.TestPaths.RepoRoot, "rules", "templates");

    private static string Config(string apiUrl) => $$$"""
        # Both load the same default.tmpl, so a difference is the notifier's, not the templates' version.
        templates:
          - '{{{Templates}}}/default.tmpl'
        global:
          resolve_timeout: 5m
          victorops_api_key: '{{{VictorOpsFake.ApiKey}}}'
          victorops_api_url: '{{{apiUrl}}}'
        route:
          receiver: 'ops'
          group_by: ['alertname']
          group_wait: 1s
          group_interval: 1s
          repeat_interval: 4h
        receivers:
          - name: 'ops'
            victorops_configs:
              - routing_key: 'fleet'
              - routing_key: 'team-{{ .CommonLabels.job }}'
                message_type: 'WARNING'
                entity_display_name: '{{ .Status | toUpper }} {{ .CommonLabels.alertname }} x{{ .Alerts | len }}'
                state_message: '{{ range .Alerts }}{{ .Labels.instance }}: {{ .Annotations.summary }}; {{ end }}'
                monitoring_tool: 'fleet-am'
                custom_fields:
                  runbook: 'https://runbooks/{{ .CommonLabels.alertname }}'
        """;

    public async Task InitializeAsync()
    {
        _ours = await VictorOpsFake.StartAsync();
        _theirs = await VictorOpsFake.StartAsync();
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
    public async Task Firing_and_recovery_requests_match_the_real_alertmanager()
    {
        var startsAt = ReceiverParity.FreshStartsAt();
        await ReceiverParity.SendAsync(_alertmanager, _stack, startsAt, resolved: false);
        await ReceiverParity.BothReceiveAsync(_stack, "VictorOps", 2, () => _theirs.Received.Count, () => _ours.Received.Count);

        Assert.Equal((2, 2), (_theirs.Received.Count, _ours.Received.Count));
        Assert.Equal(Requests(_theirs, 0), Requests(_ours, 0));
        Assert.Empty(_ours.Rejected);

        _stack.Time.Advance(TimeSpan.FromMinutes(2));
        await ReceiverParity.SendAsync(_alertmanager, _stack, startsAt, resolved: true);
        await ReceiverParity.BothReceiveAsync(_stack, "VictorOps", 4, () => _theirs.Received.Count, () => _ours.Received.Count);

        Assert.Equal((4, 4), (_theirs.Received.Count, _ours.Received.Count));
        Assert.Contains(Requests(_ours, 2), b => b.Contains("\"message_type\":\"RECOVERY\"", StringComparison.Ordinal));
        Assert.Equal(Requests(_theirs, 2), Requests(_ours, 2));
        Assert.Equal(_theirs.Incidents.OrderBy(i => i.Key.RoutingKey), _ours.Incidents.OrderBy(i => i.Key.RoutingKey));
        Assert.Empty(_ours.Rejected);
        Assert.Empty(_theirs.Rejected);
    }

    /// <summary>The two integrations' requests (path and body) from <paramref name="skip"/> on, ordered (they are sent concurrently).</summary>
    private static string[] Requests(VictorOpsFake fake, int skip) =>
        fake.Received.Skip(skip).Take(2).Select(r => r.Path + " " + r.Body.ToJsonString()).Order(StringComparer.Ordinal).ToArray();
}
