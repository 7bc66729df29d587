using Alerting.DemoFleet;
using Alerting.Fakes.WeChat;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Parity;

/// <summary>
/// The same alertmanager.yml with wechat_configs goes to the real Alertmanager 0.25 and to us, each pointing
/// at its own WeChat Work fake: the gettoken requests (corpid, corpsecret) and the message/send bodies must be
/// the same, field for field: the default text message, a templated markdown one, and send_resolved's
/// default (false) leaving the first silent on resolve.
/// </summary>
public sealed class WeChatParityTests : IAsyncLifetime
{
    private const string ExternalUrl = "http://alerting.test";
    private AlertingStack _stack = null!;
    private WeChatFake _ours = null!;
    private WeChatFake _theirs = null!;
    private RealAlertmanager _alertmanager = null!;

    private static readonly string Templates = Path.Combine(Alerting.Core.Tests.TestPaths.RepoRoot, "rules", "templates", "default.tmpl");

    private static string Config(string apiUrl) => $$$"""
        # Both load the same default.tmpl, so a difference is the notifier's, not the templates' version.
        templates:
          - '{{{Templates}}}'
        global:
          resolve_timeout: 5m
          wechat_api_url: '{{{apiUrl}}}'
          wechat_api_secret: '{{{WeChatFake.DefaultSecret}}}'
          wechat_api_corp_id: '{{{WeChatFake.DefaultCorpId}}}'
        route:
          receiver: 'ops'
          group_by: ['alertname']
          group_wait: 1s
          group_interval: 1s
          repeat_interval: 4h
        receivers:
          - name: 'ops'
            wechat_configs:
              - to_user: '@all'
                agent_id: '{{{WeChatFake.DefaultAgentId}}}'
              - send_resolved: true
                message_type: markdown
                agent_id: '{{ "{{{WeChatFake.DefaultAgentId}}}" }}'
                to_party: '1|2'
                to_tag: '1'
                message: '**{{ .Status | toUpper }}** {{ .CommonLabels.alertname }}: {{ range .Alerts }}{{ .Annotations.summary }}; {{ end }}'
        """;

    public async Task InitializeAsync()
    {
        _ours = await WeChatFake.StartAsync();
        _theirs = await WeChatFake.StartAsync();
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
    public async Task Token_and_message_requests_match_the_real_alertmanager_firing_and_resolved()
    {
        var startsAt = ReceiverParity.FreshStartsAt();
        await ReceiverParity.SendAsync(_alertmanager, _stack, startsAt, resolved: false, Alerts);
        await WaitForAsync(2);

        AssertSame(0, 2);

        _stack.Time.Advance(TimeSpan.FromMinutes(2));
        await ReceiverParity.SendAsync(_alertmanager, _stack, startsAt, resolved: true, Alerts);
        await WaitForAsync(3);
        // The first integration keeps send_resolved: false, so the resolved round is one message on both sides.
        AssertSame(2, 3);
        Assert.Equal(3, _theirs.Received.Count);
        Assert.Equal(3, _ours.Received.Count);

        Assert.Equal(_theirs.TokenRequests.Distinct(), _ours.TokenRequests.Distinct());
        Assert.Empty(_ours.Rejected);
        Assert.Empty(_theirs.Rejected);
    }

    /// <summary>The two integrations send concurrently, so requests are compared as sets in each round.</summary>
    private void AssertSame(int from, int to)
    {
        static string[] Round(WeChatFake f, int from, int to) =>
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
        ReceiverParity.BothReceiveAsync(_stack, "WeChat", requests, () => _theirs.Received.Count, () => _ours.Received.Count);
}
