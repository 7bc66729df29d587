namespace Alerting.Functions.Pipeline;

/// <summary>
/// Group commit for work that callers hand in concurrently: items submitted while the commits already
/// running occupy every slot wait, and the next free slot commits all that waited (up to
/// <c>maxBatch</c> in total size) as one batch. An idle committer commits an item at once, so nothing
/// waits on a timer; under load, batches grow with the wait, which is what keeps up with the load
/// (the same shape as <see cref="Storage.TableBatcher"/> for table writes, one level up).
/// <para>
/// A full batch never waits for a slot: its items gain nothing from waiting longer, so it is committed
/// at once in an extra slot that ends with it. Each caller's task completes when the batch holding its
/// item is committed, and fails with the batch's exception if it failed.
/// </para>
/// </summary>
/// <param name="commit">Commits one batch; throwing fails it. Runs on no caller's token: the batch is shared.</param>
/// <param name="slots">Batches committed at once while none is full.</param>
/// <param name="maxBatch">The largest total size of a batch; one item larger than this is committed alone.</param>
/// <param name="sizeOf">An item's size in the unit of <paramref name="maxBatch"/>.</param>
public sealed class GroupCommit<T>(Func<IReadOnlyList<T>, Task> commit, int slots, long maxBatch, Func<T, long> sizeOf)
{
    private readonly object _gate = new();
    private readonly Queue<Entry> _waiting = new();
    private long _waitingSize;
    private int _running;

    /// <summary>Completes when <paramref name="item"/> is committed; cancelling stops only this caller's wait.</summary>
    public Task SubmitAsync(T item, CancellationToken ct = default)
    {
        var entry = new Entry(item, sizeOf(item));
        bool start;
        lock (_gate)
        {
            _waiting.Enqueue(entry);
            _waitingSize += entry.Size;
            start = _running < slots || _waitingSize >= maxBatch;
            if (start)
            {
                _running++;
            }
        }
        if (start)
        {
            _ = RunAsync();
        }
        return ct.CanBeCanceled ? entry.Done.Task.WaitAsync(ct) : entry.Done.Task;
    }

    private async Task RunAsync()
    {
        // Callers submitting right now (the invocations of one received batch, one burst of POSTs) join the first batch.
        await Task.Yield();
        while (true)
        {
            List<Entry> batch;
            lock (_gate)
            {
                batch = Take();
                if (batch.Count == 0)
                {
                    _running--;
                    return;
                }
            }
            await CommitAsync(batch).ConfigureAwait(false);
            lock (_gate)
            {
                // A slot opened only for a full batch ends with it unless another full batch waits.
                if (_running > slots && _waitingSize < maxBatch)
                {
                    _running--;
                    return;
                }
            }
        }
    }

    /// <summary>Waiting items in arrival order while they fit (always at least one).</summary>
    private List<Entry> Take()
    {
        var batch = new List<Entry>();
        var size = 0L;
        while (_waiting.TryPeek(out var next) && (batch.Count == 0 || size + next.Size <= maxBatch))
        {
            batch.Add(_waiting.Dequeue());
            size += next.Size;
            _waitingSize -= next.Size;
        }
        return batch;
    }

    private async Task CommitAsync(List<Entry> batch)
    {
        try
        {
            await commit(batch.Select(e => e.Item).ToArray()).ConfigureAwait(false);
            foreach (var entry in batch)
            {
                entry.Done.TrySetResult();
            }
        }
        catch (Exception e)
        {
            foreach (var entry in batch)
            {
                entry.Done.TrySetException(e);
            }
        }
    }

    private sealed class Entry(T item, long size)
    {
        public T Item { get; } = item;

        public long Size { get; } = size;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
