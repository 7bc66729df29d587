using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Fakes.VictorOps;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.VictorOps;
using Alerting.Functions.Options;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// The VictorOps notifier against the strict VictorOps REST endpoint fake over HTTP: one incident per group
/// (entity_id), opened while firing and recovered once resolved, with Alertmanager 0.25's fields, and the
/// endpoint's answers classified (429 and 5xx retried, anything else permanent, the key never in errors).
/// </summary>
public sealed class VictorOpsNotifierTests : IAsyncLifetime
{
    private const string GroupKey = "{}:{alertname=\"DiskFull\"}";
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private VictorOpsFake _fake = null!;

    public async Task InitializeAsync() => _fake = await VictorOpsFake.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private VictorOpsConfig Config(string extra = "", string apiKey = VictorOpsFake.ApiKey) =>
        NotifyTestKit.Receiver($"""
                victorops_configs:
                  - api_url: '{_fake.ApiUrl}'
                    api_key: '{apiKey}'
                    routing_key: 'team-{"{{"} .CommonLabels.severity {"}}"}'
            {extra}
            """).VictorOpsConfigs.Single();

    private static Alert DiskFull(string instance, bool resolved = false) => new(
        Labels.From(("alertname", "DiskFull"), ("instance", instance), ("severity", "critical")),
        Labels.From(("summary", "Disk is full")),
        Started,
        resolved ? Now.AddMinutes(-1) : null,
        "http://prom/graph");

    private static Notification Group(params Alert[] alerts) =>
        new("team", Labels.From(("alertname", "DiskFull")), alerts, Now, "http://alerting.test", GroupKey) { Templates = NotifyTestKit.Templates() };

    private static Task SendAsync(VictorOpsConfig config, Notification notification, DeliveryOptions? delivery = null) =>
        NotifyTestKit.Notifier<VictorOpsNotifier>(delivery).SendAsync(NotifyTestKit.Integration(config), notification, CancellationToken.None);

    [Fact]
    public async Task A_firing_group_opens_one_critical_incident_on_the_templated_routing_key_and_resolving_recovers_it()
    {
        var firing = Group(DiskFull("m1"), DiskFull("m2"));
        await SendAsync(Config(), firing);
        await SendAsync(Config(), Group(DiskFull("m1", resolved: true), DiskFull("m2", resolved: true)));

        Assert.Empty(_fake.Rejected);
        Assert.Equal(2, _fake.Received.Count);
        var (open, recovery) = (_fake.Received[0], _fake.Received[1]);
        Assert.Equal($"/{VictorOpsFake.RestPath}{VictorOpsFake.ApiKey}/team-critical", open.Path);
        Assert.Equal(["entity_display_name", "entity_id", "message_type", "monitoring_tool", "state_message"], open.Body.AsObject().Select(p => p.Key));
        Assert.Equal("CRITICAL", open.Body["message_type"]!.GetValue<string>());
        Assert.Equal(firing.GroupKeyHash, open.Body["entity_id"]!.GetValue<string>());
        Assert.Equal("[FIRING:2] DiskFull (critical)", open.Body["entity_display_name"]!.GetValue<string>());
        Assert.StartsWith("Disk is full\nAlerts Firing:\nLabels:\n - alertname = DiskFull\n - instance = m1\n", open.Body["state_message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("Alertmanager", open.Body["monitoring_tool"]!.GetValue<string>());
        Assert.Equal("RECOVERY", recovery.Body["message_type"]!.GetValue<string>());
        Assert.Equal(open.Body["entity_id"]!.GetValue<string>(), recovery.Body["entity_id"]!.GetValue<string>());
        Assert.Equal("RECOVERY", Assert.Single(_fake.Incidents).Value);
    }

    [Fact]
    public async Task A_message_type_victorops_does_not_open_with_becomes_critical_and_custom_fields_are_templated()
    {
        await SendAsync(Config("""
                    message_type: '{{ if eq .CommonLabels.severity "critical" }}ACKNOWLEDGEMENT{{ end }}'
                    custom_fields:
                      runbook: 'https://runbooks/{{ .CommonLabels.alertname }}'
            """), Group(DiskFull("m1")));
        await SendAsync(Config("        message_type: WARNING"), Group(DiskFull("m1")));

        var (first, second) = (_fake.Received[0].Body, _fake.Received[1].Body);
        Assert.Equal(("CRITICAL", "https://runbooks/DiskFull"), (first["message_type"]!.GetValue<string>(), first["runbook"]!.GetValue<string>()));
        Assert.Equal("WARNING", second["message_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_state_message_longer_than_victorops_allows_is_truncated_with_an_ellipsis()
    {
        var verbose = new Alert(Labels.From(("alertname", "DiskFull")), Labels.From(("summary", new string('Ä', 25000))), Started, null, "");
        await SendAsync(Config(), Group(verbose));

        var message = Assert.Single(_fake.Received).Body["state_message"]!.GetValue<string>();
        Assert.Equal(VictorOpsNotifier.MaxStateMessageRunes, message.EnumerateRunes().Count());
        Assert.EndsWith("…", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_key_is_read_from_its_file_at_each_send()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, VictorOpsFake.ApiKey + "\n");
            var config = NotifyTestKit.Receiver($"""
                    victorops_configs:
                      - api_url: '{_fake.ApiUrl}'
                        api_key_file: '{file}'
                        routing_key: ops
                """).VictorOpsConfigs.Single();
            await SendAsync(config, Group(DiskFull("m1")));
            Assert.Single(_fake.Received);

            await File.WriteAllTextAsync(file, "rotated-away");
            await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(config, Group(DiskFull("m1"))));
        }
        finally
        {
            File.Delete(file);
        }
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
    public async Task An_unknown_api_key_is_rejected_for_good_without_the_key_in_the_error()
    {
        const string wrong = "00000000-wrong-key";
        var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config(apiKey: wrong), Group(DiskFull("m1"))));
        Assert.Contains("404", e.Message, StringComparison.Ordinal);
        Assert.Contains("Invalid API key", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, e.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Received);
    }
}
