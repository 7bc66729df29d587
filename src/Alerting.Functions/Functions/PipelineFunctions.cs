using System.Text.Json;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Scrape;
using Alerting.Functions.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Alerting.Functions.Functions;

/// <summary>The timer and queue functions of the pipeline; each is a thin trigger over domain code.</summary>
public sealed class PipelineFunctions(ScrapeRunner scrape, RuleRunner rules, AlertRouter router, GroupFlusher flusher, IncidentService incidents)
{
    [Function("Scrape")]
    public Task Scrape([TimerTrigger("%ScrapeSchedule%")] TimerInfo timer, CancellationToken ct) => scrape.RunTickAsync(ct);

    [Function("Evaluate")]
    public Task Evaluate([TimerTrigger("%EvaluateSchedule%")] TimerInfo timer, CancellationToken ct) => rules.RunTickAsync(ct);

    [Function("Route")]
    public Task Route([QueueTrigger(StorageNames.AlertsQueue, Connection = StorageNames.Connection)] string message, long dequeueCount, CancellationToken ct) =>
        router.RouteAsync(Read<AlertBatchMessage>(message), redelivered: dequeueCount > 1, ct);

    [Function("Notify")]
    public Task Notify([QueueTrigger(StorageNames.NotificationsQueue, Connection = StorageNames.Connection)] string message, CancellationToken ct) =>
        flusher.FlushAsync(Read<FlushGroupMessage>(message), ct);

    [Function("Escalate")]
    public Task Escalate([QueueTrigger(StorageNames.EscalationsQueue, Connection = StorageNames.Connection)] string message, CancellationToken ct) =>
        incidents.HandleAsync(Read<EscalationMessage>(message), ct);

    private static T Read<T>(string message) =>
        JsonSerializer.Deserialize<T>(message, QueueSender.Json) ?? throw new JsonException($"empty {typeof(T).Name} message");
}
