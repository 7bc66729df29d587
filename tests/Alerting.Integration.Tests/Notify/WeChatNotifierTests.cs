using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Fakes.WeChat;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.WeChat;
using Alerting.Functions.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// The WeChat notifier against the strict WeChat Work fake over HTTP: a token from gettoken, kept two hours
/// and dropped when WeChat says it expired, then Alertmanager 0.25's message/send body; failures classified
/// as Alertmanager classifies them.
/// </summary>
public sealed class WeChatNotifierTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Now);
    private WeChatFake _fake = null!;
    private WeChatNotifier _notifier = null!;

    public async Task InitializeAsync()
    {
        _fake = await WeChatFake.StartAsync();
        _notifier = Notifier(NotifyTestKit.SingleAttempt);
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private WeChatNotifier Notifier(DeliveryOptions delivery) =>
        NotifyTestKit.Services(delivery, configure: s => s.AddSingleton<TimeProvider>(_time)).GetRequiredService<WeChatNotifier>();

    private WeChatConfig Config(string extra = "", string secret = $"api_secret: '{WeChatFake.DefaultSecret}'") =>
        NotifyTestKit.Receiver($"""
                wechat_configs:
                  - {secret}
                    corp_id: '{WeChatFake.DefaultCorpId}'
                    api_url: '{_fake.ApiUrl}'
                    agent_id: '{WeChatFake.DefaultAgentId}'
                    to_user: 'ZhangSan|nobody'
            {extra}
            """).WeChatConfigs.Single();

    private static Alert DiskFull(string instance, bool resolved = false) => new(
        Labels.From(("alertname", "DiskFull"), ("instance", instance), ("severity", "critical")),
        Labels.From(("summary", "Disk <b> & more")),
        Started,
        resolved ? Now.AddMinutes(-1) : null,
        "http://prom/graph?g0.expr=disk&g0.tab=1");

    private static Notification Group(params Alert[] alerts) =>
        new("team", Labels.From(("alertname", "DiskFull")), alerts, Now, "http://alerting.test", "{}:{alertname=\"DiskFull\"}") { Templates = NotifyTestKit.Templates() };

    private Task SendAsync(WeChatConfig config, Notification notification, WeChatNotifier? notifier = null) =>
        (notifier ?? _notifier).SendAsync(NotifyTestKit.Integration(config), notification, CancellationToken.None);

    [Fact]
    public async Task A_group_is_sent_as_one_text_message_with_alertmanagers_fields_after_one_token_fetch()
    {
        await SendAsync(Config(), Group(DiskFull("m1"), DiskFull("m2")));

        Assert.Equal([(WeChatFake.DefaultCorpId, WeChatFake.DefaultSecret)], _fake.TokenRequests);
        var request = Assert.Single(_fake.Received);
        Assert.Equal("/cgi-bin/message/send", request.Path);
        var body = request.Body.AsObject();
        // Go's field order; the empty toparty/totag left out; the unused markdown struct sent empty.
        Assert.Equal(["text", "touser", "agentid", "safe", "msgtype", "markdown"], body.Select(kv => kv.Key));
        Assert.Equal(("0", "text", ""), (body["safe"]!.GetValue<string>(), body["msgtype"]!.GetValue<string>(), body["markdown"]!["content"]!.GetValue<string>()));
        var message = Assert.Single(_fake.Messages);
        Assert.StartsWith("[FIRING:2] DiskFull (critical)\nDisk <b> & more\nAlerts Firing:\nLabels:\n - alertname = DiskFull\n - instance = m1", message.Content, StringComparison.Ordinal);
        Assert.EndsWith("AlertmanagerUrl:\nhttp://alerting.test/#/alerts?receiver=team", message.Content, StringComparison.Ordinal);
        Assert.Equal(["ZhangSan"], message.Users);
        Assert.Equal(WeChatFake.DefaultAgentId, message.AgentId);
        Assert.Empty(_fake.Rejected);
    }

    [Fact]
    public async Task Markdown_messages_carry_the_content_in_markdown_and_recipients_are_templates()
    {
        await SendAsync(Config("""
                    message_type: markdown
                    message: '**{{ .Status }}** {{ .CommonAnnotations.summary }}'
                    to_party: '{{ if eq .Status "resolved" }}2{{ else }}1{{ end }}'
            """), Group(DiskFull("m1", resolved: true)));

        var body = Assert.Single(_fake.Received).Body.AsObject();
        Assert.Equal(("", "markdown", "2"), (body["text"]!["content"]!.GetValue<string>(), body["msgtype"]!.GetValue<string>(), body["toparty"]!.GetValue<string>()));
        var message = Assert.Single(_fake.Messages);
        Assert.Equal(("markdown", "**resolved** Disk <b> & more"), (message.Type, message.Content));
        Assert.Equal(["2"], message.Parties);
    }

    [Fact]
    public async Task The_token_is_reused_for_two_hours_then_fetched_again()
    {
        await SendAsync(Config(), Group(DiskFull("m1")));
        _time.Advance(TimeSpan.FromMinutes(119));
        await SendAsync(Config(), Group(DiskFull("m2")));
        Assert.Single(_fake.TokenRequests);

        _time.Advance(TimeSpan.FromMinutes(2));
        await SendAsync(Config(), Group(DiskFull("m3")));
        Assert.Equal(2, _fake.TokenRequests.Count);
        Assert.Equal(3, _fake.Messages.Count);
    }

    [Fact]
    public async Task An_expired_token_fails_transiently_and_the_next_send_fetches_a_new_one()
    {
        await SendAsync(Config(), Group(DiskFull("m1")));
        _fake.ExpireTokens();

        var expired = await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(), Group(DiskFull("m2"))));
        Assert.StartsWith("wechat: access_token expired", expired.Message, StringComparison.Ordinal);
        Assert.EndsWith("(42001)", expired.Message, StringComparison.Ordinal);

        await SendAsync(Config(), Group(DiskFull("m2")));
        Assert.Equal(2, _fake.TokenRequests.Count);
        Assert.Equal(2, _fake.Messages.Count);
    }

    [Fact]
    public async Task A_wrong_secret_fails_permanently_naming_the_corp_id_but_not_the_secret()
    {
        var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config(secret: "api_secret: 'wrong-secret'"), Group(DiskFull("m1"))));

        Assert.StartsWith($"wechat: invalid APISecret for CorpID: {WeChatFake.DefaultCorpId} (invalid credential", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret", e.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Received);
    }

    [Fact]
    public async Task WeChat_errors_are_permanent_except_an_expired_token_and_a_failing_gateway_is_retried()
    {
        var nobody = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config() with { ToUser = "nobody" }, Group(DiskFull("m1"))));
        Assert.StartsWith("wechat: user & party & tag all invalid", nobody.Message, StringComparison.Ordinal);

        var noAgent = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config() with { AgentId = "" }, Group(DiskFull("m1"))));
        Assert.StartsWith("wechat: missing agentid", noAgent.Message, StringComparison.Ordinal);

        _fake.FailNext(1, status: 200, errCode: 45009);
        await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config(), Group(DiskFull("m1"))));

        _fake.FailNext(1, status: 502);
        var gateway = await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(), Group(DiskFull("m1"))));
        Assert.Equal("wechat: unexpected status code 502", gateway.Message);
        Assert.Empty(_fake.Messages);
    }

    [Fact]
    public async Task A_failing_gateway_is_retried_within_the_send_and_the_message_sent_once()
    {
        var notifier = Notifier(new DeliveryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10) });
        _fake.FailNext(2, status: 503);

        await SendAsync(Config(), Group(DiskFull("m1")), notifier);

        Assert.Single(_fake.Messages);
        Assert.Equal(4, _fake.Requests);
    }

    [Fact]
    public async Task The_secret_file_is_read_when_a_token_is_fetched_and_trimmed()
    {
        var secret = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(secret, WeChatFake.DefaultSecret + "\n");
            var config = Config(secret: $"api_secret_file: '{secret}'");
            await SendAsync(config, Group(DiskFull("m1")));
            Assert.Equal(WeChatFake.DefaultSecret, Assert.Single(_fake.TokenRequests).Corpsecret);

            File.Delete(secret);
            await SendAsync(config, Group(DiskFull("m2")));
            _time.Advance(TimeSpan.FromHours(2.5));
            var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(config, Group(DiskFull("m2"))));
            Assert.StartsWith("wechat: read api_secret_file", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(secret);
        }
    }
}
