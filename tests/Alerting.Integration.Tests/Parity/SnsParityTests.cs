using Alerting.DemoFleet;
using Alerting.Fakes.Sns;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Parity;

/// <summary>
/// The same alertmanager.yml with sns_configs goes to the real Alertmanager 0.25 (its AWS SDK signs the
/// requests) and to us, each pointing at its own SNS fake, which checks every Signature Version 4: the
/// firing and the resolved Publish requests must carry the same parameters (signature and date headers excepted).
/// </summary>
public sealed class SnsParityTests : IAsyncLifetime
{
    private const string ExternalUrl = "http://alerting.test";
    private AlertingStack _stack = null!;
    private SnsFake _ours = null!;
    private SnsFake _theirs = null!;
    private RealAlertmanager _alertmanager = null!;

    private static readonly string Templates = Path.Combine(Alerting.Core.Tests.TestPaths.RepoRoot, "rules", "templates");

    private static string Config(string apiUrl) => $$$"""
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
            sns_configs:
              - api_url: '{{{apiUrl}}}'
                topic_arn: '{{{SnsFake.TopicArn}}}'
                sigv4:
                  region: '{{{SnsFake.Region}}}'
                  access_key: '{{{SnsFake.AccessKeyId}}}'
                  secret_key: '{{{SnsFake.SecretAccessKey}}}'
              - api_url: '{{{apiUrl}}}'
                topic_arn: '{{{SnsFake.FifoTopicArn}}}'
                subject: '{{ .Status | toUpper }} {{ .CommonLabels.alertname }}'
                message: '{{ range .Alerts }}{{ .Labels.instance }}: {{ .Annotations.summary }}; {{ end }}'
                attributes:
                  severity: '{{ .CommonLabels.severity }}'
                  '{{ .CommonLabels.job }}': 'x{{ .Alerts | len }}'
                sigv4:
                  region: '{{{SnsFake.Region}}}'
                  access_key: '{{{SnsFake.AccessKeyId}}}'
                  secret_key: '{{{SnsFake.SecretAccessKey}}}'
        """;

    public async Task InitializeAsync()
    {
        _ours = await SnsFake.StartAsync();
        _theirs = await SnsFake.StartAsync();
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
    public async Task Firing_and_resolved_publishes_match_the_real_alertmanager()
    {
        var startsAt = ReceiverParity.FreshStartsAt();
        await ReceiverParity.SendAsync(_alertmanager, _stack, startsAt, resolved: false);
        await ReceiverParity.BothReceiveAsync(_stack, "SNS", 2, () => _theirs.Received.Count, () => _ours.Received.Count);

        Assert.Empty(_theirs.Rejected);
        Assert.Empty(_ours.Rejected);
        Assert.Equal((2, 2), (_theirs.Received.Count, _ours.Received.Count));
        Assert.Equal(Publishes(_theirs, 0), Publishes(_ours, 0));

        _stack.Time.Advance(TimeSpan.FromMinutes(2));
        await ReceiverParity.SendAsync(_alertmanager, _stack, startsAt, resolved: true);
        await ReceiverParity.BothReceiveAsync(_stack, "SNS", 4, () => _theirs.Received.Count, () => _ours.Received.Count);

        Assert.Equal((4, 4), (_theirs.Received.Count, _ours.Received.Count));
        Assert.Contains(Publishes(_ours, 2), p => p.Contains("RESOLVED", StringComparison.Ordinal));
        Assert.Equal(Publishes(_theirs, 2), Publishes(_ours, 2));
        Assert.Empty(_ours.Rejected);
        Assert.Empty(_theirs.Rejected);
    }

    /// <summary>The two integrations' publishes from <paramref name="skip"/> on, each as its sorted parameters, ordered (they are sent concurrently).</summary>
    private static string[] Publishes(SnsFake fake, int skip) =>
        fake.Received.Skip(skip).Take(2)
            .Select(r => r.Path + "\n" + string.Join("\n", r.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)))
            .Order(StringComparer.Ordinal).ToArray();
}
