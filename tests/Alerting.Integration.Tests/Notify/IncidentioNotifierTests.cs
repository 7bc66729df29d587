using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Fakes.Incidentio;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.Incidentio;
using Alerting.Functions.Options;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// The incident.io notifier against the strict alert-source fake over HTTP: one JSON event per notification
/// with the fields of Alertmanager 0.29's incidentio.Message (template data, version "1", groupKey,
/// truncatedAlerts), max_alerts, the payload limit, the token from alert_source_token(_file) or
/// http_config, and the answers classified (429 and 5xx retried, anything else permanent).
/// </summary>
public sealed class IncidentioNotifierTests : IAsyncLifetime
{
    private const string GroupKey = "{}:{alertname=\"DiskFull\"}";
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private IncidentioFake _fake = null!;

    public async Task InitializeAsync() => _fake = await IncidentioFake.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private IncidentioConfig Config(string auth = $"alert_source_token: '{IncidentioFake.Token}'", string extra = "", string? url = null) =>
        NotifyTestKit.Receiver($"""
                incidentio_configs:
                  - url: '{url ?? _fake.Url}'
                    {auth}
            {extra}
            """).IncidentioConfigs.Single();

    private static Alert DiskFull(string instance, string summary = "Disk is full") => new(
        Labels.From(("alertname", "DiskFull"), ("instance", instance), ("severity", "critical")),
        Labels.From(("summary", summary)),
        Started,
        null,
        "http://prom/graph");

    private static Notification Group(params Alert[] alerts) =>
        new("team", Labels.From(("alertname", "DiskFull")), alerts, Now, "http://alerting.test", GroupKey) { Templates = NotifyTestKit.Templates() };

    private static Task SendAsync(IncidentioConfig config, Notification notification, DeliveryOptions? delivery = null) =>
        NotifyTestKit.Notifier<IncidentioNotifier>(delivery).SendAsync(NotifyTestKit.Integration(config), notification, CancellationToken.None);

    [Fact]
    public async Task A_firing_group_is_one_event_with_the_fields_of_alertmanagers_incidentio_message()
    {
        await SendAsync(Config(), Group(DiskFull("m1"), DiskFull("m2")));

        var body = Assert.Single(_fake.RawBodies);
        var (m1, m2) = (DiskFull("m1").Fingerprint, DiskFull("m2").Fingerprint);
        Assert.Equal(
            "{\"receiver\":\"team\",\"status\":\"firing\",\"alerts\":[" +
            "{\"status\":\"firing\",\"labels\":{\"alertname\":\"DiskFull\",\"instance\":\"m1\",\"severity\":\"critical\"},\"annotations\":{\"summary\":\"Disk is full\"},\"startsAt\":\"2026-11-24T10:00:00Z\",\"endsAt\":\"0001-01-01T00:00:00Z\",\"generatorURL\":\"http://prom/graph\",\"fingerprint\":\"" + m1 + "\"}," +
            "{\"status\":\"firing\",\"labels\":{\"alertname\":\"DiskFull\",\"instance\":\"m2\",\"severity\":\"critical\"},\"annotations\":{\"summary\":\"Disk is full\"},\"startsAt\":\"2026-11-24T10:00:00Z\",\"endsAt\":\"0001-01-01T00:00:00Z\",\"generatorURL\":\"http://prom/graph\",\"fingerprint\":\"" + m2 + "\"}]," +
            "\"groupLabels\":{\"alertname\":\"DiskFull\"},\"commonLabels\":{\"alertname\":\"DiskFull\",\"severity\":\"critical\"},\"commonAnnotations\":{\"summary\":\"Disk is full\"}," +
            "\"externalURL\":\"http://alerting.test\",\"version\":\"1\",\"groupKey\":\"{}:{alertname=\\\"DiskFull\\\"}\",\"truncatedAlerts\":0}\n",
            body);
        Assert.Equal("/v2/alert_events/alertmanager/" + IncidentioFake.AlertSourceConfigId, _fake.Received[0].Path);
    }

    [Fact]
    public async Task Max_alerts_keeps_the_first_alerts_and_counts_the_rest()
    {
        await SendAsync(Config(extra: "        max_alerts: 1"), Group(DiskFull("m1"), DiskFull("m2"), DiskFull("m3")));

        var body = Assert.Single(_fake.Received).Body;
        Assert.Equal("m1", Assert.Single(body["alerts"]!.AsArray())!["labels"]!["instance"]!.GetValue<string>());
        Assert.Equal(2, body["truncatedAlerts"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_body_over_512_kib_keeps_only_its_first_alert_as_alertmanager_does()
    {
        var big = new string('x', 200 * 1024);
        await SendAsync(Config(), Group(DiskFull("m1", big), DiskFull("m2", big), DiskFull("m3", big)));

        var body = Assert.Single(_fake.Received).Body;
        Assert.Equal("m1", Assert.Single(body["alerts"]!.AsArray())!["labels"]!["instance"]!.GetValue<string>());
        Assert.Equal(0, body["truncatedAlerts"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_token_comes_from_the_token_file_or_from_http_config_authorization()
    {
        var dir = Directory.CreateTempSubdirectory("incidentio-");
        try
        {
            var tokenFile = Path.Combine(dir.FullName, "token");
            await File.WriteAllTextAsync(tokenFile, IncidentioFake.Token + "\n");
            var urlFile = Path.Combine(dir.FullName, "url");
            await File.WriteAllTextAsync(urlFile, _fake.Url + "\n");
            var fromFiles = NotifyTestKit.Receiver($"""
                    incidentio_configs:
                      - url_file: '{urlFile}'
                        alert_source_token_file: '{tokenFile}'
                """).IncidentioConfigs.Single();
            await SendAsync(fromFiles, Group(DiskFull("m1")));
            await SendAsync(Config($"http_config: {{ authorization: {{ credentials: '{IncidentioFake.Token}' }} }}"), Group(DiskFull("m1")));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
        Assert.Equal(2, _fake.Received.Count);
    }

    [Fact]
    public async Task Rate_limiting_is_retried_within_the_send_and_a_persistent_server_error_is_transient()
    {
        _fake.FailNext(429, 1);
        await SendAsync(Config(), Group(DiskFull("m1")), new DeliveryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10) });
        Assert.Equal((2, 1), (_fake.Requests, _fake.Received.Count));

        _fake.FailNext(503, 5);
        await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(), Group(DiskFull("m1")), new DeliveryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(10) }));
        Assert.Single(_fake.Received);
    }

    [Fact]
    public async Task A_wrong_token_or_an_unknown_alert_source_is_permanent_with_incident_ios_message_and_no_token()
    {
        const string wrong = "inc_not_the_token";
        var unauthorized = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config($"alert_source_token: '{wrong}'"), Group(DiskFull("m1"))));
        Assert.Contains("401", unauthorized.Message, StringComparison.Ordinal);
        Assert.Contains("invalid or has been revoked", unauthorized.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, unauthorized.Message, StringComparison.Ordinal);

        var unknown = await Assert.ThrowsAsync<PermanentNotificationException>(() =>
            SendAsync(Config(url: new Uri(_fake.BaseAddress, "v2/alert_events/alertmanager/01UNKNOWN").ToString()), Group(DiskFull("m1"))));
        Assert.Contains("404", unknown.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Received);
    }
}
