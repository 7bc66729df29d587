using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Fakes.Mattermost;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.Mattermost;
using Alerting.Functions.Options;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// The Mattermost notifier against the strict incoming-webhook fake over HTTP: the request Alertmanager 0.30
/// posts, accepted and posted by the webhook; failures classified the one way every receiver's are.
/// </summary>
public sealed class MattermostNotifierTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private MattermostWebhookFake _fake = null!;

    public async Task InitializeAsync() => _fake = await MattermostWebhookFake.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private MattermostConfig Config(string extra = "") =>
        NotifyTestKit.Receiver($"""
                mattermost_configs:
                  - webhook_url: '{_fake.WebhookUrl}'
            {extra}
            """).MattermostConfigs.Single();

    private static Alert DiskFull(string instance, bool resolved = false, string summary = "") => new(
        Labels.From(("alertname", "DiskFull"), ("instance", instance), ("severity", "critical")),
        Labels.From(("summary", summary.Length > 0 ? summary : "Disk on " + instance + " is full")),
        Started,
        resolved ? Now.AddMinutes(-1) : null,
        "http://prom/graph?g0.expr=disk&g0.tab=1");

    private static Notification Group(params Alert[] alerts) =>
        new("team", Labels.From(("alertname", "DiskFull")), alerts, Now, "http://alerting.test", "{}:{alertname=\"DiskFull\"}") { Templates = NotifyTestKit.Templates() };

    private static Task SendAsync(MattermostConfig config, Notification notification, DeliveryOptions? delivery = null) =>
        NotifyTestKit.Notifier<MattermostNotifier>(delivery).SendAsync(NotifyTestKit.Integration(config), notification, CancellationToken.None);

    [Fact]
    public async Task A_firing_group_is_one_post_with_the_default_markdown_text_and_nothing_else()
    {
        await SendAsync(Config(), Group(DiskFull("m1"), DiskFull("m2")));

        var post = Assert.Single(_fake.Posts);
        Assert.Equal(MattermostWebhookFake.DefaultChannel, post.Channel);
        Assert.StartsWith("\n\n# Alerts Firing:\n\nLabels:\n  - alertname = DiskFull\n  - instance = m1\n", post.Message, StringComparison.Ordinal);
        Assert.Contains("  - summary = Disk on m2 is full\n", post.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Resolved", post.Message, StringComparison.Ordinal);
        var body = Assert.Single(_fake.Received).Body.AsObject();
        Assert.Equal(["text"], body.Select(p => p.Key));
    }

    [Fact]
    public async Task Channel_username_attachments_props_and_priority_are_templated_and_sent_in_alertmanagers_shape()
    {
        await SendAsync(Config("""
                    channel: 'alerts'
                    username: 'AM {{ .Status }}'
                    text: ''
                    type: custom_alert
                    props: { card: 'card for {{ .CommonLabels.alertname }}' }
                    priority: { priority: URGENT, requested_ack: true, persistent_notifications: true }
                    attachments:
                      - title: '{{ .CommonLabels.alertname }}'
                        color: '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}'
                        fields:
                          - { title: 'instances', value: '{{ range .Alerts }}{{ .Labels.instance }} {{ end }}', short: false }
            """), Group(DiskFull("m1")));

        var post = Assert.Single(_fake.Posts);
        Assert.Equal(("alerts", string.Empty, 1), (post.Channel, post.Message, post.Attachments));
        var expected = new JsonObject
        {
            ["text"] = string.Empty,
            ["channel"] = "alerts",
            ["username"] = "AM firing",
            ["attachments"] = new JsonArray(new JsonObject
            {
                ["color"] = "danger",
                ["title"] = "DiskFull",
                ["fields"] = new JsonArray(new JsonObject { ["title"] = "instances", ["value"] = "m1 ", ["short"] = false }),
            }),
            ["type"] = "custom_alert",
            ["props"] = new JsonObject { ["card"] = "card for DiskFull" },
            ["priority"] = new JsonObject { ["priority"] = "urgent", ["requested_ack"] = true, ["persistent_notifications"] = true },
        };
        Assert.Equal(expected.ToJsonString(), _fake.Received[0].Body.ToJsonString());
    }

    [Theory]
    [InlineData("high", true, true, "{\"priority\":\"standard\"}")]
    [InlineData("important", true, true, "{\"priority\":\"important\",\"requested_ack\":true}")]
    [InlineData("Standard", false, true, "{\"priority\":\"standard\"}")]
    public async Task A_priority_is_corrected_as_alertmanager_corrects_it(string priority, bool ack, bool persistent, string sent)
    {
        await SendAsync(Config($"        priority: {{ priority: {priority}, requested_ack: {ack.ToString().ToLowerInvariant()}, persistent_notifications: {persistent.ToString().ToLowerInvariant()} }}"), Group(DiskFull("m1")));

        Assert.Equal(sent, Assert.Single(_fake.Received).Body["priority"]!.ToJsonString());
    }

    [Fact]
    public async Task A_text_over_mattermosts_limit_is_cut_to_one_post_ending_in_an_ellipsis()
    {
        await SendAsync(Config("        text: '{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}'"), Group(DiskFull("m1", summary: new string('é', 20000))));

        var post = Assert.Single(_fake.Posts);
        Assert.Equal(MattermostNotifier.MaxTextRunes, post.Message.Length);
        Assert.EndsWith("é…", post.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_channel_is_permanent_and_names_mattermosts_error_not_the_url()
    {
        var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config("        channel: nowhere"), Group(DiskFull("m1"))));

        Assert.StartsWith("mattermost: unexpected status 404", e.Message, StringComparison.Ordinal);
        Assert.Contains("Couldn't find the channel", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(MattermostWebhookFake.HookId, e.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Posts);
    }

    [Fact]
    public async Task Rate_limiting_is_retried_within_the_send_and_posted_once()
    {
        _fake.FailNext(429, 1);

        await SendAsync(Config(), Group(DiskFull("m1")), new DeliveryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10) });

        Assert.Equal(2, _fake.Requests);
        Assert.Single(_fake.Posts);
    }

    [Fact]
    public async Task A_failing_server_is_transient()
    {
        _fake.FailNext(503, 1);

        var e = await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(), Group(DiskFull("m1"))));

        Assert.StartsWith("mattermost: unexpected status 503", e.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Posts);
    }

    [Fact]
    public async Task The_webhook_url_file_is_read_at_send_time_and_an_empty_one_is_permanent()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, _fake.WebhookUrl + "\n");
            var config = Config() with { WebhookUrl = null, WebhookUrlFile = file };
            await SendAsync(config, Group(DiskFull("m1")));
            Assert.Single(_fake.Posts);

            await File.WriteAllTextAsync(file, "  \n");
            var empty = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(config, Group(DiskFull("m2"))));
            Assert.Equal("mattermost: webhook url missing", empty.Message);

            File.Delete(file);
            var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(config, Group(DiskFull("m2"))));
            Assert.StartsWith("mattermost: read webhook_url_file", e.Message, StringComparison.Ordinal);
            Assert.Equal(1, _fake.Requests);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
