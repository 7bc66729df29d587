using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;

namespace Alerting.Functions.Storage;

/// <summary>What became of a unit of writes: written (with each action's new ETag), or refused with its status.</summary>
public sealed record TableWriteResult(int Status, IReadOnlyList<ETag> ETags)
{
    public bool Succeeded => Status is >= 200 and < 300;

    /// <summary>The unit lost an optimistic race (409, 412, or 404 for a row deleted meanwhile): re-read and try again.</summary>
    public bool IsConflict => Status is 409 or 412 or 404;
}

/// <summary>
/// Coalesces concurrent writes to one table partition into entity group transactions. A unit submitted
/// while no transaction to its partition is in flight goes out at once; units that arrive meanwhile wait
/// and go out together as the next transaction (at most 100 operations, about 3 MB). Under load every
/// round trip to storage carries many writes from many queue messages instead of one, which is what keeps
/// ingest latency flat at 1,000 alerts/s on one Azurite process.
/// <para>
/// A unit (several actions on one partition) always commits or fails as a whole, as a transaction does.
/// Actions of different units on the same row go into different transactions, except identical
/// unconditional ones (an existence check, a membership row), which are sent once for all of them.
/// When a transaction fails, the units that contributed the failing action get its status; units marked
/// speculative (written from cached knowledge of the table) are refused with it too, because the
/// failure says that knowledge is stale; the others go out again in the next transaction.
/// </para>
/// </summary>
public sealed class TableBatcher
{
    public const int MaxActions = 100;

    // Azure refuses transactions over 4 MiB; the estimate below counts UTF-16 string sizes, so stay well under.
    private const long MaxPayloadBytes = 3 * 1024 * 1024;

    private readonly ConcurrentDictionary<(string Table, string Partition), Lane> _lanes = new();

