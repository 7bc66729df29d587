using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;

namespace Alerting.Functions.Telemetry;

/// <summary>
/// The app's own telemetry: one meter and one activity source, named for OpenTelemetry
/// (<see cref="Name"/>), and one-line recording methods the pipeline calls. Exported to Azure Monitor by
/// the OpenTelemetry SDK when APPLICATIONINSIGHTS_CONNECTION_STRING is set (Program.cs), and always
/// readable in Prometheus' text format at <c>GET /api/metrics/self</c> (<see cref="SelfMetrics"/>), so the
/// alerter can be scraped, by itself or by another Prometheus, like any target.
/// </summary>
public static class AlertingTelemetry
{
    public const string Name = "Alerting.Functions";

    /// <summary>The W3C trace context field added to every queue message, so a trace follows an alert across queues.</summary>
    public const string TraceParentField = "traceparent";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> NotificationsSent = Meter.CreateCounter<long>("alerting_notifications_sent_total", description: "Notifications delivered, per integration kind.");
    private static readonly Counter<long> NotificationsFailed = Meter.CreateCounter<long>("alerting_notifications_failed_total", description: "Notification attempts that failed, per integration kind.");
    private static readonly Histogram<double> RuleEvaluation = Meter.CreateHistogram<double>("alerting_rule_group_evaluation_duration_seconds", "s", "Time to evaluate one rule group.");
    private static readonly Counter<long> RuleFailures = Meter.CreateCounter<long>("alerting_rule_evaluation_failures_total", description: "Rules whose evaluation failed, per group.");
    private static readonly Histogram<double> Scrape = Meter.CreateHistogram<double>("alerting_scrape_duration_seconds", "s", "Time to scrape one target.");
    private static readonly Histogram<double> QueueAge = Meter.CreateHistogram<double>("alerting_queue_message_age_seconds", "s", "Time from enqueue to handling, per queue (delayed messages count from their due time).");
    private static readonly Counter<long> Poisoned = Meter.CreateCounter<long>("alerting_queue_poisoned_total", description: "Messages moved to a poison queue, per queue.");
    private static readonly Counter<long> IncidentSteps = Meter.CreateCounter<long>("alerting_incident_steps_total", description: "Escalation step targets notified, per policy.");
    private static readonly Counter<long> Evaluations = Meter.CreateCounter<long>("alerting_evaluation_ticks_total", description: "Evaluation ticks, by outcome; a stalled alerter stops counting.");
    private static readonly Counter<long> HeartbeatPings = Meter.CreateCounter<long>("alerting_heartbeat_pings_total", description: "Pings received on /api/heartbeats/<name>.");

    private static readonly Counter<long> RemoteWriteSamples = Meter.CreateCounter<long>("alerting_remote_write_samples_sent_total", description: "Samples a remote_write endpoint accepted (2xx), per endpoint.");
    private static readonly Counter<long> RemoteWriteBytes = Meter.CreateCounter<long>("alerting_remote_write_bytes_sent_total", description: "Compressed request bytes a remote_write endpoint accepted, per endpoint.");
    private static readonly Counter<long> RemoteWriteDropped = Meter.CreateCounter<long>("alerting_remote_write_samples_dropped_total", description: "Samples not forwarded to a remote_write endpoint, per endpoint and reason (rejected: a 4xx answer; too_old; native_histogram).");
    private static readonly Counter<long> RemoteWriteFailures = Meter.CreateCounter<long>("alerting_remote_write_failed_requests_total", description: "Requests that failed after their retries (5xx, 429, no answer) and will be sent again, per endpoint.");

    public static void RemoteWriteSent(string endpoint, long samples, long bytes)
    {
        var tag = new KeyValuePair<string, object?>("endpoint", endpoint);
        RemoteWriteSamples.Add(samples, tag);
        RemoteWriteBytes.Add(bytes, tag);
    }

    public static void RemoteWriteSamplesDropped(string endpoint, string reason, long samples) =>
        RemoteWriteDropped.Add(samples, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("reason", reason));

    public static void RemoteWriteFailed(string endpoint) => RemoteWriteFailures.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint));

    public static void NotificationSent(string integration) => NotificationsSent.Add(1, new KeyValuePair<string, object?>("integration", integration));

    public static void NotificationFailed(string integration) => NotificationsFailed.Add(1, new KeyValuePair<string, object?>("integration", integration));

    public static void RuleGroupEvaluated(string group, TimeSpan duration, int failedRules)
    {
        var tag = new KeyValuePair<string, object?>("rule_group", group);
        RuleEvaluation.Record(duration.TotalSeconds, tag);
        if (failedRules > 0)
        {
            RuleFailures.Add(failedRules, tag);
        }
    }

    public static void TargetScraped(string job, TimeSpan duration) => Scrape.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("job", job));

    public static void QueueMessageHandled(string queue, TimeSpan age) => QueueAge.Record(Math.Max(0, age.TotalSeconds), new KeyValuePair<string, object?>("queue", queue));

    public static void QueueMessagePoisoned(string queue) => Poisoned.Add(1, new KeyValuePair<string, object?>("queue", queue));

    public static void IncidentStepNotified(string policy) => IncidentSteps.Add(1, new KeyValuePair<string, object?>("policy", policy));

    public static void EvaluationTick(bool succeeded) => Evaluations.Add(1, new KeyValuePair<string, object?>("outcome", succeeded ? "success" : "failure"));

    public static void HeartbeatPinged(string name) => HeartbeatPings.Add(1, new KeyValuePair<string, object?>("heartbeat", name));

    /// <summary>Adds the current trace context to an outgoing queue message.</summary>
    public static void Inject(JsonObject message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Activity.Current is { } current)
        {
            message[TraceParentField] = current.Id;
        }
    }

    /// <summary>Starts the handler's activity as a child of the trace the message carries (or a new trace).</summary>
    public static Activity? StartHandling(string operation, string messageJson)
    {
        string? parent = null;
        try
        {
            parent = JsonNode.Parse(messageJson)?[TraceParentField]?.GetValue<string>();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            // Not ours to judge here: the handler reports a malformed message itself.
        }
        return ActivityContext.TryParse(parent, null, out var context)
            ? Source.StartActivity(operation, ActivityKind.Consumer, context)
            : Source.StartActivity(operation, ActivityKind.Consumer);
    }
}
