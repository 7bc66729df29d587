using System.Collections.Concurrent;
using System.Text.Json;
using Alerting.Functions.Storage;

namespace Alerting.Functions.Pipeline;

/// <summary>
/// Puts received alerts on the "alerts" queue for the router, with the alerts of concurrent ingest
/// requests sharing queue messages. A request's alerts join the message being gathered while an earlier
/// send is still on its way to storage; the next send carries everything gathered (up to
/// <see cref="QueueSender.MaxMessageBytes"/>, more in further messages), so under load one send answers
/// many requests. A queue send is the slowest storage request of ingest (Azurite appends and syncs
/// each message to disk, one at a time), so how many sends there are, not how many alerts, is what
/// bounded the ingest rate. An idle app sends a request's alerts at once: nothing waits on a timer.
/// <para>
/// <see cref="EnqueueAsync"/> returns only after storage accepted every message that carries the
/// request's alerts, so a 200 still means "in the queue". A failed send fails every request it carries
/// (their callers answer with an error and the clients retry; alerts of theirs that did reach the queue
/// are routed once more, which merges to the same state).
/// </para>
/// </summary>
public sealed class AlertEnqueuer(QueueSender queues)
{
    // One send in flight per source at a time: every request that arrives meanwhile rides on the next one.
    // A full message does not wait for it (GroupCommit gives it a slot of its own).
    private const int SendsInFlight = 1;

    // Room for the envelope around the alerts (source, trace context), as RuleRunner.Batches leaves.
    private const int AlertBytes = QueueSender.MaxMessageBytes - 1024;

    private readonly ConcurrentDictionary<string, GroupCommit<Chunk>> _bySource = new(StringComparer.Ordinal);

    /// <summary>Queues <paramref name="alerts"/> received from <paramref name="source"/>; completes once storage holds them all.</summary>
    public Task EnqueueAsync(IReadOnlyList<AlertMessage> alerts, string source, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var sends = _bySource.GetOrAdd(source, s => new GroupCommit<Chunk>(chunks => SendAsync(chunks, s), SendsInFlight, AlertBytes, c => c.Bytes));
        // A request larger than one message is split first, as the evaluator splits its alerts.
        return Task.WhenAll(RuleRunner.Batches(alerts).Select(batch => sends.SubmitAsync(new Chunk(batch, Size(batch)), ct)));
    }

    // The send is shared by every request in it, so no one request's cancellation may stop it.
    private Task SendAsync(IReadOnlyList<Chunk> chunks, string source) =>
        queues.SendAsync(StorageNames.AlertsQueue, new AlertBatchMessage(chunks.Count == 1 ? chunks[0].Alerts : chunks.SelectMany(c => c.Alerts).ToArray(), source), CancellationToken.None);

    // The alerts' JSON between the message's brackets: their sizes and the commas.
    private static long Size(IReadOnlyList<AlertMessage> alerts) => JsonSerializer.SerializeToUtf8Bytes(alerts, QueueSender.Json).Length - 1;

    /// <summary>A request's alerts that fit one message, with their size in it.</summary>
    private sealed record Chunk(IReadOnlyList<AlertMessage> Alerts, long Bytes);
}