    /// <summary>
    /// Writes <paramref name="actions"/> (all on one partition of <paramref name="table"/>) atomically, in
    /// a transaction shared with other writers of that partition. Storage errors other than a lost race
    /// are thrown; a lost race is a result with <see cref="TableWriteResult.IsConflict"/>.
    /// </summary>
    /// <param name="speculative">The unit was computed from cached rows or ETags; refuse it whenever its transaction fails.</param>
    public Task<TableWriteResult> WriteAsync(TableClient table, IReadOnlyList<TableTransactionAction> actions, bool speculative = false)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count is 0 or > MaxActions)
        {
            throw new ArgumentException($"a unit holds 1 to {MaxActions} actions, not {actions.Count}", nameof(actions));
        }
        var partition = actions[0].Entity.PartitionKey;
        if (actions.Any(a => a.Entity.PartitionKey != partition))
        {
            throw new ArgumentException("every action of a unit must be on the same partition", nameof(actions));
        }
        var unit = new Unit(actions, speculative);
        var key = (table.Name, partition);
        while (true)
        {
            var lane = _lanes.GetOrAdd(key, _ => new Lane(table));
            lock (lane)
            {
                if (lane.Closed)
                {
                    continue;
                }
                lane.Waiting.Add(unit);
                if (lane.Running)
                {
                    return unit.Done.Task;
                }
                lane.Running = true;
            }
            _ = RunAsync(key, lane);
            return unit.Done.Task;
        }
    }

    /// <summary>The same for a single action.</summary>
    public Task<TableWriteResult> WriteAsync(TableClient table, TableTransactionAction action, bool speculative = false) =>
        WriteAsync(table, [action], speculative);

    /// <summary>Deletes every row <paramref name="rows"/> yields, whatever its ETag, coalesced per partition; returns how many went.</summary>
    public async Task<int> DeleteAllAsync(TableClient table, IAsyncEnumerable<TableEntity> rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var pending = new List<Task<TableWriteResult>>();
        await foreach (var row in rows.WithCancellation(ct).ConfigureAwait(false))
        {
            pending.Add(WriteAsync(table, new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(row.PartitionKey, row.RowKey), ETag.All)));
        }
        var results = await Task.WhenAll(pending).WaitAsync(ct).ConfigureAwait(false);
        return results.Count(r => r.Succeeded);
    }

    private async Task RunAsync((string, string) key, Lane lane)
    {
        // Let writers that are submitting right now (one message's many alerts) join the first transaction.
        await Task.Yield();
        while (true)
        {
            Batch batch;
            lock (lane)
            {
                batch = Batch.Take(lane.Waiting);
                if (batch.Units.Count == 0)
                {
                    lane.Running = false;
                    lane.Closed = true;
                    _lanes.TryRemove(new KeyValuePair<(string, string), Lane>(key, lane));
                    return;
                }
            }
            var requeue = await SubmitAsync(lane.Table, batch).ConfigureAwait(false);
            if (requeue.Count > 0)
            {
                lock (lane)
                {
                    lane.Waiting.InsertRange(0, requeue);
                }
            }
        }
    }

    /// <summary>Sends one transaction and settles its units; returns the units to send again.</summary>
    private static async Task<IReadOnlyList<Unit>> SubmitAsync(TableClient table, Batch batch)
    {
        try
        {
            var response = await table.SubmitTransactionAsync(batch.Actions, CancellationToken.None).ConfigureAwait(false);
            var etags = response.Value.Select(r => r.Headers.ETag ?? default).ToArray();
            foreach (var unit in batch.Units)
            {
                unit.Done.TrySetResult(new TableWriteResult(204, batch.Slots[unit].Select(i => etags[i]).ToArray()));
            }
            return [];
        }
        catch (TableTransactionFailedException e) when (ETagUpdater.IsConflict(e))
        {
            var failed = new TableWriteResult(e.Status, []);
            var requeue = new List<Unit>();
            foreach (var unit in batch.Units)
            {
                var contributed = e.FailedTransactionActionIndex is not { } index || batch.Slots[unit].Contains(index);
                if (contributed || unit.Speculative)
                {
                    unit.Done.TrySetResult(failed);
                }
                else
                {
                    requeue.Add(unit);
                }
            }
            return requeue;
        }
        catch (RequestFailedException e) when (batch.Units.Count > 1 && e.Status is >= 400 and < 500)
        {
            // Not a lost race but a refused write (an oversized or malformed entity): send each unit alone,
            // so only the one at fault fails and the others are written.
            foreach (var unit in batch.Units)
            {
                var alone = Batch.Of(unit);
                await SubmitAsync(table, alone).ConfigureAwait(false);
            }
            return [];
        }
        catch (Exception e)
        {
            foreach (var unit in batch.Units)
            {
                unit.Done.TrySetException(e);
            }
            return [];
        }
    }

    private sealed class Lane(TableClient table)
    {
        public TableClient Table { get; } = table;

        public List<Unit> Waiting { get; } = [];

        public bool Running { get; set; }

        public bool Closed { get; set; }
    }

    private sealed class Unit(IReadOnlyList<TableTransactionAction> actions, bool speculative)
    {
        public IReadOnlyList<TableTransactionAction> Actions { get; } = actions;

        public bool Speculative { get; } = speculative;

        public long Bytes { get; } = actions.Sum(a => EstimateBytes(a.Entity));

        public TaskCompletionSource<TableWriteResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>One transaction: its actions, and for each unit the positions of its actions in it.</summary>
    private sealed class Batch
    {
        public List<TableTransactionAction> Actions { get; } = [];

        public List<Unit> Units { get; } = [];

        public Dictionary<Unit, List<int>> Slots { get; } = [];

        public static Batch Of(Unit unit)
        {
            var batch = new Batch();
            batch.TryAdd(unit, new Dictionary<string, int>(StringComparer.Ordinal), long.MaxValue);
            return batch;
        }

        /// <summary>Takes waiting units in arrival order as long as they fit; the rest keep waiting.</summary>
        public static Batch Take(List<Unit> waiting)
        {
            var batch = new Batch();
            var rows = new Dictionary<string, int>(StringComparer.Ordinal);
            var bytes = 0L;
            for (var i = 0; i < waiting.Count;)
            {
                var unit = waiting[i];
                if (batch.TryAdd(unit, rows, MaxPayloadBytes - bytes))
                {
                    bytes += unit.Bytes;
                    waiting.RemoveAt(i);
                    continue;
                }
                if (batch.Actions.Count >= MaxActions)
                {
                    break;
                }
                i++;
            }
            return batch;
        }

        private bool TryAdd(Unit unit, Dictionary<string, int> rows, long room)
        {
            if (Units.Count > 0 && unit.Bytes > room)
            {
                return false;
            }
            var slots = new List<int>(unit.Actions.Count);
            var added = 0;
            foreach (var action in unit.Actions)
            {
                if (rows.TryGetValue(action.Entity.RowKey, out var at))
                {
                    if (!Shareable(Actions[at], action))
                    {
                        return false;
                    }
                    slots.Add(at);
                }
                else
                {
                    slots.Add(-1);
                    added++;
                }
            }
            if (Actions.Count + added > MaxActions)
            {
                return false;
            }
            for (var k = 0; k < slots.Count; k++)
            {
                if (slots[k] < 0)
                {
                    slots[k] = Actions.Count;
                    rows[unit.Actions[k].Entity.RowKey] = Actions.Count;
                    Actions.Add(unit.Actions[k]);
                }
            }
            Units.Add(unit);
            Slots[unit] = slots;
            return true;
        }

        // Two writers may share one action only if applying it once is exactly applying it twice:
        // the same unconditional write of the same values.
        private static bool Shareable(TableTransactionAction a, TableTransactionAction b)
        {
            if (a.ActionType != b.ActionType)
            {
                return false;
            }
            var unconditional = a.ActionType switch
            {
                TableTransactionActionType.UpsertMerge or TableTransactionActionType.UpsertReplace => true,
                TableTransactionActionType.UpdateMerge or TableTransactionActionType.UpdateReplace or TableTransactionActionType.Delete =>
                    a.ETag == ETag.All && b.ETag == ETag.All,
                _ => false,
            };
            return unconditional && SameValues(a.Entity, b.Entity);
        }

        private static bool SameValues(ITableEntity a, ITableEntity b)
        {
            if (a is not TableEntity x || b is not TableEntity y || x.Count != y.Count)
            {
                return false;
            }
            foreach (var (name, value) in x)
            {
                if (name is "odata.etag" or "Timestamp")
                {
                    continue;
                }
                if (!y.TryGetValue(name, out var other) || !Equals(value, other))
                {
                    return false;
                }
            }
            return true;
        }
    }

    private static long EstimateBytes(ITableEntity entity)
    {
        var bytes = 256L + (entity.PartitionKey.Length + entity.RowKey.Length) * 2L;
        if (entity is TableEntity e)
        {
            foreach (var (name, value) in e)
            {
                bytes += 64 + name.Length * 2L + (value is string s ? s.Length * 2L : 32);
            }
        }
        return bytes;
    }
}
