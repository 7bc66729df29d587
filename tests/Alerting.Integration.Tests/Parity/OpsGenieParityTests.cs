using Alerting.DemoFleet;
using Alerting.Fakes.OpsGenie;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Parity;

/// <summary>
/// The same alertmanager.yml with an opsgenie_config goes to the real Alertmanager 0.25 and to us, each
/// pointing at its own OpsGenie fake: the create and close requests must be the same, field for field
/// (alias included: both hash the same group key), with the same path and the same GenieKey.
/// </summary>
public sealed class OpsGenieParityTests : IAsyncLifetime
{
    private const string ExternalUrl = "http://alerting.test";
    private AlertingStack _stack = null!;
    private OpsGenieFake _ours = null!;
    private OpsGenieFake _theirs = null!;
    private RealAlertmanager _alertmanager = null!;

    private static readonly string Templates = Path.Combine(Alerting.Core.Tests.TestPaths.RepoRoot, "rules", "templates");

    private static string Config(string apiUrl) => $$$"""
        # Both load the same default.tmpl, so a difference is the notifier's, not the templates' version.
        templates:
          - '{{{Templates}}}/default.tmpl'
        global:
          resolve_timeout: 5m
          opsgenie_api_key: '{{{OpsGenieFake.DefaultApiKey}}}'
        route:
          receiver: 'ops'
          group_by: ['alertname']
          group_wait: 1s
          group_interval: 1s
          repeat_interval: 4h
        receivers:
          - name: 'ops'
            opsgenie_configs:
              - api_url: '{{{apiUrl}}}'
                priority: '{{ if eq .CommonLabels.severity "critical" }}P1{{ else }}P3{{ end }}'
                tags: 'fleet,{{ .CommonLabels.job }}'
                note: 'group {{ .GroupLabels.alertname }} on {{ .CommonLabels.job }}'
                details: { firing: '{{ .Alerts.Firing | len }}' }
                responders:
                  - { name: 'ops,dba', type: teams }
        """;

    public async Task InitializeAsync()
    {
        _ours = await OpsGenieFake.StartAsync();
        _theirs = await OpsGenieFake.StartAsync();
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
    public async Task Create_and_close_requests_match_the_real_alertmanager()
    {
        var startsAt = ReceiverParity.FreshStartsAt();
        await ReceiverParity.SendAsync(_alertmanager, _stack, startsAt, resolved: false);
        await WaitForAsync(1);

        var theirs = Assert.Single(_theirs.Received);
        var mine = Assert.Single(_ours.Received);
        Assert.Equal(theirs.Path, mine.Path);
        Assert.Equal(theirs.Body.ToJsonString(), mine.Body.ToJsonString());
        Assert.Empty(_ours.Rejected);

        _stack.Time.Advance(TimeSpan.FromMinutes(2));
        await ReceiverParity.SendAsync(_alertmanager, _stack, startsAt, resolved: true);
        await WaitForAsync(2);

        Assert.Equal(_theirs.Received[1].Path, _ours.Received[1].Path);
        Assert.Equal(_theirs.Received[1].Body.ToJsonString(), _ours.Received[1].Body.ToJsonString());
        Assert.Equal("closed", Assert.Single(_ours.Alerts).Status);
        Assert.Equal("closed", Assert.Single(_theirs.Alerts).Status);
    }

    private Task WaitForAsync(int requests) =>
        ReceiverParity.BothReceiveAsync(_stack, "OpsGenie", requests, () => _theirs.Received.Count, () => _ours.Received.Count);
}
