using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Fakes.Webex;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.Webex;
using Alerting.Functions.Options;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// The Webex notifier against the strict Webex Messages API fake over HTTP: one markdown message per
/// notification to the configured room with the bot token from http_config, Alertmanager 0.25's default
/// message and byte truncation, and the API's answers classified (429 and 5xx retried, anything else permanent).
/// </summary>
public sealed class WebexNotifierTests : IAsyncLifetime
{
    private const string GroupKey = "{}:{alertname=\"DiskFull\"}";
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private WebexFake _fake = null!;

    public async Task InitializeAsync() => _fake = await WebexFake.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private WebexConfig Config(string extra = "", string token = WebexFake.BotToken, string room = WebexFake.RoomId) =>
        NotifyTestKit.Receiver($"""
                webex_configs:
                  - api_url: '{_fake.ApiUrl}'
                    room_id: '{room}'
                    http_config:
                      authorization:
                        credentials: '{token}'
            {extra}
            """).WebexConfigs.Single();

    private static Alert DiskFull(string instance, bool resolved = false) => new(
        Labels.From(("alertname", "DiskFull"), ("instance", instance), ("severity", "critical")),
        Labels.From(("summary", "Disk is full")),
        Started,
        resolved ? Now.AddMinutes(-1) : null,
        "http://prom/graph");

    private static Notification Group(params Alert[] alerts) =>
        new("team", Labels.From(("alertname", "DiskFull")), alerts, Now, "http://alerting.test", GroupKey) { Templates = NotifyTestKit.Templates() };

    private static Task SendAsync(WebexConfig config, Notification notification, DeliveryOptions? delivery = null) =>
        NotifyTestKit.Notifier<WebexNotifier>(delivery).SendAsync(NotifyTestKit.Integration(config), notification, CancellationToken.None);

    [Fact]
    public async Task A_firing_group_posts_one_markdown_message_to_the_room_with_the_bot_token()
    {
        await SendAsync(Config(), Group(DiskFull("m1"), DiskFull("m2")));

        var message = Assert.Single(_fake.Received);
        Assert.Equal("/v1/messages", message.Path);
        Assert.Equal(["markdown", "roomId"], message.Body.AsObject().Select(p => p.Key));
        Assert.Equal(WebexFake.RoomId, message.Body["roomId"]!.GetValue<string>());
        Assert.StartsWith("Disk is full\n\nAlerts Firing:\nLabels:\n - alertname = DiskFull\n - instance = m1\n", message.Body["markdown"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_longer_than_webex_allows_is_cut_to_7439_bytes_with_an_ellipsis()
    {
        var verbose = new Alert(Labels.From(("alertname", "DiskFull")), Labels.From(("summary", new string('Ä', 5000))), Started, null, "");
        await SendAsync(Config("        message: '{{ .CommonAnnotations.summary }}'"), Group(verbose));

        var markdown = Assert.Single(_fake.Received).Body["markdown"]!.GetValue<string>();
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(markdown), WebexNotifier.MaxMessageBytes - 1, WebexNotifier.MaxMessageBytes);
        Assert.EndsWith("Ä…", markdown, StringComparison.Ordinal);
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
    public async Task A_wrong_token_or_an_unknown_room_is_rejected_for_good_without_the_token_in_the_error()
    {
        const string wrong = "not-the-bot-token";
        var unauthorized = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config(token: wrong), Group(DiskFull("m1"))));
        Assert.Contains("401", unauthorized.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, unauthorized.Message, StringComparison.Ordinal);

        var unknownRoom = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config(room: "no-such-room"), Group(DiskFull("m1"))));
        Assert.Contains("404", unknownRoom.Message, StringComparison.Ordinal);
        Assert.Contains("Could not find a room", unknownRoom.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Received);
    }
}
