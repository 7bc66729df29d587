using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Core.Templating;
using Alerting.Core.Tests;
using Alerting.DemoFleet;
using Alerting.Fakes;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.PagerDuty;
using Alerting.Functions.Notify.Slack;
using Alerting.Functions.Options;
using Alerting.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// A transient failure (429, 5xx) is retried within the send, with backoff and the receiver's
/// Retry-After, against the strict fakes over HTTP; a receiver that keeps failing still fails the send
/// after the configured attempts, so the flush message is redelivered as before.
/// </summary>
public sealed class DeliveryRetryTests : IAsyncLifetime
{
    private const string GroupKey = "{}:{alertname=\"DiskFull\"}";
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);

    /// <summary>Three attempts with tiny backoff, so the waits a test measures are the Retry-After ones.</summary>
    private static readonly DeliveryOptions Retries = new() { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(50), MaxRetryAfter = TimeSpan.FromSeconds(5) };

    private readonly TemplateSet _templates = NotifyTestKit.Templates();
    private readonly CapturedLogs _logs = new();
    private SlackWebhookFake _slack = null!;
    private PagerDutyFake _pagerDuty = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _slack = await SlackWebhookFake.StartAsync();
        _pagerDuty = await PagerDutyTestKit.StartFakeAsync();
        _services = NotifyTestKit.Services(Retries, _logs);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _slack.DisposeAsync();
        await _pagerDuty.DisposeAsync();
        _logs.Dispose();
    }

    private Notification Group() => new(
        "team",
        Labels.From(("alertname", "DiskFull")),
        [new Alert(Labels.From(("alertname", "DiskFull"), ("instance", "vyx-user-1")), Labels.From(("summary", "Disk is full")), Now.AddMinutes(-5), null, "http://prom/graph")],
        Now,
        "http://alerting.test",
        GroupKey) { Templates = _templates };

    private Task SendSlackAsync()
    {
        var config = AlertmanagerConfigLoader.Parse(
            $"route:\n  receiver: team\nreceivers:\n  - name: team\n    slack_configs:\n      - api_url: '{_slack.WebhookUrl}'\n        channel: '#alerts'\n",
            "alertmanager.yml").Receivers.Single().SlackConfigs.Single();
        return _services.GetRequiredService<SlackNotifier>()
            .SendAsync(NotifyTestKit.Integration(config), Group(), CancellationToken.None);
    }

    private Task SendPagerDutyAsync(PagerDutyNotifier notifier)
    {
        var config = AlertmanagerConfigLoader.Parse(
            $"route:\n  receiver: team\nreceivers:\n  - name: team\n    pagerduty_configs:\n      - routing_key: '{PagerDutyTestKit.RoutingKey}'\n        url: '{_pagerDuty.EventsUrl}'\n",
            "alertmanager.yml").Receivers.Single().PagerDutyConfigs.Single();
        return notifier.SendAsync(NotifyTestKit.Integration(config), Group(), CancellationToken.None);
    }

    [Fact]
    public async Task Slack_throttling_once_is_waited_out_as_retry_after_says_and_delivers_one_message()
    {
        _slack.FailNext(429, 1, retryAfterSeconds: 1);

        var clock = Stopwatch.StartNew();
        await SendSlackAsync();
        clock.Stop();

        Assert.Equal(2, _slack.Requests);
        Assert.Single(_slack.Received);
        Assert.Equal(0, _slack.Rejected);
        // The backoff alone is at most 50 ms, so only the Retry-After explains a second's wait.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"retried after {clock.Elapsed}, before Retry-After's 1 s");
        Assert.Contains(_logs.Lines, l => l.Message.Contains("attempt 1 of 3", StringComparison.Ordinal) && l.Message.Contains("429", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pagerduty_failing_twice_then_accepting_ends_with_one_incident()
    {
        _pagerDuty.FailNext(500, 2);

        await SendPagerDutyAsync(PagerDutyTestKit.Notifier(Retries));

        Assert.Equal(3, _pagerDuty.Requests);
        var incident = Assert.Single(_pagerDuty.Incidents);
        Assert.Equal(("triggered", 1), (incident.Status, incident.Events));
    }

    [Fact]
    public async Task A_receiver_that_keeps_failing_fails_the_send_after_the_configured_attempts()
    {
        _pagerDuty.FailNext(503, 100);
        _slack.FailNext(500, 100);

        var pagerDuty = await Assert.ThrowsAsync<TransientNotificationException>(() => SendPagerDutyAsync(PagerDutyTestKit.Notifier(Retries)));
        var slack = await Assert.ThrowsAsync<TransientNotificationException>(SendSlackAsync);

        Assert.Equal((HttpStatusCode.ServiceUnavailable, 3), (pagerDuty.StatusCode, _pagerDuty.Requests));
        Assert.Equal((HttpStatusCode.InternalServerError, 3), (slack.StatusCode, _slack.Requests));
        Assert.Empty(_pagerDuty.Incidents);
        Assert.Empty(_slack.Received);
    }

    [Fact]
    public async Task A_retry_after_beyond_the_cap_fails_at_once_instead_of_retrying_early()
    {
        _slack.FailNext(429, 1, retryAfterSeconds: 60);

        var e = await Assert.ThrowsAsync<TransientNotificationException>(SendSlackAsync);

        Assert.Equal(HttpStatusCode.TooManyRequests, e.StatusCode);
        Assert.Equal(1, _slack.Requests);
    }

    [Fact]
    public async Task A_permanent_rejection_is_not_retried()
    {
        var notifier = PagerDutyTestKit.Notifier(Retries);
        var config = AlertmanagerConfigLoader.Parse(
            $"route:\n  receiver: team\nreceivers:\n  - name: team\n    pagerduty_configs:\n      - routing_key: 'too-short'\n        url: '{_pagerDuty.EventsUrl}'\n",
            "alertmanager.yml").Receivers.Single().PagerDutyConfigs.Single();

        await Assert.ThrowsAsync<PermanentNotificationException>(() =>
            notifier.SendAsync(NotifyTestKit.Integration(config), Group(), CancellationToken.None));

        Assert.Equal(1, _pagerDuty.Requests);
    }

    /// <summary>
    /// End to end with the configuration section: the flush's send makes Alerting:Delivery:MaxAttempts
    /// attempts, then fails the flush, whose message stays on the queue and is delivered once the
    /// receiver recovers.
    /// </summary>
    [Fact]
    public async Task In_the_app_a_send_that_keeps_failing_leaves_the_flush_for_redelivery()
    {
        var yaml = $"""
            route:
              receiver: 'pager'
              group_by: ['alertname']
              group_wait: 10s
              group_interval: 1m
            receivers:
              - name: 'pager'
                pagerduty_configs:
                  - routing_key: '{PagerDutyTestKit.RoutingKey}'
                    url: '{_pagerDuty.EventsUrl}'
            """;
        await using var stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], yaml, settings: new Dictionary<string, string?>
        {
            ["Alerting:Delivery:MaxAttempts"] = "3",
            ["Alerting:Delivery:BaseDelay"] = "00:00:00.020",
            ["Alerting:Delivery:MaxDelay"] = "00:00:00.050",
        });
        stack.Host.Services.GetRequiredService<ILoggerFactory>().AddProvider(_logs);
        _pagerDuty.FailNext(500, 3);

        var starts = stack.Time.GetUtcNow().AddMinutes(-5).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var payload = $$"""
            [{"labels":{"alertname":"DiskFull","instance":"vyx-user-1"},"annotations":{"summary":"Disk is full"},"startsAt":"{{starts}}"}]
            """;
        using var posted = await stack.Http.PostAsync("api/v2/alerts?code=local-function-key", new StringContent(payload, Encoding.UTF8, "application/json"));
        posted.EnsureSuccessStatusCode();
        for (var i = 0; i < 4 && _pagerDuty.Requests < 3; i++)
        {
            await stack.DrainAsync();
            stack.Time.Advance(TimeSpan.FromSeconds(15));
        }

        Assert.Equal(3, _pagerDuty.Requests);
        Assert.Empty(_pagerDuty.Incidents);
        Assert.Contains(_logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("failed, will retry", StringComparison.Ordinal));

        // The failed flush message comes back after host.json's visibilityTimeout (30 s of real time).
        await stack.DrainUntilAsync("the redelivered flush to open the PagerDuty incident", () => _pagerDuty.Incidents.Count > 0,
            details: () => $"{_pagerDuty.Requests} requests reached PagerDuty");
        Assert.Equal(4, _pagerDuty.Requests);
        Assert.Single(_pagerDuty.Incidents);
    }

    /// <summary>
    /// A receiver that stays down: the flush is retried in process, redelivered by the queue, and after
    /// host.json's maxDequeueCount it lands in notifications-poison with the reason logged. The alert and
    /// its group stay stored and the poison message is the flush itself, so nothing is lost.
    /// </summary>
    [Fact]
    public async Task A_receiver_that_stays_down_ends_in_the_poison_queue_with_the_reason_and_nothing_lost()
    {
        var deadPort = ExternalProcess.FreePort();
        var yaml = $"""
            route:
              receiver: 'hook'
              group_by: ['alertname']
              group_wait: 10s
            receivers:
              - name: 'hook'
                webhook_configs:
                  - url: 'http://127.0.0.1:{deadPort}/alerts'
            """;
        var hostJson = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "host.json"))
            .Replace("\"00:00:30\"", "\"00:00:01\"", StringComparison.Ordinal)
            .Replace("\"maxDequeueCount\": 5", "\"maxDequeueCount\": 3", StringComparison.Ordinal);
        await using var stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], yaml, hostJson: hostJson);
        stack.Host.Services.GetRequiredService<ILoggerFactory>().AddProvider(_logs);

        var payload = """[{"labels":{"alertname":"DiskFull","instance":"vyx-user-1"},"annotations":{"summary":"Disk is full"}}]""";
        using var posted = await stack.Http.PostAsync("api/v2/alerts?code=local-function-key", new StringContent(payload, Encoding.UTF8, "application/json"));
        posted.EnsureSuccessStatusCode();
        await stack.DrainAsync();
        stack.Time.Advance(TimeSpan.FromSeconds(15));

        var poison = new Azure.Storage.Queues.QueueClient(stack.Azurite.ConnectionString, "notifications-poison",
            new Azure.Storage.Queues.QueueClientOptions { MessageEncoding = Azure.Storage.Queues.QueueMessageEncoding.Base64 });
        await stack.DrainUntilAsync("the flush to land in notifications-poison", async () => (await poison.PeekMessagesAsync(10)).Value.Length > 0);

        var message = Assert.Single((await poison.PeekMessagesAsync(10)).Value);
        var flush = System.Text.Json.JsonSerializer.Deserialize<Functions.Pipeline.FlushGroupMessage>(message.Body.ToString(), Functions.Storage.QueueSender.Json)!;
        var group = await stack.Host.Services.GetRequiredService<Functions.Storage.GroupStore>().GetAsync(flush.GroupId, CancellationToken.None);
        Assert.NotNull(group);
        Assert.Single(group!.Fingerprints);
        Assert.Single(await stack.Host.Services.GetRequiredService<Functions.Storage.AlertStore>().ListAsync(CancellationToken.None));
        Assert.Contains(_logs.Lines, l => l.Message.Contains("notifications-poison", StringComparison.Ordinal)
            && l.Message.Contains("Connection refused", StringComparison.Ordinal));
    }
}
