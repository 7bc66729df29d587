using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Fakes.Telegram;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.Telegram;
using Alerting.Functions.Options;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// The Telegram notifier against the strict Bot API fake over HTTP: the sendMessage request is Alertmanager
/// 0.25's, and every failure Telegram answers is transient, as Alertmanager retries every failed send.
/// </summary>
public sealed class TelegramNotifierTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private TelegramFake _fake = null!;

    public async Task InitializeAsync() => _fake = await TelegramFake.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private TelegramConfig Config(string extra = "", string token = $"bot_token: '{TelegramFake.DefaultBotToken}'", long chat = TelegramFake.DefaultChatId) =>
        NotifyTestKit.Receiver($"""
                telegram_configs:
                  - {token}
                    chat_id: {chat}
                    api_url: '{_fake.ApiUrl}'
            {extra}
            """).TelegramConfigs.Single();

    private static Alert DiskFull(string instance, bool resolved = false) => new(
        Labels.From(("alertname", "DiskFull"), ("instance", instance), ("severity", "critical")),
        Labels.From(("summary", "Disk <b> & more")),
        Started,
        resolved ? Now.AddMinutes(-1) : null,
        "http://prom/graph?g0.expr=disk&g0.tab=1");

    private static Notification Group(params Alert[] alerts) =>
        new("team", Labels.From(("alertname", "DiskFull")), alerts, Now, "http://alerting.test", "{}:{alertname=\"DiskFull\"}") { Templates = NotifyTestKit.Templates() };

    private static Task SendAsync(TelegramConfig config, Notification notification, DeliveryOptions? delivery = null) =>
        NotifyTestKit.Notifier<TelegramNotifier>(delivery).SendAsync(NotifyTestKit.Integration(config), notification, CancellationToken.None);

    [Fact]
    public async Task A_group_is_sent_as_one_html_message_with_alertmanagers_fields_and_escaped_values()
    {
        await SendAsync(Config(), Group(DiskFull("m1"), DiskFull("m2")));

        var request = Assert.Single(_fake.Received);
        Assert.Equal("/bot<token>/sendMessage", request.Path);
        var body = request.Body.AsObject();
        Assert.Equal(["chat_id", "disable_web_page_preview", "parse_mode", "text"], body.Select(kv => kv.Key));
        Assert.Equal(TelegramFake.DefaultChatId.ToString(System.Globalization.CultureInfo.InvariantCulture), body["chat_id"]!.GetValue<string>());
        Assert.Equal(("true", "HTML"), (body["disable_web_page_preview"]!.GetValue<string>(), body["parse_mode"]!.GetValue<string>()));
        var message = Assert.Single(_fake.Messages);
        // HTML parse mode: label and annotation values are escaped, so Telegram accepts the message.
        Assert.Contains("Disk &lt;b&gt; &amp; more", message.Text, StringComparison.Ordinal);
        Assert.Contains("Alerts Firing:", message.Text, StringComparison.Ordinal);
        Assert.Contains("instance = m2", message.Text, StringComparison.Ordinal);
        Assert.False(message.Silent);
        Assert.Empty(_fake.Rejected);
    }

    [Fact]
    public async Task Plain_text_mode_sends_no_parse_mode_and_silent_messages_go_to_their_topic()
    {
        await SendAsync(Config("""
                    parse_mode: ''
                    disable_notifications: true
                    message_thread_id: 12
                    message: '{{ .Status }}: {{ .CommonAnnotations.summary }}'
            """), Group(DiskFull("m1", resolved: true)));

        var body = Assert.Single(_fake.Received).Body.AsObject();
        Assert.Null(body["parse_mode"]);
        Assert.Equal(("true", "12"), (body["disable_notification"]!.GetValue<string>(), body["message_thread_id"]!.GetValue<string>()));
        var message = Assert.Single(_fake.Messages);
        Assert.Equal(("resolved: Disk <b> & more", true, 12L), (message.Text, message.Silent, message.ThreadId));
    }

    [Fact]
    public async Task A_message_longer_than_telegram_allows_is_truncated_to_4096_runes_with_an_ellipsis()
    {
        await SendAsync(Config() with { Message = string.Concat(Enumerable.Repeat("ÄÖÜ-{{ .Status }}", 500)) }, Group(DiskFull("m1")));

        var text = Assert.Single(_fake.Received).Body["text"]!.GetValue<string>();
        Assert.Equal(TelegramNotifier.MaxMessageRunes, text.EnumerateRunes().Count());
        Assert.EndsWith("…", text, StringComparison.Ordinal);
        Assert.Empty(_fake.Rejected);
    }

    [Fact]
    public async Task Flood_control_is_retried_within_the_send_and_the_message_sent_once()
    {
        _fake.FailNext(429, 1);

        await SendAsync(Config(), Group(DiskFull("m1")), new DeliveryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10) });

        Assert.Equal(2, _fake.Requests);
        Assert.Single(_fake.Messages);
    }

    [Fact]
    public async Task Every_failure_is_transient_as_alertmanager_retries_it_with_telegrams_description()
    {
        _fake.FailNext(503, 1);
        await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(), Group(DiskFull("m1"))));

        var wrongToken = await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(token: "bot_token: '1:nope'"), Group(DiskFull("m1"))));
        Assert.Equal("telegram: Unauthorized (401)", wrongToken.Message);
        Assert.DoesNotContain("nope", wrongToken.Message, StringComparison.Ordinal);

        var unknownChat = await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(chat: 99), Group(DiskFull("m1"))));
        Assert.Equal("telegram: Bad Request: chat not found (400)", unknownChat.Message);

        var badHtml = await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config("        message: '<blink>{{ .Status }}</blink>'"), Group(DiskFull("m1"))));
        Assert.StartsWith("telegram: Bad Request: can't parse entities: Unsupported start tag \"blink\"", badHtml.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Messages);
    }

    [Fact]
    public async Task The_token_and_chat_id_files_are_read_at_send_time_and_trimmed()
    {
        var token = Path.GetTempFileName();
        var chat = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(token, TelegramFake.DefaultBotToken + "\n");
            await File.WriteAllTextAsync(chat, $" {TelegramFake.DefaultChatId}\n");
            var config = Config(token: $"bot_token_file: '{token}'") with { ChatId = 0, ChatIdFile = chat };
            await SendAsync(config, Group(DiskFull("m1")));
            Assert.Equal(TelegramFake.DefaultChatId, Assert.Single(_fake.Messages).ChatId);

            File.Delete(token);
            await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(config, Group(DiskFull("m2"))));
        }
        finally
        {
            File.Delete(token);
            File.Delete(chat);
        }
    }
}
