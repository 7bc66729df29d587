using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Fakes.Discord;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.Discord;
using Alerting.Functions.Options;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// The Discord notifier against the strict Discord webhook fake over HTTP: one embed per notification with
/// Alertmanager 0.25's title, description, colours and truncation, and Discord's answers classified (429
/// and 5xx retried, anything else permanent).
/// </summary>
public sealed class DiscordNotifierTests : IAsyncLifetime
{
    private const string GroupKey = "{}:{alertname=\"DiskFull\"}";
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private DiscordWebhookFake _fake = null!;

    public async Task InitializeAsync() => _fake = await DiscordWebhookFake.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private DiscordConfig Config(string extra = "", string? url = null) =>
        NotifyTestKit.Receiver($"""
                discord_configs:
                  - webhook_url: '{url ?? _fake.WebhookUrl}'
            {extra}
            """).DiscordConfigs.Single();

    private static Alert DiskFull(string instance, bool resolved = false) => new(
        Labels.From(("alertname", "DiskFull"), ("instance", instance), ("severity", "critical")),
        Labels.From(("summary", "Disk is full")),
        Started,
        resolved ? Now.AddMinutes(-1) : null,
        "http://prom/graph");

    private static Notification Group(params Alert[] alerts) =>
        new("team", Labels.From(("alertname", "DiskFull")), alerts, Now, "http://alerting.test", GroupKey) { Templates = NotifyTestKit.Templates() };

    private static Task SendAsync(DiscordConfig config, Notification notification, DeliveryOptions? delivery = null) =>
        NotifyTestKit.Notifier<DiscordNotifier>(delivery).SendAsync(NotifyTestKit.Integration(config), notification, CancellationToken.None);

    [Fact]
    public async Task A_firing_group_posts_one_red_embed_with_alertmanagers_default_title_and_message()
    {
        await SendAsync(Config(), Group(DiskFull("m1"), DiskFull("m2")));

        var message = Assert.Single(_fake.Received);
        Assert.Equal($"/api/webhooks/{DiscordWebhookFake.WebhookId}/{DiscordWebhookFake.WebhookToken}", message.Path);
        Assert.Equal("", message.Body["content"]!.GetValue<string>());
        var embed = Assert.Single(message.Body["embeds"]!.AsArray())!.AsObject();
        Assert.Equal(["title", "description", "color"], embed.Select(p => p.Key));
        Assert.Equal("[FIRING:2] DiskFull (critical)", embed["title"]!.GetValue<string>());
        Assert.StartsWith("\n\nAlerts Firing:\nLabels:\n - alertname = DiskFull\n - instance = m1\n", embed["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0x992D22, embed["color"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_resolved_group_posts_a_green_embed()
    {
        await SendAsync(Config(), Group(DiskFull("m1", resolved: true)));

        var embed = Assert.Single(Assert.Single(_fake.Received).Body["embeds"]!.AsArray())!;
        Assert.Equal("[RESOLVED] DiskFull (m1 critical)", embed["title"]!.GetValue<string>());
        Assert.Equal(0x2ECC71, embed["color"]!.GetValue<int>());
    }

    [Fact]
    public async Task Titles_and_messages_longer_than_discord_allows_are_truncated_with_an_ellipsis()
    {
        var verbose = new Alert(Labels.From(("alertname", "DiskFull")), Labels.From(("summary", new string('Ä', 300)), ("description", new string('x', 5000))), Started, null, "");
        await SendAsync(Config("""
                    title: '{{ .CommonAnnotations.summary }}'
                    message: '{{ .CommonAnnotations.description }}'
            """), Group(verbose));

        var embed = Assert.Single(Assert.Single(_fake.Received).Body["embeds"]!.AsArray())!;
        var (title, description) = (embed["title"]!.GetValue<string>(), embed["description"]!.GetValue<string>());
        Assert.Equal((256, 4096), (title.EnumerateRunes().Count(), description.EnumerateRunes().Count()));
        Assert.EndsWith("…", title, StringComparison.Ordinal);
        Assert.EndsWith("…", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rate_limiting_is_retried_within_the_send_and_a_persistent_server_error_is_transient()
    {
        _fake.FailNext(429, 1);
        await SendAsync(Config(), Group(DiskFull("m1")), new DeliveryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10) });
        Assert.Equal((2, 1), (_fake.Requests, _fake.Received.Count));

        _fake.FailNext(502, 5);
        await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(), Group(DiskFull("m1")), new DeliveryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(10) }));
        Assert.Single(_fake.Received);
    }

    [Fact]
    public async Task An_unknown_webhook_or_a_wrong_token_is_rejected_for_good_without_the_token_in_the_error()
    {
        var unknown = await Assert.ThrowsAsync<PermanentNotificationException>(() =>
            SendAsync(Config(url: $"{_fake.BaseAddress}api/webhooks/42/{DiscordWebhookFake.WebhookToken}"), Group(DiskFull("m1"))));
        Assert.Contains("404", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("Unknown Webhook", unknown.Message, StringComparison.Ordinal);

        var wrongToken = await Assert.ThrowsAsync<PermanentNotificationException>(() =>
            SendAsync(Config(url: $"{_fake.BaseAddress}api/webhooks/{DiscordWebhookFake.WebhookId}/wrong"), Group(DiskFull("m1"))));
        Assert.Contains("401", wrongToken.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(DiscordWebhookFake.WebhookToken, unknown.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Received);
    }
}
