using System.Text.Json.Nodes;
using Alerting.DemoFleet;
using Alerting.Fakes.Incidentio;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Parity;

/// <summary>
/// incidentio_configs arrived in Alertmanager 0.29, so the Debian 0.25 cannot run them; but 0.29's
/// incidentio.Message is the webhook's Message (template.Data, version, groupKey, truncatedAlerts) with
/// version "1", and template.Data is unchanged between 0.25 and 0.29. So the real 0.25 posts its webhook
/// (same max_alerts, same token as a bearer) to one alert-source fake and our incidentio integration posts
/// to another: the bodies must be equal byte for byte once the version is set aside (and endsAt, which each
/// side's clock sets, for resolved alerts).
/// </summary>
public sealed class IncidentioParityTests : IAsyncLifetime
{
    private const string ExternalUrl = "http://alerting.test";
    private AlertingStack _stack = null!;
    private IncidentioFake _ours = null!;
    private IncidentioFake _theirs = null!;
    private RealAlertmanager _alertmanager = null!;

    private static string Config(string integrations) => $$$"""
        route:
          receiver: 'ops'
          group_by: ['alertname']
          group_wait: 1s
          group_interval: 1s
          repeat_interval: 4h
        receivers:
          - name: 'ops'
        {{{integrations}}}
        """;

    private static string Ours(string url) => $"""
            incidentio_configs:
              - url: '{url}'
                alert_source_token: '{IncidentioFake.Token}'
                max_alerts: 1
        """;

    private static string Theirs(string url) => $"""
            webhook_configs:
              - url: '{url}'
                max_alerts: 1
                http_config:
                  authorization:
                    credentials: '{IncidentioFake.Token}'
        """;

    public async Task InitializeAsync()
    {
        _ours = await IncidentioFake.StartAsync();
        _theirs = await IncidentioFake.StartAsync();
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], alertmanagerYaml: "placeholder");
        await File.WriteAllTextAsync(Path.Combine(_stack.ConfigDir, "alertmanager.yml"), Config(Ours(_ours.Url)));
        _alertmanager = await RealAlertmanager.StartAsync(Config(Theirs(_theirs.Url)), ExternalUrl);
    }

    public async Task DisposeAsync()
    {
        await _alertmanager.DisposeAsync();
        await _stack.DisposeAsync();
        await _ours.DisposeAsync();
        await _theirs.DisposeAsync();
    }

    [Fact]
    public async Task Firing_and_resolved_events_are_alertmanagers_message_with_version_1()
    {
        var startsAt = ReceiverParity.FreshStartsAt();
        await ReceiverParity.SendAsync(_alertmanager, _stack, startsAt, resolved: false);
        await ReceiverParity.BothReceiveAsync(_stack, "incident.io", 1, () => _theirs.Received.Count, () => _ours.Received.Count);

        Assert.Equal((1, 1), (_theirs.Received.Count, _ours.Received.Count));
        var (theirs, ours) = (_theirs.RawBodies[0], _ours.RawBodies[0]);
        Assert.Contains("\"version\":\"4\"", theirs, StringComparison.Ordinal);
        Assert.Contains("\"version\":\"1\"", ours, StringComparison.Ordinal);
        Assert.Contains("\"truncatedAlerts\":1", ours, StringComparison.Ordinal);
        Assert.Equal(theirs.Replace("\"version\":\"4\"", "\"version\":\"1\"", StringComparison.Ordinal), ours);

        _stack.Time.Advance(TimeSpan.FromMinutes(2));
        await ReceiverParity.SendAsync(_alertmanager, _stack, startsAt, resolved: true);
        await ReceiverParity.BothReceiveAsync(_stack, "incident.io", 2, () => _theirs.Received.Count, () => _ours.Received.Count);

        Assert.Equal((2, 2), (_theirs.Received.Count, _ours.Received.Count));
        Assert.Equal("resolved", _ours.Received[1].Body["status"]!.GetValue<string>());
        Assert.Equal(WithoutClocks(_theirs.Received[1].Body), WithoutClocks(_ours.Received[1].Body));
        Assert.Empty(_ours.Rejected);
        Assert.Empty(_theirs.Rejected);
    }

    /// <summary>The body with version set aside and each alert's endsAt removed (each side ends the alerts by its own clock).</summary>
    private static string WithoutClocks(JsonNode body)
    {
        var copy = body.DeepClone().AsObject();
        copy.Remove("version");
        foreach (var alert in copy["alerts"]!.AsArray())
        {
            alert!.AsObject().Remove("endsAt");
        }
        return copy.ToJsonString();
    }
}
