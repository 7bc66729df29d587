using Alerting.Core.Heartbeats;
using Alerting.Core.Model;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Alerting.Functions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Heartbeats;

/// <summary>
/// Runs after every evaluation tick: sends the Watchdog alert and the heartbeat checks' alerts to the
/// "alerts" queue (routed like any alert), and pings the external heartbeat URL after a successful tick,
/// so a second system pages when this one stops. A failed ping is logged once until pings succeed again.
/// </summary>
public sealed partial class DeadMansSwitch(
    HeartbeatStore store,
    QueueSender queues,
    IHttpClientFactory http,
    TimeProvider time,
    IOptions<HeartbeatOptions> options,
    ILogger<DeadMansSwitch> logger)
{
    /// <summary>Alerts from here end this long after a tick unless the next tick re-sends them.</summary>
    public static readonly TimeSpan ResendWindow = TimeSpan.FromMinutes(5);

    private DateTimeOffset? _watchdogSince;
    private bool _pingFailing;

    public async Task OnEvaluationAsync(bool succeeded, CancellationToken ct)
    {
        AlertingTelemetry.EvaluationTick(succeeded);
        var now = time.GetUtcNow();
        var o = options.Value;
        var alerts = new List<AlertMessage>();
        if (o.Watchdog)
        {
            _watchdogSince ??= now;
            alerts.Add(ToMessage(HeartbeatPlan.Watchdog(_watchdogSince.Value), now));
        }
        if (o.Checks.Count > 0)
        {
            var checks = o.Checks.Select(kv => new HeartbeatCheck(kv.Key, kv.Value.Period, kv.Value.Grace, Labels.From(kv.Value.Labels))).ToArray();
            var states = await store.LoadAsync(checks.Select(c => c.Name), now, ct).ConfigureAwait(false);
            alerts.AddRange(HeartbeatPlan.Evaluate(checks, states, now).Select(a => ToMessage(a, now)));
        }
        if (alerts.Count > 0)
        {
            await queues.SendAsync(StorageNames.AlertsQueue, new AlertBatchMessage(alerts, "heartbeats"), ct).ConfigureAwait(false);
        }
        if (succeeded && o.PingUrl.Length > 0)
        {
            await PingAsync(o.PingUrl, ct).ConfigureAwait(false);
        }
    }

    /// <summary>A firing alert ends after the resend window unless re-sent; a cleared one ends now (resolved).</summary>
    private static AlertMessage ToMessage(HeartbeatAlert a, DateTimeOffset now) =>
        new(a.Labels, a.Annotations, a.StartsAt, a.Firing ? now + ResendWindow : now, null);

    private async Task PingAsync(string url, CancellationToken ct)
    {
        try
        {
            using var client = http.CreateClient("notify");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var response = await client.GetAsync(new Uri(url), timeout.Token).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            if (_pingFailing)
            {
                _pingFailing = false;
                LogPingRecovered(logger, url);
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            if (!_pingFailing)
            {
                _pingFailing = true;
                LogPingFailed(logger, url, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat ping to {Url} failed ({Error}); logged once until it succeeds again")]
    private static partial void LogPingFailed(ILogger logger, string url, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Heartbeat ping to {Url} succeeds again")]
    private static partial void LogPingRecovered(ILogger logger, string url);
}
