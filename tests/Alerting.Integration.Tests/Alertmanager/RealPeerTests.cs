using System.Net;
using System.Text;
using Alerting.DemoFleet;
using Alerting.Functions.Functions;
using Alerting.Functions.Storage;
using Alerting.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Alerting.Integration.Tests.Alertmanager;

/// <summary>
/// Real Debian peers hand alerts to us: an Alertmanager 0.25 through its webhook receiver, and a
/// Prometheus 2.42 through its own Alertmanager client. Both run on free loopback ports in temp dirs
/// and are killed when the test ends.
/// </summary>
public sealed class RealPeerTests : IAsyncLifetime
{
    private const string PrometheusToken = "prometheus-test-token";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private readonly string _dir = Directory.CreateTempSubdirectory("alerting-peers-").FullName;
    private AlertingStack _stack = null!;

    public async Task InitializeAsync()
    {
        // The local host reads app settings from the environment, as the Functions host does.
        _stack = await AlertingStack.StartAsync(
            [("1", MachineMode.Healthy)],
            settings: new Dictionary<string, string?> { [IngestFunctions.PrometheusTokenSetting] = PrometheusToken });
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Require(string path) =>
        File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: run .ci/install-deps");

    /// <summary>Drains our queues and keeps our clock at real time until a Slack message mentions <paramref name="alertname"/> (bounded).</summary>
    private async Task<string> WaitForSlackAsync(string alertname, ExternalProcess peer)
    {
        string? title = null;
        await Eventually.UntilAsync($"a Slack message for {alertname}", async () =>
        {
            await _stack.DrainAsync();
            title = _stack.SlackTitles().FirstOrDefault(t => t.Contains(alertname, StringComparison.Ordinal));
            if (title is not null)
            {
                return true;
            }
            // Real peers stamp alerts with real time (Prometheus' endsAt is only a few seconds ahead),
            // so our clock follows real time instead of racing ahead and resolving them.
            var lag = DateTimeOffset.UtcNow - _stack.Time.GetUtcNow();
            if (lag > TimeSpan.Zero)
            {
                _stack.Time.Advance(lag);
            }
            return false;
        }, Deadline, () => "peer output:\n" + peer.Output, poll: TimeSpan.FromMilliseconds(500));
        return title!;
    }

    [Fact]
    public async Task An_alert_posted_to_a_real_alertmanager_reaches_slack_and_email_through_its_webhook()
    {
        var config = Path.Combine(_dir, "alertmanager.yml");
        await File.WriteAllTextAsync(config, $"""
            route:
              receiver: alerting-functions
              group_by: ['alertname']
              group_wait: 1s
              group_interval: 5s
              repeat_interval: 1h
            receivers:
              - name: alerting-functions
                webhook_configs:
                  - url: '{new Uri(_stack.Host.BaseAddress, "api/alertmanager/webhook?code=local-function-key")}'
                    send_resolved: true
            """);
        Directory.CreateDirectory(Path.Combine(_dir, "am-data"));
        var (am, ports) = await ExternalProcess.StartListeningAsync(1, ports => ExternalProcess.Start(Require("/usr/bin/prometheus-alertmanager"),
            $"--config.file={config}", $"--storage.path={Path.Combine(_dir, "am-data")}",
            $"--web.listen-address=127.0.0.1:{ports[0]}", "--cluster.listen-address="));
        await using var _ = am;
        var port = ports[0];

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        using var posted = await http.PostAsync("api/v2/alerts", new StringContent(
            """[{"labels":{"alertname":"ViaRealAlertmanager","severity":"critical","instance":"vyx-user-1"},"annotations":{"summary":"relayed by Alertmanager 0.25"}}]""",
            Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);

        var title = await WaitForSlackAsync("ViaRealAlertmanager", am);
        Assert.StartsWith("[FIRING:1] ViaRealAlertmanager critical", title, StringComparison.Ordinal);
        Assert.Contains(await _stack.EmailSubjectsAsync(), s => s.Contains("[FIRING:1] ViaRealAlertmanager", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_real_prometheus_sends_its_firing_rule_to_us_as_its_alertmanager()
    {
        var rules = Path.Combine(_dir, "always.rules.yml");
        await File.WriteAllTextAsync(rules, """
            groups:
              - name: always
                rules:
                  - alert: PrometheusSaysHello
                    expr: vector(1)
                    for: 0s
                    labels:
                      severity: warning
                    annotations:
                      summary: fired by a real Prometheus
            """);
        var config = Path.Combine(_dir, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              evaluation_interval: 1s
            rule_files: ['{rules}']
            alerting:
              alertmanagers:
                - api_version: v2
                  path_prefix: /api/prometheus
                  authorization:
                    credentials: '{PrometheusToken}'
                  static_configs:
                    - targets: ['127.0.0.1:{_stack.Host.BaseAddress.Port}']
            """);
        var (prometheus, _) = await ExternalProcess.StartListeningAsync(1, ports => ExternalProcess.Start(Require("/usr/bin/prometheus"),
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_dir, "prom-data")}",
            $"--web.listen-address=127.0.0.1:{ports[0]}",
            // The first send happens before notifier discovery knows us and is dropped; without this
            // the next attempt would wait for the default one-minute resend delay.
            "--rules.alert.resend-delay=1s"));
        await using var __ = prometheus;

        var title = await WaitForSlackAsync("PrometheusSaysHello", prometheus);
        Assert.StartsWith("[FIRING:1] PrometheusSaysHello warning", title, StringComparison.Ordinal);
        var stored = await _stack.Host.Services.GetRequiredService<AlertStore>().ListAsync(CancellationToken.None);
        var alert = Assert.Single(stored, a => a.Alert.Labels["alertname"] == "PrometheusSaysHello").Alert;
        Assert.Equal("fired by a real Prometheus", alert.Annotations["summary"]);
        Assert.StartsWith("http://", alert.GeneratorUrl, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_prometheus_route_refuses_a_wrong_token_and_queues_nothing()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/prometheus/api/v2/alerts")
        {
            Content = new StringContent("""[{"labels":{"alertname":"Sneaky"}}]""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "wrong");
        using var response = await _stack.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        using var basic = new HttpRequestMessage(HttpMethod.Post, "api/prometheus/api/v2/alerts")
        {
            Content = new StringContent("""[{"labels":{"alertname":"Allowed"}}]""", Encoding.UTF8, "application/json"),
        };
        basic.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("prometheus:" + PrometheusToken)));
        using var accepted = await _stack.Http.SendAsync(basic);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);

        await _stack.DrainAsync();
        var names = (await _stack.Host.Services.GetRequiredService<AlertStore>().ListAsync(CancellationToken.None)).Select(a => a.Alert.Labels["alertname"]).ToArray();
        Assert.Contains("Allowed", names);
        Assert.DoesNotContain("Sneaky", names);
    }
}
