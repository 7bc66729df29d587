using Alerting.DemoFleet;
using Alerting.Fakes.Telegram;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Parity;

/// <summary>
/// The same alertmanager.yml with telegram_configs goes to the real Alertmanager 0.25 and to us, each
/// pointing at its own Telegram fake: the sendMessage requests must be the same, field for field (the
/// HTML-escaped default message included), to the same bot path.
/// </summary>
public sealed class TelegramParityTests : IAsyncLifetime
{
    private const string ExternalUrl = "http://alerting.test";
    private AlertingStack _stack = null!;
    private TelegramFake _ours = null!;
    private TelegramFake _theirs = null!;
    private RealAlertmanager _alertmanager = null!;

    private static readonly string Templates = Path.Combine(Alerting.Core.Tests.TestPaths.RepoRoot, "rules", "templates");

    private static string Config(string apiUrl) => $$$"""
        # Both load the same default.tmpl, so a difference is the notifier's, not the templates' version.
        templates:
          - '{{{Templates}}}/default.tmpl'
        global:
          resolve_timeout: 5m
        route:
          receiver: 'ops'
          group_by: ['alertname']
          group_wait: 1s
          group_interval: 1s
          repeat_interval: 4h
        receivers:
          - name: 'ops'
            telegram_configs:
              - api_url: '{{{apiUrl}}}'
                bot_token: '{{{TelegramFake.DefaultBotToken}}}'
                chat_id: {{{TelegramFake.DefaultChatId}}}
              - api_url: '{{{apiUrl}}}'
                bot_token: '{{{TelegramFake.DefaultBotToken}}}'
                chat_id: {{{TelegramFake.DefaultChatId}}}
                parse_mode: ''
                disable_notifications: true
                message: '{{ .Status }} {{ .CommonLabels.alertname }}: {{ range .Alerts }}{{ .Annotations.summary }}; {{ end }}'
        """;

    public async Task InitializeAsync()
    {
        _ours = await TelegramFake.StartAsync();
        _theirs = await TelegramFake.StartAsync();
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], alertmanagerYaml: "placeholder");
        await File.WriteAllTextAsync(Path.Combine(_stack.ConfigDir, "alertmanager.yml"), Config(_ours.ApiUrl));
        _alertmanager = await RealAlertmanager.StartAsync(Config(_theirs.ApiUrl), ExternalUrl);
    }

    public async Task DisposeAsync()
    {
        await _alertmanager.DisposeAsync();
        await _stack.DisposeAsync();
        await _ours.DisposeAsync();
        await _theirs.DisposeAsync();
    }

    [Fact]
    public async Task SendMessage_requests_match_the_real_alertmanager_firing_and_resolved()
    {
        var startsAt = ReceiverParity.FreshStartsAt();
        await ReceiverParity.SendAsync(_alertmanager, _stack, startsAt, resolved: false, Alerts);
        await WaitForAsync(2);

        AssertSame(0, 2);

        _stack.Time.Advance(TimeSpan.FromMinutes(2));
        await ReceiverParity.SendAsync(_alertmanager, _stack, startsAt, resolved: true, Alerts);
        await WaitForAsync(4);

        AssertSame(2, 4);
        Assert.Empty(_ours.Rejected);
        Assert.Empty(_theirs.Rejected);
    }

    /// <summary>The two integrations send concurrently, so requests are compared as sets in each round.</summary>
    private void AssertSame(int from, int to)
    {
        static string[] Round(TelegramFake f, int from, int to) =>
            f.Received.Skip(from).Take(to - from).Select(r => r.Path + " " + r.Body.ToJsonString()).Order(StringComparer.Ordinal).ToArray();
        var theirs = Round(_theirs, from, to);
        Assert.Equal(to - from, theirs.Length);
        Assert.Equal(theirs, Round(_ours, from, to));
    }

    private static string Alerts(DateTimeOffset startsAt, DateTimeOffset? endsAt)
    {
        static string Time(DateTimeOffset t) => t.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var ends = endsAt is { } e ? $",\"endsAt\":\"{Time(e)}\"" : string.Empty;
        return $$"""
            [{"labels":{"alertname":"DiskFull","severity":"critical","instance":"m1","job":"fly"},
              "annotations":{"summary":"Disk on m1 is <full> & \"hot\""},"startsAt":"{{Time(startsAt)}}"{{ends}},"generatorURL":"http://prometheus/graph?g0.expr=disk&g0.tab=1"},
             {"labels":{"alertname":"DiskFull","severity":"critical","instance":"m2","job":"fly"},
              "annotations":{"summary":"Disk on m2 is full"},"startsAt":"{{Time(startsAt)}}"{{ends}},"generatorURL":"http://prometheus/graph?g0.expr=disk"}]
            """;
    }

    private Task WaitForAsync(int requests) =>
        ReceiverParity.BothReceiveAsync(_stack, "Telegram", requests, () => _theirs.Received.Count, () => _ours.Received.Count);
}
