using System.Net;
using System.Text;
using Alerting.DemoFleet;
using Alerting.Functions.Storage;
using Alerting.Functions.Tsdb;
using Alerting.Integration.Tests.Infrastructure;
using Azure.Storage.Queues;

namespace Alerting.Integration.Tests.EndToEnd;

/// <summary>Alerts pushed to us (Alertmanager webhook v4, v2 API) take the same path; bad input changes nothing.</summary>
public sealed class IngestTests : IAsyncLifetime
{
    private const string Key = "?code=local-function-key";
    private AlertingStack _stack = null!;

    public async Task InitializeAsync() => _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)]);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private async Task<int> QueuedAlertsAsync()
    {
        var q = new QueueClient(_stack.Azurite.ConnectionString, StorageNames.AlertsQueue);
        if (!(await q.ExistsAsync()).Value)
        {
            return 0;
        }
        return (await q.GetPropertiesAsync()).Value.ApproximateMessagesCount;
    }

    [Fact]
    public async Task An_alertmanager_webhook_is_routed_and_delivered_to_email_and_slack()
    {
        var payload = """
            {"version":"4","groupKey":"{}:{alertname=\"DiskFull\"}","status":"firing","receiver":"upstream",
             "groupLabels":{"alertname":"DiskFull"},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am",
             "alerts":[{"status":"firing","labels":{"alertname":"DiskFull","severity":"critical","instance":"vyx-user-1"},
                        "annotations":{"summary":"Disk is full"},"startsAt":"2026-11-24T10:00:00Z","endsAt":"0001-01-01T00:00:00Z",
                        "generatorURL":"http://prom/graph","fingerprint":"abc"}]}
            """;
        var response = await _stack.Http.PostAsync("api/alertmanager/webhook" + Key, Json(payload));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        for (var i = 0; i < 5 && _stack.Slack.Received.Count == 0; i++)
        {
            await _stack.DrainAsync();
            _stack.Time.Advance(TimeSpan.FromSeconds(15));
        }

        Assert.Contains(_stack.SlackTitles(), t => t.StartsWith("[FIRING:1] DiskFull critical", StringComparison.Ordinal));
        Assert.Contains(await _stack.EmailSubjectsAsync(), s => s.Contains("[FIRING:1] DiskFull", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_v2_alerts_api_accepts_prometheus_payloads()
    {
        var response = await _stack.Http.PostAsync("api/v2/alerts" + Key, Json("""[{"labels":{"alertname":"FromPrometheus","severity":"warning"},"annotations":{"summary":"s"}}]"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await QueuedAlertsAsync());
    }

    [Fact]
    public async Task The_apps_own_metrics_count_what_it_handled_before_they_were_first_read()
    {
        var response = await _stack.Http.PostAsync("api/v2/alerts" + Key, Json("""[{"labels":{"alertname":"Counted","severity":"warning"}}]"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await _stack.DrainUntilAsync("the Slack message for Counted", () => _stack.SlackTitles().Any(t => t.Contains("Counted", StringComparison.Ordinal)), step: TimeSpan.FromSeconds(15));

        var metrics = await _stack.Http.GetStringAsync(new Uri("api/metrics/self" + Key, UriKind.Relative));
        Assert.Matches(@"(?m)^alerting_notifications_sent_total\{integration=""slack""\} [1-9]", metrics);
        Assert.Matches(@"(?m)^alerting_queue_message_age_seconds_count\{queue=""notifications""\} [1-9]", metrics);
    }

    [Theory]
    [InlineData("{\"version\":\"4\",\"alerts\":[", "malformed JSON")]
    [InlineData("{\"version\":\"4\"}", "alerts\\\" is required")]
    [InlineData("{\"version\":\"3\",\"alerts\":[]}", "unsupported webhook version")]
    [InlineData("{\"version\":\"4\",\"alerts\":[{\"labels\":{}}]}", "alert 0: at least one label pair required")]
    [InlineData("{\"version\":\"4\",\"alerts\":[{\"labels\":{\"bad-name\":\"x\"}}]}", "invalid label name")]
    public async Task Bad_webhook_bodies_get_400_with_a_reason_and_queue_nothing(string body, string reason)
    {
        var response = await _stack.Http.PostAsync("api/alertmanager/webhook" + Key, Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await QueuedAlertsAsync());
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_is_refused_with_413()
    {
        var huge = "{\"version\":\"4\",\"alerts\":[],\"pad\":\"" + new string('x', (1024 * 1024) + 10) + "\"}";
        var response = await _stack.Http.PostAsync("api/alertmanager/webhook" + Key, Json(huge));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("exceeds", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, await QueuedAlertsAsync());
    }

    [Fact]
    public async Task The_webhook_requires_the_function_key()
    {
        var response = await _stack.Http.PostAsync("api/alertmanager/webhook", Json("{\"version\":\"4\",\"alerts\":[]}"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_target_that_times_out_is_marked_down_without_failing_the_tick()
    {
        // A listener that accepts connections but never answers: the scrape must give up at its timeout.
        using var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var scrape = Path.Combine(_stack.ConfigDir, "scrape.yml");
        await File.WriteAllTextAsync(scrape, $"global:\n  scrape_interval: 30s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: 'hangs'\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n");
        File.SetLastWriteTimeUtc(scrape, DateTime.UtcNow.AddSeconds(5));

        var started = DateTime.UtcNow;
        await _stack.Host.InvokeTimerAsync("Scrape");
        await _stack.Host.DrainQueuesAsync();
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.Zero, TimeSpan.FromSeconds(10));

        var store = (ScrapeTickStore)_stack.Host.Services.GetService(typeof(ScrapeTickStore))!;
        var tick = (await store.ReadSinceAsync(0, CancellationToken.None)).Single(t => t.Job == "hangs");
        var up = tick.Targets.Single().Samples.Single(s => s.Labels.Name == "up");
        Assert.Equal(0, up.Value);
    }
}
