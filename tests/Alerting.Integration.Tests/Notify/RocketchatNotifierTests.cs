using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Fakes.Rocketchat;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.Rocketchat;
using Alerting.Functions.Options;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// The Rocket.Chat notifier against the strict chat.postMessage fake over HTTP: the message Alertmanager 0.28
/// posts with the token headers; failures classified the one way every receiver's are.
/// </summary>
public sealed class RocketchatNotifierTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private RocketchatFake _fake = null!;

    public async Task InitializeAsync() => _fake = await RocketchatFake.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private RocketchatConfig Config(string extra = "") =>
        NotifyTestKit.Receiver($"""
                rocketchat_configs:
                  - api_url: '{_fake.BaseAddress}'
                    token: '{RocketchatFake.Token}'
                    token_id: '{RocketchatFake.UserId}'
                    channel: '#alerts'
            {extra}
            """).RocketchatConfigs.Single();

    private static Alert DiskFull(string instance, bool resolved = false) => new(
        Labels.From(("alertname", "DiskFull"), ("instance", instance), ("severity", "critical")),
        Labels.From(("summary", "Disk on " + instance + " is full")),
        Started,
        resolved ? Now.AddMinutes(-1) : null,
        "http://prom/graph?g0.expr=disk&g0.tab=1");

    private static Notification Group(params Alert[] alerts) =>
        new("team", Labels.From(("alertname", "DiskFull")), alerts, Now, "http://alerting.test", "{}:{alertname=\"DiskFull\"}") { Templates = NotifyTestKit.Templates() };

    private static Task SendAsync(RocketchatConfig config, Notification notification, DeliveryOptions? delivery = null) =>
        NotifyTestKit.Notifier<RocketchatNotifier>(delivery).SendAsync(NotifyTestKit.Integration(config), notification, CancellationToken.None);

    [Fact]
    public async Task A_firing_group_is_posted_with_alertmanagers_default_attachment()
    {
        await SendAsync(Config(), Group(DiskFull("m1"), DiskFull("m2")));

        var expected = new JsonObject
        {
            ["channel"] = "#alerts",
            ["attachments"] = new JsonArray(new JsonObject
            {
                ["title"] = "[FIRING:2] DiskFull (critical)",
                ["title_link"] = "http://alerting.test/#/alerts?receiver=team",
                ["color"] = "red",
            }),
        };
        Assert.Equal(expected.ToJsonString(), Assert.Single(_fake.Received).Body.ToJsonString());
    }

    [Fact]
    public async Task Fields_and_buttons_are_templated_with_short_fields_as_the_fallback()
    {
        await SendAsync(Config("""
                    short_fields: true
                    text: '{{ range .Alerts }}{{ .Labels.instance }} {{ end }}'
                    emoji: ':fire:'
                    fields:
                      - { title: severity, value: '{{ .CommonLabels.severity }}' }
                      - { title: count, value: '{{ .Alerts | len }}', short: false }
                    actions:
                      - { text: 'Silence {{ .CommonLabels.alertname }}', url: 'http://am/#/silences/new' }
            """), Group(DiskFull("m1", resolved: true)));

        var expected = new JsonObject
        {
            ["channel"] = "#alerts",
            ["emoji"] = ":fire:",
            ["attachments"] = new JsonArray(new JsonObject
            {
                ["title"] = "[RESOLVED] DiskFull (m1 critical)",
                ["title_link"] = "http://alerting.test/#/alerts?receiver=team",
                ["text"] = "m1 ",
                ["color"] = "green",
                ["fields"] = new JsonArray(
                    new JsonObject { ["short"] = true, ["title"] = "severity", ["value"] = "critical" },
                    new JsonObject { ["short"] = false, ["title"] = "count", ["value"] = "1" }),
                ["actions"] = new JsonArray(new JsonObject { ["type"] = "button", ["text"] = "Silence DiskFull", ["url"] = "http://am/#/silences/new", ["is_webview"] = false, ["msg_in_chat_window"] = false }),
            }),
        };
        Assert.Equal(expected.ToJsonString(), Assert.Single(_fake.Received).Body.ToJsonString());
    }

    [Fact]
    public async Task A_wrong_token_is_permanent_and_does_not_show_the_token()
    {
        var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config() with { Token = "forged" }, Group(DiskFull("m1"))));

        Assert.StartsWith("rocketchat: channel \"#alerts\": unexpected status 401", e.Message, StringComparison.Ordinal);
        Assert.Contains("You must be logged in to do this.", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("forged", e.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Received);
    }

    [Fact]
    public async Task An_unknown_channel_is_permanent()
    {
        var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config() with { Channel = "#nowhere" }, Group(DiskFull("m1"))));

        Assert.Contains("invalid-channel", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rate_limiting_is_retried_and_a_failing_server_is_transient()
    {
        _fake.FailNext(429, 1);
        await SendAsync(Config(), Group(DiskFull("m1")), new DeliveryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10) });
        Assert.Equal((2, 1), (_fake.Requests, _fake.Received.Count));

        _fake.FailNext(503, 1);
        var e = await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(), Group(DiskFull("m1"))));
        Assert.Contains("unexpected status 503", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_files_are_read_at_send_time_and_trimmed()
    {
        var (token, id) = (Path.GetTempFileName(), Path.GetTempFileName());
        try
        {
            await File.WriteAllTextAsync(token, RocketchatFake.Token + "\n");
            await File.WriteAllTextAsync(id, " " + RocketchatFake.UserId + "\n");
            var config = Config() with { Token = null, TokenFile = token, TokenId = null, TokenIdFile = id };
            await SendAsync(config, Group(DiskFull("m1")));
            Assert.Single(_fake.Received);

            File.Delete(token);
            var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(config, Group(DiskFull("m2"))));
            Assert.StartsWith("rocketchat: read token_file", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(token);
            File.Delete(id);
        }
    }
}
