using System.Globalization;
using System.Text;
using Alerting.DemoFleet;
using Alerting.Fakes;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Alerting.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// PagerDuty delivery end to end: alerts posted to the webhook are routed, grouped and flushed by the
/// function app on the local host (Azurite queues and tables), and paged to the strict PagerDuty fake.
/// </summary>
public sealed class PagerDutyDeliveryTests : IAsyncLifetime
{
    private const string Key = "?code=local-function-key";
    private const string GroupKey = "{}:{alertname=\"DiskFull\"}";

    private readonly CapturedLogs _logs = new();
    private PagerDutyFake _pagerDuty = null!;
    private AlertingStack? _stack;

    private AlertingStack Stack => _stack ?? throw new InvalidOperationException("stack not started");

    public async Task InitializeAsync() => _pagerDuty = await PagerDutyTestKit.StartFakeAsync();

    public async Task DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
        await _pagerDuty.DisposeAsync();
        _logs.Dispose();
    }

    private async Task StartAsync(string routingKey = PagerDutyTestKit.RoutingKey)
    {
        var yaml = $$$"""
            global:
              resolve_timeout: 5m
            route:
              receiver: 'pager'
              group_by: ['alertname']
              group_wait: 10s
              group_interval: 1m
              repeat_interval: 4h
            receivers:
              - name: 'pager'
                pagerduty_configs:
                  - routing_key: '{{{routingKey}}}'
                    url: '{{{_pagerDuty.EventsUrl}}}'
                    severity: '{{ .CommonLabels.severity }}'
                    send_resolved: true
            """;
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], yaml);
        Stack.Host.Services.GetRequiredService<ILoggerFactory>().AddProvider(_logs);
    }

    private async Task PostAsync(string status, DateTimeOffset? endsAt = null)
    {
        var ends = (endsAt ?? DateTimeOffset.MinValue).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var starts = Stack.Time.GetUtcNow().AddMinutes(-5).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var payload = $$"""
            {"version":"4","groupKey":"upstream","status":"{{status}}","receiver":"upstream",
             "groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am",
             "alerts":[{"status":"{{status}}","labels":{"alertname":"DiskFull","severity":"critical","instance":"vyx-user-1"},
                        "annotations":{"summary":"Disk is full"},"startsAt":"{{starts}}","endsAt":"{{ends}}",
                        "generatorURL":"http://prom/graph","fingerprint":"abc"}]}
            """;
        using var response = await Stack.Http.PostAsync("api/alertmanager/webhook" + Key, new StringContent(payload, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Drives the pipeline in 15 s steps of application time until <paramref name="done"/> holds.</summary>
    private async Task StepUntilAsync(Func<bool> done, int maxSteps = 8)
    {
        for (var i = 0; i < maxSteps && !done(); i++)
        {
            await Stack.DrainAsync();
            if (!done())
            {
                Stack.Time.Advance(TimeSpan.FromSeconds(15));
            }
        }
        Assert.True(done(), "the expected PagerDuty traffic did not arrive");
    }

    /// <summary>Drains without moving application time, for work that waits on real time (a failed message's visibility timeout).</summary>
    private Task DrainUntilAsync(Func<bool> done, TimeSpan timeout) =>
        Stack.DrainUntilAsync("the expected PagerDuty traffic", done, timeout: timeout, details: () => $"{_pagerDuty.Requests} requests reached PagerDuty");

    private async Task<GroupRecord> SingleGroupAsync() =>
        Assert.Single(await Stack.Host.Services.GetRequiredService<GroupStore>().ListAsync(CancellationToken.None));

    [Fact]
    public async Task A_firing_alert_opens_one_incident_and_resolving_it_closes_the_incident()
    {
        await StartAsync();

        await PostAsync("firing");
        await StepUntilAsync(() => _pagerDuty.Received.Count >= 1);

        var incident = Assert.Single(_pagerDuty.Incidents);
        Assert.Equal(PagerDutyTestKit.AlertmanagerDedupKey(GroupKey), incident.DedupKey);
        Assert.Equal("triggered", incident.Status);
        var trigger = _pagerDuty.Received.Single().Body;
        Assert.Equal("trigger", (string?)trigger["event_action"]);
        Assert.Equal("[FIRING:1] DiskFull (vyx-user-1 critical)", (string?)trigger["payload"]!["summary"]);
        Assert.Equal("critical", (string?)trigger["payload"]!["severity"]);
        Assert.Equal("1", (string?)trigger["payload"]!["custom_details"]!["num_firing"]);
        Assert.Contains("instance = vyx-user-1", (string?)trigger["payload"]!["custom_details"]!["firing"], StringComparison.Ordinal);
        Assert.Equal("http://alerting.test/#/alerts?receiver=pager", (string?)trigger["client_url"]);

        await PostAsync("resolved", Stack.Time.GetUtcNow());
        await StepUntilAsync(() => _pagerDuty.Received.Count >= 2);

        var resolve = _pagerDuty.Received[^1].Body;
        Assert.Equal("resolve", (string?)resolve["event_action"]);
        Assert.Equal(incident.DedupKey, (string?)resolve["dedup_key"]);
        Assert.Equal("resolved", Assert.Single(_pagerDuty.Incidents).Status);
        Assert.Empty(_pagerDuty.Rejected);
    }

    [Fact]
    public async Task A_server_error_is_retried_and_ends_with_exactly_one_incident()
    {
        await StartAsync();
        _pagerDuty.FailNext(500, 1);

        await PostAsync("firing");
        await StepUntilAsync(() => _pagerDuty.Requests >= 1);
        Assert.Empty(_pagerDuty.Incidents);

        // The failed flush message comes back after host.json's visibilityTimeout (30 s of real time).
        await DrainUntilAsync(() => _pagerDuty.Received.Count >= 1, TimeSpan.FromSeconds(60));

        Assert.Equal(2, _pagerDuty.Requests);
        var incident = Assert.Single(_pagerDuty.Incidents);
        Assert.Equal("triggered", incident.Status);
        Assert.Equal(1, incident.Events);
        Assert.Contains(_logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("failed, will retry", StringComparison.Ordinal) && l.Message.Contains("500", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_event_pagerduty_rejects_is_logged_and_not_retried()
    {
        await StartAsync(routingKey: "not-a-32-character-integration-key");

        await PostAsync("firing");
        await StepUntilAsync(() => _pagerDuty.Requests >= 1);
        // Another group_interval passes: nothing is resent, because resending the same event cannot succeed.
        Stack.Time.Advance(TimeSpan.FromMinutes(1));
        await Stack.DrainAsync();

        Assert.Equal(1, _pagerDuty.Requests);
        Assert.Single(_pagerDuty.Rejected);
        Assert.Empty(_pagerDuty.Incidents);
        Assert.Contains(_logs.Lines, l => l.Level == LogLevel.Error
            && l.Message.Contains("rejected permanently", StringComparison.Ordinal)
            && l.Message.Contains("Event object is invalid: Length of 'routing_key' is incorrect", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_redelivered_flush_does_not_page_again()
    {
        await StartAsync();
        await PostAsync("firing");
        await Stack.DrainAsync();
        var group = await SingleGroupAsync();
        var flush = new FlushGroupMessage(group.GroupId, group.FlushToken, group.NextFlushAt);

        await StepUntilAsync(() => _pagerDuty.Received.Count >= 1);
        await Stack.Host.Services.GetRequiredService<QueueSender>().SendAsync(StorageNames.NotificationsQueue, flush, CancellationToken.None);
        await Stack.DrainAsync();

        Assert.Equal(1, _pagerDuty.Requests);
        Assert.Single(_pagerDuty.Incidents);
    }

    [Fact]
    public async Task Duplicate_copies_of_a_flush_in_flight_leave_one_incident()
    {
        await StartAsync();
        await PostAsync("firing");
        await Stack.DrainAsync();
        var group = await SingleGroupAsync();
        // At-least-once delivery: the same flush message twice on the queue, due together.
        await Stack.Host.Services.GetRequiredService<QueueSender>().SendAsync(
            StorageNames.NotificationsQueue, new FlushGroupMessage(group.GroupId, group.FlushToken, group.NextFlushAt), CancellationToken.None);

        await StepUntilAsync(() => _pagerDuty.Received.Count >= 1);
        await Stack.DrainAsync();

        // Only the copy that claims the group sends; the other finds the claim and stops.
        Assert.Equal(1, _pagerDuty.Requests);
        var incident = Assert.Single(_pagerDuty.Incidents);
        Assert.Equal(PagerDutyTestKit.AlertmanagerDedupKey(GroupKey), incident.DedupKey);
        Assert.All(_pagerDuty.Received, r => Assert.Equal("trigger", (string?)r.Body["event_action"]));
    }
}
