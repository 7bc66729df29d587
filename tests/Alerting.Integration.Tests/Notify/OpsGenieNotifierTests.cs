using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Fakes.OpsGenie;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.OpsGenie;
using Alerting.Functions.Options;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// The OpsGenie notifier against the strict OpsGenie fake over HTTP: the requests are Alertmanager 0.25's
/// (create while firing, close once resolved, the update PUTs with update_alerts), and OpsGenie's answers
/// are classified as Alertmanager classifies them (429 and 5xx retried, anything else permanent).
/// </summary>
public sealed class OpsGenieNotifierTests : IAsyncLifetime
{
    private const string GroupKey = "{}:{alertname=\"DiskFull\"}";
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private static readonly string Alias = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(GroupKey)));

    private OpsGenieFake _fake = null!;

    public async Task InitializeAsync() => _fake = await OpsGenieFake.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private OpsGenieConfig Config(string extra = "", string key = $"api_key: '{OpsGenieFake.DefaultApiKey}'") =>
        NotifyTestKit.Receiver($"""
                opsgenie_configs:
                  - {key}
                    api_url: '{_fake.ApiUrl}'
            {extra}
            """).OpsGenieConfigs.Single();

    private static Alert DiskFull(string instance, bool resolved = false) => new(
        Labels.From(("alertname", "DiskFull"), ("instance", instance), ("severity", "critical")),
        Labels.From(("summary", "Disk is full"), ("runbook", "https://runbooks.example/disk")),
        Started,
        resolved ? Now.AddMinutes(-1) : null,
        "http://prom/graph");

    private static Notification Group(params Alert[] alerts) =>
        new("team", Labels.From(("alertname", "DiskFull")), alerts, Now, "http://alerting.test", GroupKey) { Templates = NotifyTestKit.Templates() };

    private static Task SendAsync(OpsGenieConfig config, Notification notification, DeliveryOptions? delivery = null) =>
        NotifyTestKit.Notifier<OpsGenieNotifier>(delivery).SendAsync(NotifyTestKit.Integration(config), notification, CancellationToken.None);

    [Fact]
    public async Task A_firing_group_creates_one_alert_keyed_by_the_group_with_alertmanagers_fields()
    {
        var config = Config("""
                    priority: '{{ if eq .CommonLabels.severity "critical" }}P1{{ else }}P3{{ end }}'
                    tags: 'disk, {{ .CommonLabels.severity }},'
                    details: { team: storage, instance_count: '{{ .Alerts | len }}' }
                    responders:
                      - { name: 'ops,dba', type: teams }
                      - { username: 'alice@example.com', type: user }
                      - { name: '{{ .CommonLabels.missing }}', type: '{{ .CommonLabels.missing }}' }
            """);

        await SendAsync(config, Group(DiskFull("m1"), DiskFull("m2")));

        var request = Assert.Single(_fake.Received);
        Assert.Equal("/v2/alerts", request.Path);
        var body = request.Body.AsObject();
        Assert.Equal(Alias, body["alias"]!.GetValue<string>());
        Assert.Equal("[FIRING:2] DiskFull (critical)", body["message"]!.GetValue<string>());
        // Common annotations' values (sorted by name) joined by spaces, then the alert list.
        Assert.StartsWith("https://runbooks.example/disk Disk is full\nAlerts Firing:\n", body["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("http://alerting.test/#/alerts?receiver=team", body["source"]!.GetValue<string>());
        Assert.Equal("P1", body["priority"]!.GetValue<string>());
        Assert.Equal(["disk", " critical"], body["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(
            """{"alertname":"DiskFull","instance_count":"2","severity":"critical","team":"storage"}""",
            body["details"]!.ToJsonString());
        Assert.Equal(
            """[{"name":"ops","type":"team"},{"name":"dba","type":"team"},{"username":"alice@example.com","type":"user"}]""",
            body["responders"]!.ToJsonString());
        Assert.Null(body["note"]);
        Assert.Null(body["entity"]);
        Assert.Null(body["actions"]);
        var alert = Assert.Single(_fake.Alerts);
        Assert.Equal(("open", "P1", 1), (alert.Status, alert.Priority, alert.Count));
    }

    [Fact]
    public async Task A_resent_create_joins_the_open_alert_and_the_resolved_group_closes_it_by_alias()
    {
        var config = Config();
        await SendAsync(config, Group(DiskFull("m1")));
        await SendAsync(config, Group(DiskFull("m1")));
        await SendAsync(config, Group(DiskFull("m1", resolved: true)));

        Assert.Equal($"/v2/alerts/{Alias}/close?identifierType=alias", _fake.Received[^1].Path);
        Assert.Equal("""{"source":"http://alerting.test/#/alerts?receiver=team"}""", _fake.Received[^1].Body.ToJsonString());
        var alert = Assert.Single(_fake.Alerts);
        Assert.Equal(("closed", 2), (alert.Status, alert.Count));
    }

    [Fact]
    public async Task Update_alerts_also_replaces_the_message_and_description_of_the_open_alert()
    {
        var config = Config("""
                    update_alerts: true
                    message: '{{ .Alerts.Firing | len }} disks full'
                    description: 'on {{ range .Alerts }}{{ .Labels.instance }} {{ end }}'
            """);
        await SendAsync(config, Group(DiskFull("m1")));
        await SendAsync(config, Group(DiskFull("m1"), DiskFull("m2")));

        Assert.Equal(
            ["/v2/alerts", $"/v2/alerts/{Alias}/message?identifierType=alias", $"/v2/alerts/{Alias}/description?identifierType=alias"],
            _fake.Received.Skip(3).Select(r => r.Path));
        var alert = Assert.Single(_fake.Alerts);
        Assert.Equal(("2 disks full", "on m1 m2 "), (alert.Message, alert.Description));
    }

    [Fact]
    public async Task A_message_longer_than_opsgenie_allows_is_truncated_to_130_runes_with_an_ellipsis()
    {
        await SendAsync(Config("        message: '{{ range .Alerts }}ÄÖÜ-{{ .Labels.instance }}-0123456789012345678901234567890123456789012345678901234567890123456789{{ end }}'"),
            Group(DiskFull("m1"), DiskFull("m2")));

        var message = Assert.Single(_fake.Received).Body["message"]!.GetValue<string>();
        Assert.Equal(130, message.EnumerateRunes().Count());
        Assert.EndsWith("…", message, StringComparison.Ordinal);
        Assert.Empty(_fake.Rejected);
    }

    [Fact]
    public async Task Throttling_is_retried_within_the_send_and_the_alert_is_created_once()
    {
        _fake.FailNext(429, 1);

        await SendAsync(Config(), Group(DiskFull("m1")), new DeliveryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10) });

        Assert.Equal(2, _fake.Requests);
        Assert.Equal(1, Assert.Single(_fake.Alerts).Count);
    }

    [Fact]
    public async Task A_server_error_that_persists_fails_transiently_so_the_flush_is_redelivered()
    {
        _fake.FailNext(503, 5);

        await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(), Group(DiskFull("m1"))));
        Assert.Empty(_fake.Alerts);
    }

    [Fact]
    public async Task A_wrong_api_key_or_an_invalid_priority_is_rejected_for_good()
    {
        var wrongKey = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config(key: "api_key: 'not-the-key'"), Group(DiskFull("m1"))));
        Assert.Contains("401", wrongKey.Message, StringComparison.Ordinal);

        var badPriority = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config("        priority: urgent"), Group(DiskFull("m1"))));
        Assert.Contains("422", badPriority.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Alerts);
    }

    [Fact]
    public async Task The_api_key_file_is_read_at_send_time_and_trimmed()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, OpsGenieFake.DefaultApiKey + "\n");
            await SendAsync(Config(key: $"api_key_file: '{file}'"), Group(DiskFull("m1")));
            Assert.Single(_fake.Alerts);

            File.Delete(file);
            await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config(key: $"api_key_file: '{file}'"), Group(DiskFull("m2"))));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
