using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Fakes.MsTeamsV2;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.MsTeamsV2;
using Alerting.Functions.Options;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// The Teams Workflows notifier against the strict workflow-trigger fake over HTTP: the Adaptive Card
/// message Alertmanager 0.28 posts, accepted by the trigger and posted by the flow; failures classified
/// the one way every receiver's are.
/// </summary>
public sealed class MsTeamsV2NotifierTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private TeamsWorkflowFake _fake = null!;

    public async Task InitializeAsync() => _fake = await TeamsWorkflowFake.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private MsTeamsV2Config Config(string extra = "") =>
        NotifyTestKit.Receiver($"""
                msteamsv2_configs:
                  - webhook_url: '{_fake.WebhookUrl}'
            {extra}
            """).MsTeamsV2Configs.Single();

    private static Alert DiskFull(string instance, bool resolved = false) => new(
        Labels.From(("alertname", "DiskFull"), ("instance", instance), ("severity", "critical")),
        Labels.From(("summary", "Disk on " + instance + " is full")),
        Started,
        resolved ? Now.AddMinutes(-1) : null,
        "http://prom/graph?g0.expr=disk&g0.tab=1");

    private static Notification Group(params Alert[] alerts) =>
        new("team", Labels.From(("alertname", "DiskFull")), alerts, Now, "http://alerting.test", "{}:{alertname=\"DiskFull\"}") { Templates = NotifyTestKit.Templates() };

    private static Task SendAsync(MsTeamsV2Config config, Notification notification, DeliveryOptions? delivery = null) =>
        NotifyTestKit.Notifier<MsTeamsV2Notifier>(delivery).SendAsync(NotifyTestKit.Integration(config), notification, CancellationToken.None);

    [Fact]
    public async Task A_firing_group_is_posted_as_one_adaptive_card_with_the_default_title_and_text()
    {
        await SendAsync(Config(), Group(DiskFull("m1"), DiskFull("m2")));

        var card = Assert.Single(_fake.Cards);
        Assert.Equal("Attention", card.HeadingColor);
        Assert.Equal("[FIRING:2] DiskFull (critical)", card.Texts[0]);
        Assert.Contains("# Alerts Firing:", card.Texts[1], StringComparison.Ordinal);
        Assert.Contains("  - instance = m2", card.Texts[1], StringComparison.Ordinal);
        Assert.Contains("  - summary = Disk on m1 is full", card.Texts[1], StringComparison.Ordinal);
        Assert.DoesNotContain("Resolved", card.Texts[1], StringComparison.Ordinal);
        Assert.Empty(_fake.FailedRuns);
        Assert.Empty(_fake.Rejected);
    }

    [Fact]
    public async Task A_resolved_group_is_green_and_templates_see_the_alerts()
    {
        await SendAsync(Config("""
                    title: '{{ .Status }} {{ .CommonLabels.alertname }}'
                    text: '{{ range .Alerts }}{{ .Labels.instance }} {{ end }}'
            """), Group(DiskFull("m1", resolved: true)));

        var card = Assert.Single(_fake.Cards);
        Assert.Equal(("Good", "resolved DiskFull", "m1 "), (card.HeadingColor, card.Texts[0], card.Texts[1]));
    }

    [Fact]
    public async Task A_wrong_signature_is_permanent_and_names_the_workflow_error_not_the_url()
    {
        var config = Config() with { WebhookUrl = _fake.WebhookUrl.Replace(TeamsWorkflowFake.Signature, "forged", StringComparison.Ordinal) };

        var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(config, Group(DiskFull("m1"))));

        Assert.StartsWith("msteamsv2: unexpected status 401", e.Message, StringComparison.Ordinal);
        Assert.Contains("DirectApiInvalidAuthorizationSignature", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("forged", e.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Cards);
    }

    [Fact]
    public async Task Throttling_is_retried_within_the_send_and_the_card_posted_once()
    {
        _fake.FailNext(429, 1);

        await SendAsync(Config(), Group(DiskFull("m1")), new DeliveryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10) });

        Assert.Equal(2, _fake.Requests);
        Assert.Single(_fake.Cards);
    }

    [Fact]
    public async Task A_failing_service_is_transient()
    {
        _fake.FailNext(503, 1);

        var e = await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(), Group(DiskFull("m1"))));

        Assert.StartsWith("msteamsv2: unexpected status 503", e.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Cards);
    }

    [Fact]
    public async Task The_webhook_url_file_is_read_at_send_time_and_trimmed()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, _fake.WebhookUrl + "\n");
            var config = Config() with { WebhookUrl = null, WebhookUrlFile = file };
            await SendAsync(config, Group(DiskFull("m1")));
            Assert.Single(_fake.Cards);

            File.Delete(file);
            var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(config, Group(DiskFull("m2"))));
            Assert.StartsWith("msteamsv2: read webhook_url_file", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
