using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Fakes.MsTeams;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.MsTeams;
using Alerting.Functions.Options;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// The Microsoft Teams notifier against the strict incoming-webhook fake over HTTP: one MessageCard per
/// notification with Alertmanager's fields and colours, the webhook URL from the config or its file, and
/// Teams' answers classified (429 and 5xx retried, anything else permanent).
/// </summary>
public sealed class MsTeamsNotifierTests : IAsyncLifetime
{
    private const string GroupKey = "{}:{alertname=\"DiskFull\"}";
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private MsTeamsWebhookFake _fake = null!;

    public async Task InitializeAsync() => _fake = await MsTeamsWebhookFake.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private MsTeamsConfig Config(string extra = "", string? url = null) =>
        NotifyTestKit.Receiver($"""
                msteams_configs:
                  - {url ?? $"webhook_url: '{_fake.WebhookUrl}'"}
            {extra}
            """).MsTeamsConfigs.Single();

    private static Alert DiskFull(string instance, bool resolved = false) => new(
        Labels.From(("alertname", "DiskFull"), ("instance", instance), ("severity", "critical")),
        Labels.From(("summary", "Disk is full"), ("runbook", "https://runbooks.example/disk")),
        Started,
        resolved ? Now.AddMinutes(-1) : null,
        "http://prom/graph");

    private static Notification Group(params Alert[] alerts) =>
        new("team", Labels.From(("alertname", "DiskFull")), alerts, Now, "http://alerting.test", GroupKey) { Templates = NotifyTestKit.Templates() };

    private static Task SendAsync(MsTeamsConfig config, Notification notification, DeliveryOptions? delivery = null) =>
        NotifyTestKit.Notifier<MsTeamsNotifier>(delivery).SendAsync(NotifyTestKit.Integration(config), notification, CancellationToken.None);

    [Fact]
    public async Task A_firing_group_posts_one_red_message_card_with_alertmanagers_default_title_summary_and_text()
    {
        await SendAsync(Config(), Group(DiskFull("m1"), DiskFull("m2", resolved: true)));

        var card = Assert.Single(_fake.Received);
        Assert.Equal(MsTeamsWebhookFake.WebhookPath, card.Path);
        var body = card.Body.AsObject();
        Assert.Equal(["@context", "type", "title", "summary", "text", "themeColor"], body.Select(p => p.Key));
        Assert.Equal("http://schema.org/extensions", body["@context"]!.GetValue<string>());
        Assert.Equal("MessageCard", body["type"]!.GetValue<string>());
        Assert.Equal("[FIRING:1] DiskFull (critical)", body["title"]!.GetValue<string>());
        Assert.Equal("[FIRING:1] DiskFull (critical)", body["summary"]!.GetValue<string>());
        var text = body["text"]!.GetValue<string>();
        Assert.StartsWith("\n\n# Alerts Firing:\n\nLabels:\n  - alertname = DiskFull\n  - instance = m1\n  - severity = critical\n\nAnnotations:\n  - runbook = https://runbooks.example/disk\n  - summary = Disk is full\n\nSource: http://prom/graph\n", text, StringComparison.Ordinal);
        Assert.Contains("# Alerts Resolved:\n\nLabels:\n  - alertname = DiskFull\n  - instance = m2\n", text, StringComparison.Ordinal);
        Assert.Equal(MsTeamsNotifier.ColorFiring, body["themeColor"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_resolved_group_posts_a_green_card()
    {
        await SendAsync(Config(), Group(DiskFull("m1", resolved: true)));

        var body = Assert.Single(_fake.Received).Body.AsObject();
        Assert.Equal("[RESOLVED] DiskFull (m1 critical)", body["title"]!.GetValue<string>());
        Assert.StartsWith("\n\n\n# Alerts Resolved:\n", body["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(MsTeamsNotifier.ColorResolved, body["themeColor"]!.GetValue<string>());
    }

    [Fact]
    public async Task Title_summary_and_text_are_templates_of_the_notification()
    {
        var config = Config("""
                    title: '{{ .CommonLabels.alertname }} on {{ .Alerts.Firing | len }} machines'
                    summary: '{{ .Status | toUpper }}'
                    text: '{{ range .Alerts }}**{{ .Labels.instance }}** {{ .Annotations.summary }}; {{ end }}'
            """);

        await SendAsync(config, Group(DiskFull("m1"), DiskFull("m2")));

        var body = Assert.Single(_fake.Received).Body.AsObject();
        Assert.Equal(("DiskFull on 2 machines", "FIRING", "**m1** Disk is full; **m2** Disk is full; "),
            (body["title"]!.GetValue<string>(), body["summary"]!.GetValue<string>(), body["text"]!.GetValue<string>()));
    }

    [Fact]
    public async Task The_webhook_url_file_is_read_at_send_time_and_trimmed_and_a_missing_file_fails_for_good()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "  " + _fake.WebhookUrl + "\n");
            var config = Config(url: $"webhook_url_file: '{file}'");
            await SendAsync(config, Group(DiskFull("m1")));
            Assert.Single(_fake.Received);

            File.Delete(file);
            var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(config, Group(DiskFull("m1"))));
            Assert.Contains("webhook_url_file", e.Message, StringComparison.Ordinal);
            Assert.Equal(1, _fake.Requests);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Throttling_is_retried_within_the_send_and_the_card_is_posted_once()
    {
        _fake.FailNext(429, 1);

        await SendAsync(Config(), Group(DiskFull("m1")), new DeliveryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10) });

        Assert.Equal(2, _fake.Requests);
        Assert.Single(_fake.Received);
    }

    [Fact]
    public async Task A_server_error_that_persists_fails_transiently_so_the_flush_is_redelivered()
    {
        _fake.FailNext(503, 5);

        await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(), Group(DiskFull("m1")), new DeliveryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(10) }));
        Assert.Empty(_fake.Received);
    }

    [Fact]
    public async Task An_unknown_webhook_or_a_card_without_text_and_summary_is_rejected_for_good()
    {
        var unknown = await Assert.ThrowsAsync<PermanentNotificationException>(() =>
            SendAsync(Config(url: $"webhook_url: '{_fake.BaseAddress}webhookb2/removed'"), Group(DiskFull("m1"))));
        Assert.Contains("404", unknown.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("webhookb2", unknown.Message, StringComparison.Ordinal);

        var empty = await Assert.ThrowsAsync<PermanentNotificationException>(() =>
            SendAsync(Config("""
                    summary: ''
                    text: ''
            """), Group(DiskFull("m1"))));
        Assert.Contains("Summary or Text is required.", empty.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Received);
        Assert.Equal(2, _fake.Rejected.Count);
    }
}
