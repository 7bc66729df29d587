using Alerting.Functions.Storage;
using Azure;
using Azure.Data.Tables;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Storage;

/// <summary>The one read-modify-write loop, against a real Azurite: lost races are retried, never lost, and bounded.</summary>
[Collection(StorageCollection.Name)]
public sealed class ETagUpdaterTests(StorageFixture storage)
{
    private sealed record Counter(long Value, ETag ETag);

    private static async Task<Counter?> LoadAsync(TableClient table, CancellationToken ct)
    {
        var r = await table.GetEntityIfExistsAsync<TableEntity>("c", "counter", cancellationToken: ct);
        return r.HasValue ? new Counter(r.Value!.GetInt64("Value") ?? 0, r.Value.ETag) : null;
    }

    private static async Task<bool> TryWriteAsync(TableClient table, Counter? loaded, Counter? next, CancellationToken ct)
    {
        try
        {
            var entity = new TableEntity("c", "counter") { ["Value"] = next!.Value };
            if (loaded is null)
            {
                await table.AddEntityAsync(entity, ct);
            }
            else
            {
                await table.UpdateEntityAsync(entity, loaded.ETag, TableUpdateMode.Replace, ct);
            }
            return true;
        }
        catch (RequestFailedException e) when (ETagUpdater.IsConflict(e))
        {
            return false;
        }
    }

    private static Task<Counter?> IncrementAsync(ETagUpdater updater, TableClient table) =>
        updater.UpdateAsync<Counter?>("counter", ct => LoadAsync(table, ct), c => new Counter((c?.Value ?? 0) + 1, default), (l, n, ct) => TryWriteAsync(table, l, n, ct), CancellationToken.None);

    [Fact]
    public async Task Concurrent_increments_from_several_writers_all_count()
    {
        var table = await storage.NewTableAsync();
        var updater = new ETagUpdater(TimeProvider.System);

        // Four writers, ten increments each, all on one row: most attempts lose a race at first.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                await IncrementAsync(updater, table);
            }
        })));

        Assert.Equal(40, (await LoadAsync(table, CancellationToken.None))!.Value);
    }

    [Fact]
    public async Task A_writer_that_keeps_losing_gives_up_after_the_cap_with_a_clear_error()
    {
        var table = await storage.NewTableAsync();
        await table.AddEntityAsync(new TableEntity("c", "counter") { ["Value"] = 0L });
        var updater = new ETagUpdater(TimeProvider.System);
        var attempts = 0;

        // Someone else writes the row between every read and write of ours.
        var e = await Assert.ThrowsAsync<ConcurrentUpdateException>(() => updater.UpdateAsync<Counter?>(
            "the counter",
            async ct =>
            {
                attempts++;
                var loaded = await LoadAsync(table, ct);
                await table.UpdateEntityAsync(new TableEntity("c", "counter") { ["Value"] = -1L }, ETag.All, cancellationToken: ct);
                return loaded;
            },
            c => new Counter(c!.Value + 1, default),
            (l, n, ct) => TryWriteAsync(table, l, n, ct),
            CancellationToken.None));

        Assert.Equal(ETagUpdater.MaxAttempts, attempts);
        Assert.Contains("could not update the counter", e.Message, StringComparison.Ordinal);
        Assert.Equal(-1, (await LoadAsync(table, CancellationToken.None))!.Value);
    }

    [Fact]
    public async Task The_backoff_between_attempts_waits_on_the_given_clock()
    {
        var table = await storage.NewTableAsync();
        await table.AddEntityAsync(new TableEntity("c", "counter") { ["Value"] = 0L });
        var clock = new ObservedClock(DateTimeOffset.UnixEpoch);
        var updater = new ETagUpdater(clock);
        var attempts = 0;

        // Every attempt loses to another writer.
        var update = updater.UpdateAsync<Counter?>(
            "counter",
            async ct =>
            {
                Interlocked.Increment(ref attempts);
                var loaded = await LoadAsync(table, ct);
                await table.UpdateEntityAsync(new TableEntity("c", "counter") { ["Value"] = -1L }, ETag.All, cancellationToken: ct);
                return loaded;
            },
            c => new Counter(c!.Value + 1, default),
            (l, n, ct) => TryWriteAsync(table, l, n, ct),
            CancellationToken.None);

        // While the clock stands still the updater stops at a backoff wait (the first waits may round
        // down to nothing, but the growing ones do not), well before it used up its attempts. The wait
        // armed on the test clock proves it got there: from then on nothing can run until the clock moves.
        await Eventually.UntilAsync("the updater to wait out a backoff on the test clock", () => clock.Waits.Any(w => w > TimeSpan.Zero) || update.IsCompleted, TimeSpan.FromSeconds(30));
        var seen = Volatile.Read(ref attempts);
        Assert.False(update.IsCompleted);
        Assert.InRange(seen, 1, ETagUpdater.MaxAttempts - 1);

        await Eventually.UntilAsync("the updater to use up its attempts as the clock moves", () =>
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            return update.IsCompleted;
        }, TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<ConcurrentUpdateException>(() => update);
        Assert.Equal(ETagUpdater.MaxAttempts, attempts);
    }

    [Fact]
    public async Task A_change_that_keeps_the_row_as_it_is_writes_nothing()
    {
        var table = await storage.NewTableAsync();
        var etag = (await table.AddEntityAsync(new TableEntity("c", "counter") { ["Value"] = 5L })).Headers.ETag!.Value;
        var updater = new ETagUpdater(TimeProvider.System);
        var writes = 0;

        var kept = await updater.UpdateAsync<Counter?>("counter", ct => LoadAsync(table, ct), c => c, (l, n, ct) =>
        {
            writes++;
            return TryWriteAsync(table, l, n, ct);
        }, CancellationToken.None);

        Assert.Equal(5, kept!.Value);
        Assert.Equal(0, writes);
        Assert.Equal(etag, (await table.GetEntityAsync<TableEntity>("c", "counter")).Value.ETag);
    }
}
