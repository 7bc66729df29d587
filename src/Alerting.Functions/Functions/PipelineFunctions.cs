using System.Text.Json;
using Alerting.Core.FanOut;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Scrape;
using Alerting.Functions.Storage;
using Alerting.Functions.Telemetry;
using Microsoft.Azure.Functions.Worker;

namespace Alerting.Functions.Functions;

/// <summary>The timer and queue functions of the pipeline; each is a thin trigger over domain code.</summary>
public sealed class PipelineFunctions(ScrapeRunner scrape, RuleRunner rules, AlertRouter router, GroupFlusher flusher, IncidentService incidents, TimeProvider time)
{
    /// <summary>Plans the tick: one "scrapes" message per shard, superseded when the timer fires next.</summary>
    [Function("Scrape")]
    public Task Scrape([TimerTrigger("%ScrapeSchedule%")] TimerInfo timer, CancellationToken ct) =>
        scrape.PlanTickAsync(timer?.ScheduleStatus is { Next: var next } && next != default ? new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc)) : null, ct);

    [Function("ScrapeShard")]
    public async Task ScrapeShard([QueueTrigger(StorageNames.ScrapesQueue, Connection = StorageNames.Connection)] string message, CancellationToken ct)
    {
        using var activity = AlertingTelemetry.StartHandling("scrape", message);
        var work = Read<ScrapeShardWork>(message);
        AlertingTelemetry.QueueMessageHandled(StorageNames.ScrapesQueue, time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(work.TickMs));
        await scrape.ScrapeShardAsync(work, ct).ConfigureAwait(false);
    }

    /// <summary>Plans evaluations: one "evaluations" message per rule group whose aligned slot is due.</summary>
    [Function("Evaluate")]
    public Task Evaluate([TimerTrigger("%EvaluateSchedule%")] TimerInfo timer, CancellationToken ct) => rules.PlanAsync(ct);

    [Function("EvaluateGroup")]
    public async Task EvaluateGroup([QueueTrigger(StorageNames.EvaluationsQueue, Connection = StorageNames.Connection)] string message, CancellationToken ct)
    {
        using var activity = AlertingTelemetry.StartHandling("evaluate", message);
        var work = Read<GroupEvaluationWork>(message);
        AlertingTelemetry.QueueMessageHandled(StorageNames.EvaluationsQueue, time.GetUtcNow() - work.EvaluateAt);
        await rules.EvaluateAsync(work, ct).ConfigureAwait(false);
    }

    [Function("Route")]
    public async Task Route([QueueTrigger(StorageNames.AlertsQueue, Connection = StorageNames.Connection)] string message, long dequeueCount, CancellationToken ct)
    {
        using var activity = AlertingTelemetry.StartHandling("route", message);
        await router.RouteAsync(Read<AlertBatchMessage>(message), redelivered: dequeueCount > 1, ct).ConfigureAwait(false);
    }

    [Function("Notify")]
    public async Task Notify([QueueTrigger(StorageNames.NotificationsQueue, Connection = StorageNames.Connection)] string message, CancellationToken ct)
    {
        using var activity = AlertingTelemetry.StartHandling("notify", message);
        var flush = Read<FlushGroupMessage>(message);
        AlertingTelemetry.QueueMessageHandled(StorageNames.NotificationsQueue, time.GetUtcNow() - flush.NotBefore);
        await flusher.FlushAsync(flush, ct).ConfigureAwait(false);
    }

    [Function("Escalate")]
    public async Task Escalate([QueueTrigger(StorageNames.EscalationsQueue, Connection = StorageNames.Connection)] string message, CancellationToken ct)
    {
        using var activity = AlertingTelemetry.StartHandling("escalate", message);
        var step = Read<EscalationMessage>(message);
        AlertingTelemetry.QueueMessageHandled(StorageNames.EscalationsQueue, time.GetUtcNow() - step.NotBefore);
        await incidents.HandleAsync(step, ct).ConfigureAwait(false);
    }

    private static T Read<T>(string message) =>
        JsonSerializer.Deserialize<T>(message, QueueSender.Json) ?? throw new JsonException($"empty {typeof(T).Name} message");
}
