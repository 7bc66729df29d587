using Alerting.Functions.Storage;
using Azure;
using Azure.Data.Tables;

namespace Alerting.Integration.Tests.Storage;

/// <summary>Concurrent writes to one partition share entity group transactions on a real Azurite, and fail one by one.</summary>
[Collection(StorageCollection.Name)]
public sealed class TableBatcherTests(StorageFixture storage)
{
    private readonly TableBatcher _batcher = new();

    private static TableTransactionAction Add(string pk, string rk, string value = "v") =>
        new(TableTransactionActionType.Add, new TableEntity(pk, rk) { ["Value"] = value });

    private static async Task<int> CountAsync(TableClient table)
    {
        var n = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>())
        {
            n++;
        }
        return n;
    }

    [Fact]
    public async Task Writes_that_arrive_together_share_transactions_and_all_land()
    {
        var table = await storage.NewTableAsync();
        var before = storage.Requests.Count("*", "batch");

        var results = await Task.WhenAll(Enumerable.Range(0, 250).Select(i => _batcher.WriteAsync(table, Add("p", $"r{i:D3}"))));

        Assert.All(results, r => Assert.True(r.Succeeded));
        Assert.All(results, r => Assert.NotEqual(default, r.ETags[0]));
        Assert.Equal(250, await CountAsync(table));
        var transactions = storage.Requests.Count("*", "batch") - before;
        // 250 writes need at least 3 transactions of 100; one each would be 250.
        Assert.InRange(transactions, 3, 10);
    }

    [Fact]
    public async Task A_write_that_loses_its_race_fails_alone_and_the_others_in_its_transaction_are_written()
    {
        var table = await storage.NewTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "taken") { ["Value"] = "first" });

        var others = Enumerable.Range(0, 20).Select(i => _batcher.WriteAsync(table, Add("p", $"free{i}"))).ToList();
        var loser = _batcher.WriteAsync(table, Add("p", "taken", "second"));
        var results = await Task.WhenAll(others.Append(loser));
        var lost = await loser;

        Assert.True(lost.IsConflict);
        Assert.Equal(409, lost.Status);
        Assert.All(results.Take(20), r => Assert.True(r.Succeeded));
        Assert.Equal("first", (await table.GetEntityAsync<TableEntity>("p", "taken")).Value.GetString("Value"));
        Assert.Equal(21, await CountAsync(table));
    }

    [Fact]
    public async Task Speculative_writes_are_refused_with_a_failing_transaction_so_their_writers_read_again()
    {
        var table = await storage.NewTableAsync();
        var stale = (await table.AddEntityAsync(new TableEntity("p", "row") { ["Value"] = "v1" })).Headers.ETag!.Value;
        await table.UpdateEntityAsync(new TableEntity("p", "row") { ["Value"] = "v2" }, ETag.All);

        var guesses = Enumerable.Range(0, 5).Select(i => _batcher.WriteAsync(table, Add("p", $"new{i}"), speculative: true)).ToList();
        var staleWrite = _batcher.WriteAsync(table, new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity("p", "row") { ["Value"] = "v3" }, stale), speculative: true);
        var results = await Task.WhenAll(guesses.Append(staleWrite));

        Assert.Equal(412, results[^1].Status);
        // Each unit either went out before the stale one or was refused with it; none is lost silently.
        Assert.All(results, r => Assert.True(r.Succeeded || r.IsConflict));
        var written = results[..^1].Count(r => r.Succeeded);
        Assert.Equal(1 + written, await CountAsync(table));
        Assert.Equal("v2", (await table.GetEntityAsync<TableEntity>("p", "row")).Value.GetString("Value"));
    }

    [Fact]
    public async Task An_entity_storage_refuses_fails_alone_and_the_rest_of_its_transaction_is_written()
    {
        var table = await storage.NewTableAsync();
        var good = Enumerable.Range(0, 10).Select(i => _batcher.WriteAsync(table, Add("p", $"ok{i}"))).ToList();
        // A string property may hold at most 64 KiB.
        var bad = _batcher.WriteAsync(table, Add("p", "huge", new string('x', 70_000)));

        await Task.WhenAll(good);
        await Assert.ThrowsAnyAsync<RequestFailedException>(() => bad);
        Assert.Equal(10, await CountAsync(table));
    }

    [Fact]
    public async Task Identical_unconditional_writes_of_many_writers_go_out_once_and_a_missing_row_fails_all_that_needed_it()
    {
        var table = await storage.NewTableAsync();
        await table.AddEntityAsync(new TableEntity("g", "~head"));
        TableTransactionAction Touch(string pk) => new(TableTransactionActionType.UpdateMerge, new TableEntity(pk, "~head"), ETag.All);
        TableTransactionAction Member(string pk, string fp) => new(TableTransactionActionType.UpsertReplace, new TableEntity(pk, fp));

        var joins = Enumerable.Range(0, 30).Select(i => _batcher.WriteAsync(table, [Touch("g"), Member("g", $"m{i % 10}")])).ToList();
        Assert.All(await Task.WhenAll(joins), r => Assert.True(r.Succeeded));
        Assert.Equal(11, await CountAsync(table));

        // Without the header the existence check fails, and so does every unit that carried it.
        var orphans = Enumerable.Range(0, 5).Select(i => _batcher.WriteAsync(table, [Touch("none"), Member("none", $"m{i}")])).ToList();
        Assert.All(await Task.WhenAll(orphans), r => Assert.Equal(404, r.Status));
        Assert.Equal(11, await CountAsync(table));
    }
}
