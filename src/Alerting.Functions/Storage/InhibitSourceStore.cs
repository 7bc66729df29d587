using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Core.Retention;
using Azure;
using Azure.Data.Tables;

namespace Alerting.Functions.Storage;

/// <summary>
/// The inhibition source index (table "inhibitsources"): every alert that matches the source side of an
/// <c>inhibit_rules</c> entry, with its labels and when it ends, in one partition per rule set
/// (<see cref="InhibitSources.Key"/>). The router records a source each time it stores it; a flush reads
/// only the sources that are still firing, so its cost does not grow with the alerts we hold or have held.
/// A partition is trusted once its marker row exists: the first flush under new rules builds it from the
/// alerts table (once), and until then flushes fall back to that scan.
/// </summary>
public sealed class InhibitSourceStore(TableServiceClient tables, StorageInitializer init, TableBatcher batcher)
{
    public const string BuiltRow = "~built";

    // Azure Tables' largest date; an alert without an end never stops inhibiting until it is resolved.
    private static readonly DateTimeOffset Never = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

    private TableClient Table => tables.GetTableClient(StorageNames.InhibitSourcesTable);

    /// <summary>Records the alerts among <paramref name="stored"/> that are sources under <paramref name="rules"/>.</summary>
    public async Task RecordAsync(IReadOnlyList<InhibitRule> rules, IEnumerable<StoredAlert> stored, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(stored);
        if (rules.Count == 0)
        {
            return;
        }
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var key = InhibitSources.Key(rules);
        var writes = stored
            .Where(s => InhibitSources.IsSource(rules, s.Alert.Labels))
            .Select(s => batcher.WriteAsync(Table, new TableTransactionAction(TableTransactionActionType.UpsertReplace, Row(key, s))));
        foreach (var result in await Task.WhenAll(writes).WaitAsync(ct).ConfigureAwait(false))
        {
            if (!result.Succeeded)
            {
                throw new RequestFailedException(result.Status, $"recording an inhibition source failed with status {result.Status}");
            }
        }
    }

    /// <summary>The labels of the sources firing at <paramref name="now"/>, or null if the index for these rules was never built.</summary>
    public async Task<IReadOnlyList<Labels>?> FiringAsync(IReadOnlyList<InhibitRule> rules, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rules);
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var key = InhibitSources.Key(rules);
        var built = false;
        var firing = new List<Labels>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {key} and (RowKey eq {BuiltRow} or EndsAt gt {now})");
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
        {
            if (e.RowKey == BuiltRow)
            {
                built = true;
            }
            else
            {
                firing.Add(TableJson.Labels(e.GetString("Labels")));
            }
        }
        return built ? firing : null;
    }

    /// <summary>
    /// Builds the index for <paramref name="rules"/> from every alert we hold and marks it built; returns the
    /// sources firing at <paramref name="now"/>. Rows the router wrote meanwhile are newer and are kept.
    /// </summary>
    public async Task<IReadOnlyList<Labels>> BuildAsync(IReadOnlyList<InhibitRule> rules, IReadOnlyList<StoredAlert> all, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(all);
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var key = InhibitSources.Key(rules);
        var sources = all.Where(s => InhibitSources.IsSource(rules, s.Alert.Labels)).ToArray();
        var adds = sources.Select(s => batcher.WriteAsync(Table, new TableTransactionAction(TableTransactionActionType.Add, Row(key, s))));
        foreach (var result in await Task.WhenAll(adds).WaitAsync(ct).ConfigureAwait(false))
        {
            if (!result.Succeeded && result.Status != 409)
            {
                throw new RequestFailedException(result.Status, $"building the inhibition source index failed with status {result.Status}");
            }
        }
        await Table.UpsertEntityAsync(new TableEntity(key, BuiltRow) { ["BuiltAt"] = now }, TableUpdateMode.Replace, ct).ConfigureAwait(false);
        return sources.Where(s => !s.Alert.IsResolvedAt(now)).Select(s => s.Alert.Labels).ToArray();
    }

    /// <summary>Every row with its ETag; a partition's marker row is listed as a source that never ends.</summary>
    public async Task<IReadOnlyList<(IndexedSource Source, ETag ETag)>> ListAsync(CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var result = new List<(IndexedSource, ETag)>();
        await foreach (var e in Table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "EndsAt"], cancellationToken: ct).ConfigureAwait(false))
        {
            result.Add((new IndexedSource(e.PartitionKey, e.RowKey, e.RowKey == BuiltRow ? Never : e.GetDateTimeOffset("EndsAt") ?? Never), e.ETag));
        }
        return result;
    }

    /// <summary>Deletes a row unless the router rewrote it since it was read.</summary>
    public async Task<bool> TryDeleteAsync(IndexedSource source, ETag etag, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        var result = await batcher.WriteAsync(Table, new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(source.RuleSet, source.Fingerprint), etag)).WaitAsync(ct).ConfigureAwait(false);
        return result.Succeeded;
    }

    private static TableEntity Row(string key, StoredAlert s) => new(key, s.Alert.Fingerprint)
    {
        ["Labels"] = TableJson.Write(s.Alert.Labels),
        ["EndsAt"] = s.Alert.EndsAt ?? Never,
    };
}
