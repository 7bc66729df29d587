using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Fakes.Pushover;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.Pushover;
using Alerting.Functions.Options;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// The Pushover notifier against the strict Pushover fake, reached as api.pushover.net through the fake's
/// CONNECT proxy with its own CA (http_config proxy_url and tls_config): Alertmanager 0.25's parameters,
/// emergency priority while firing, truncation, key files, and Pushover's answers classified.
/// </summary>
public sealed class PushoverNotifierTests : IAsyncLifetime
{
    private const string GroupKey = "{}:{alertname=\"DiskFull\"}";
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private PushoverFake _fake = null!;

    public async Task InitializeAsync() => _fake = await PushoverFake.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private PushoverConfig Config(string extra = "", string keys = $"user_key: '{PushoverFake.UserKey}'\n        token: '{PushoverFake.AppToken}'") =>
        NotifyTestKit.Receiver($"""
                pushover_configs:
                  - {keys}
                    http_config:
                      proxy_url: '{_fake.ProxyUrl}'
                      tls_config:
                        ca_file: '{_fake.CaFile}'
            {extra}
            """).PushoverConfigs.Single();

    private static Alert DiskFull(string instance, bool resolved = false) => new(
        Labels.From(("alertname", "DiskFull"), ("instance", instance), ("severity", "critical")),
        Labels.From(("summary", "Disk is full")),
        Started,
        resolved ? Now.AddMinutes(-1) : null,
        "http://prom/graph");

    private static Notification Group(params Alert[] alerts) =>
        new("team", Labels.From(("alertname", "DiskFull")), alerts, Now, "http://alerting.test", GroupKey) { Templates = NotifyTestKit.Templates() };

    private static Task SendAsync(PushoverConfig config, Notification notification, DeliveryOptions? delivery = null) =>
        NotifyTestKit.Notifier<PushoverNotifier>(delivery).SendAsync(NotifyTestKit.Integration(config), notification, CancellationToken.None);

    private string Param(int i, string name) => _fake.Received[i].Body[name]!.GetValue<string>();

    [Fact]
    public async Task A_firing_group_is_an_emergency_and_its_resolution_a_normal_message()
    {
        await SendAsync(Config(), Group(DiskFull("m1"), DiskFull("m2")));
        await SendAsync(Config(), Group(DiskFull("m1", resolved: true), DiskFull("m2", resolved: true)));

        Assert.Empty(_fake.Rejected);
        Assert.Equal("/1/messages.json", _fake.Received[0].Path);
        Assert.Equal(["expire", "message", "priority", "retry", "sound", "title", "token", "url", "url_title", "user"], _fake.Received[0].Body.AsObject().Select(p => p.Key));
        Assert.Equal(("2", "60", "3600"), (Param(0, "priority"), Param(0, "retry"), Param(0, "expire")));
        Assert.Equal("[FIRING:2] DiskFull (critical)", Param(0, "title"));
        Assert.StartsWith("Disk is full\n\nAlerts Firing:\nLabels:\n - alertname = DiskFull\n - instance = m1\n", Param(0, "message"), StringComparison.Ordinal);
        Assert.Equal("http://alerting.test/#/alerts?receiver=team", Param(0, "url"));
        Assert.Equal(("0", "[RESOLVED] DiskFull (critical)"), (Param(1, "priority"), Param(1, "title")));
    }

    [Fact]
    public async Task Over_long_fields_are_cut_to_pushovers_limits_and_an_empty_message_says_no_details()
    {
        var verbose = new Alert(Labels.From(("alertname", "DiskFull")), Labels.From(("summary", new string('Ä', 2000))), Started, null, "");
        await SendAsync(Config("""
                    title: '{{ .CommonAnnotations.summary }}'
                    message: '{{ .CommonAnnotations.summary }}'
            """), Group(verbose));
        await SendAsync(Config("        message: '  '"), Group(DiskFull("m1")));

        Assert.Empty(_fake.Rejected);
        Assert.Equal((250, 1024), (Param(0, "title").EnumerateRunes().Count(), Param(0, "message").EnumerateRunes().Count()));
        Assert.EndsWith("…", Param(0, "message"), StringComparison.Ordinal);
        Assert.Equal("(no details)", Param(1, "message"));
    }

    [Fact]
    public async Task Keys_are_read_from_their_files_at_each_send()
    {
        var (user, token) = (Path.GetTempFileName(), Path.GetTempFileName());
        try
        {
            await File.WriteAllTextAsync(user, PushoverFake.UserKey + "\n");
            await File.WriteAllTextAsync(token, PushoverFake.AppToken);
            var config = Config(keys: $"user_key_file: '{user}'\n        token_file: '{token}'");
            await SendAsync(config, Group(DiskFull("m1")));
            Assert.Single(_fake.Received);

            await File.WriteAllTextAsync(token, "revoked");
            var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(config, Group(DiskFull("m1"))));
            Assert.Contains("application token is invalid", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(user);
            File.Delete(token);
        }
    }

    [Fact]
    public async Task Rate_limiting_is_retried_within_the_send_and_a_persistent_server_error_is_transient()
    {
        _fake.FailNext(429, 1);
        await SendAsync(Config(), Group(DiskFull("m1")), new DeliveryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10) });
        Assert.Equal((2, 1), (_fake.Requests, _fake.Received.Count));

        _fake.FailNext(500, 5);
        await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(), Group(DiskFull("m1")), new DeliveryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(10) }));
        Assert.Single(_fake.Received);
    }

    [Fact]
    public async Task A_wrong_user_key_or_an_invalid_priority_is_rejected_for_good_without_the_keys_in_the_error()
    {
        var wrongUser = await Assert.ThrowsAsync<PermanentNotificationException>(() =>
            SendAsync(Config(keys: $"user_key: 'someone-else'\n        token: '{PushoverFake.AppToken}'"), Group(DiskFull("m1"))));
        Assert.Contains("400", wrongUser.Message, StringComparison.Ordinal);
        Assert.Contains("user identifier is not a valid user", wrongUser.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PushoverFake.AppToken, wrongUser.Message, StringComparison.Ordinal);

        var badPriority = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config("        priority: '5'"), Group(DiskFull("m1"))));
        Assert.Contains("priority is invalid", badPriority.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Received);
    }
}
