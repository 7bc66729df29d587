using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Core.Model;
using Alerting.Core.Tests;
using Alerting.DemoFleet;
using Alerting.Functions.Notify;
using Alerting.Functions.Options;
using Alerting.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NotifyIntegration = Alerting.Functions.Notify.Integration;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// A receiver that throttles (429 with Retry-After), fails (5xx) or hangs is retried within the send; when it
/// keeps failing the flush fails and the queue redelivers it, and the redelivered flush sends only to the
/// integration that failed. Outcomes are what the receivers saw: requests, their order and spacing.
/// </summary>
public sealed class RedeliveryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);

    private readonly CapturedLogs _logs = new();
    private ScriptedReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await ScriptedReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _logs.Dispose();
    }

    private static Notification Group() => new(
        "team",
        Labels.From(("alertname", "DiskFull")),
        [new Alert(Labels.From(("alertname", "DiskFull"), ("instance", "vyx-user-1")), Labels.From(("summary", "Disk is full")), Now.AddMinutes(-5), null, "http://prom/graph")],
        Now,
        "http://alerting.test",
        "{}:{alertname=\"DiskFull\"}") { Templates = NotifyTestKit.Templates() };

    private async Task<DeliveryResult> DeliverAsync(DeliveryOptions delivery, string path)
    {
        await using var services = NotifyTestKit.Services(delivery, _logs);
        var integration = NotifyIntegration.For(NotifyTestKit.Receiver($"    webhook_configs:\n      - url: '{_receiver.Url(path)}'\n")).Single();
        return await services.GetRequiredService<Deliverer>().DeliverAsync(integration, Group(), CancellationToken.None);
    }

    [Fact]
    public async Task A_429_is_retried_after_the_receivers_retry_after_within_the_send_and_delivered_once()
    {
        _receiver.Script("hook", new ScriptedReceiver.Status(429, RetryAfterSeconds: 1));

        var result = await DeliverAsync(new DeliveryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(20) }, "hook");

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        var requests = _receiver.To("hook");
        Assert.Equal([false, true], requests.Select(r => r.Accepted));
        // The backoff alone is at most 20 ms: only Retry-After explains about a second between the attempts.
        // The receiver stamps each request when it reads it, after the client's clock started the wait, so
        // the gap it sees can be a millisecond short of the full second (seen in CI: 999.1 ms).
        Assert.InRange(requests[1].At - requests[0].At, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(5));
        Assert.Equal(requests[0].Body, requests[1].Body);
    }

    [Fact]
    public async Task Server_errors_are_retried_with_growing_backoff_until_the_receiver_recovers()
    {
        _receiver.Script("hook", new ScriptedReceiver.Status(500), new ScriptedReceiver.Status(503));

        var result = await DeliverAsync(new DeliveryOptions { MaxAttempts = 4, BaseDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(2) }, "hook");

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        Assert.Equal([false, false, true], _receiver.To("hook").Select(r => r.Accepted));
        Assert.Equal(2, _logs.Lines.Count(l => l.Message.Contains("failed transiently", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_receiver_that_hangs_is_abandoned_at_the_attempt_timeout_and_retried()
    {
        _receiver.Script("hook", new ScriptedReceiver.Hang());
        var delivery = new DeliveryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(20), AttemptTimeout = TimeSpan.FromMilliseconds(500) };

        var clock = Stopwatch.StartNew();
        var result = await DeliverAsync(delivery, "hook");
        var elapsed = clock.Elapsed;

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        Assert.Equal([false, true], _receiver.To("hook").Select(r => r.Accepted));
        // The first attempt cannot end before its timeout; the retry follows it at once (backoff ≤ 20 ms).
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_receiver_that_always_hangs_fails_the_send_after_the_configured_attempts_with_the_reason()
    {
        _receiver.Script("hook", new ScriptedReceiver.Hang(), new ScriptedReceiver.Hang(), new ScriptedReceiver.Hang());
        var delivery = new DeliveryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(20), AttemptTimeout = TimeSpan.FromSeconds(1) };

        var clock = Stopwatch.StartNew();
        var result = await DeliverAsync(delivery, "hook");
        var elapsed = clock.Elapsed;

        Assert.Equal(DeliveryStatus.Failed, result.Status);
        Assert.Equal($"POST http://{new Uri(_receiver.Url("hook")).Authority}/<redacted>: no answer within 1 s", result.Error!.Message);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(15));
        Assert.Equal(2, _logs.Lines.Count(l => l.Message.Contains("failed transiently", StringComparison.Ordinal)));
        // Each attempt reached the receiver, which never answered; none was accepted.
        await Eventually.UntilAsync("3 attempts to reach the receiver", () => _receiver.To("hook").Count == 3, TimeSpan.FromSeconds(10), () => $"{_receiver.To("hook").Count} did");
        Assert.DoesNotContain(_receiver.To("hook"), r => r.Accepted);
    }

    /// <summary>
    /// End to end: a receiver with two webhooks, one healthy, one that first throttles beyond what a flush
    /// waits for, then fails every in-process attempt, then recovers. The flush is redelivered by the
    /// queue twice; the healthy webhook is told once, the other gets the same notification once it recovers.
    /// </summary>
    [Fact]
    public async Task A_redelivered_flush_sends_only_to_the_integration_that_failed()
    {
        _receiver.Script("flaky",
            new ScriptedReceiver.Status(429, RetryAfterSeconds: 120),
            new ScriptedReceiver.Status(500), new ScriptedReceiver.Status(502), new ScriptedReceiver.Status(503));
        var yaml = $"""
            route:
              receiver: 'team'
              group_by: ['alertname']
              group_wait: 10s
              group_interval: 5m
            receivers:
              - name: 'team'
                webhook_configs:
                  - url: '{_receiver.Url("healthy")}'
                  - url: '{_receiver.Url("flaky")}'
            """;
        // Redelivery after 1 s instead of host.json's 30 s; in-process retries with tiny backoff.
        var hostJson = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "host.json")).Replace("\"00:00:30\"", "\"00:00:01\"", StringComparison.Ordinal);
        await using var stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], yaml, hostJson: hostJson, settings: new Dictionary<string, string?>
        {
            ["Alerting:Delivery:MaxAttempts"] = "3",
            ["Alerting:Delivery:BaseDelay"] = "00:00:00.020",
            ["Alerting:Delivery:MaxDelay"] = "00:00:00.050",
        });
        stack.Host.Services.GetRequiredService<ILoggerFactory>().AddProvider(_logs);

        var starts = stack.Time.GetUtcNow().AddMinutes(-5).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var payload = $$"""[{"labels":{"alertname":"DiskFull","instance":"vyx-user-1"},"annotations":{"summary":"Disk is full"},"startsAt":"{{starts}}"}]""";
        using var posted = await stack.Http.PostAsync("api/v2/alerts?code=local-function-key", new StringContent(payload, Encoding.UTF8, "application/json"));
        posted.EnsureSuccessStatusCode();

        await stack.DrainUntilAsync("the flaky webhook to accept the redelivered flush", () => _receiver.To("flaky").Any(r => r.Accepted),
            details: () => $"{_receiver.To("flaky").Count} attempts reached it");
        // Whatever else is queued (a stray copy of the flush) gets its chance to misbehave.
        await stack.DrainAsync();

        var healthy = Assert.Single(_receiver.To("healthy"));
        var flaky = _receiver.To("flaky");
        Assert.Equal([false, false, false, false, true], flaky.Select(r => r.Accepted));
        Assert.True(healthy.Accepted);
        // The 429 asked for two minutes: the flush did not wait for it in process, its second delivery came
        // from the queue (visibilityTimeout), not from the in-process retry.
        Assert.InRange(flaky[1].At - flaky[0].At, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.Equal(Alerts(healthy.Body), Alerts(flaky[^1].Body));
        Assert.Equal(2, _logs.Lines.Count(l => l.Level == LogLevel.Warning && l.Message.Contains("Delivery to webhook-1 of team failed, will retry", StringComparison.Ordinal)));
        Assert.DoesNotContain(_logs.Lines, l => l.Message.Contains("webhook-0 of team failed", StringComparison.Ordinal));
    }

    private static string Alerts(string webhookBody) => JsonNode.Parse(webhookBody)!["alerts"]!.ToJsonString();
}
