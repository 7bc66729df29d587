using System.Collections.Concurrent;
using Alerting.Core.Grouping;
using Alerting.Core.Model;
using Azure;
using Azure.Data.Tables;

namespace Alerting.Functions.Storage;

/// <summary>An alert as held by the router, with whether its end time was computed from resolve_timeout.</summary>
public sealed record StoredAlert(Alert Alert, bool EndsAtIsTimeout, DateTimeOffset UpdatedAt);

/// <summary>
/// Every received alert by fingerprint (table "alerts"), merged by Alertmanager's rules. Rows are spread
/// over 16 partitions by the fingerprint's first hex digit: few enough that the alerts of many concurrent
/// queue messages share entity group transactions (<see cref="TableBatcher"/>), many enough to stay far
/// below a partition's throughput limit.
/// <para>
/// Merges are optimistic. The last version this instance read or wrote of each alert is remembered with
/// its ETag, so a merge writes straight away, conditional on that ETag (or insert-only for an alert it
/// has not seen); only when that write loses, because another instance changed the row or it is not new
/// after all, is the row read and the merge redone.
/// </para>
/// </summary>
public sealed class AlertStore(TableServiceClient tables, StorageInitializer init, TableBatcher batcher, ETagUpdater updater)
{
    // Beyond this many remembered alerts the memory is dropped and rebuilt from reads; it only saves reads.
    private const int MaxRemembered = 200_000;

    private const int ReadConcurrency = 32;

    private readonly ConcurrentDictionary<string, Versioned> _remembered = new(StringComparer.Ordinal);

    private TableClient Table => tables.GetTableClient(StorageNames.AlertsTable);

    public static string Partition(string fingerprint) => fingerprint[..1];

    public async Task<StoredAlert?> GetAsync(string fingerprint, CancellationToken ct) => (await ReadAsync(fingerprint, ct).ConfigureAwait(false)).Alert;

    /// <summary>The alerts with these fingerprints that exist, read concurrently.</summary>
    public async Task<IReadOnlyList<StoredAlert>> GetManyAsync(IEnumerable<string> fingerprints, CancellationToken ct)
    {
        var wanted = fingerprints.Distinct(StringComparer.Ordinal).ToArray();
        var found = new StoredAlert?[wanted.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, wanted.Length), new ParallelOptions { MaxDegreeOfParallelism = ReadConcurrency, CancellationToken = ct }, async (i, token) =>
            found[i] = (await ReadAsync(wanted[i], token).ConfigureAwait(false)).Alert).ConfigureAwait(false);
        return found.OfType<StoredAlert>().ToArray();
    }

    /// <summary>Stores <paramref name="incoming"/>, merged with what we hold by Alertmanager's rules.</summary>
    public async Task<StoredAlert> MergeAsync(Alert incoming, bool endsAtIsTimeout, DateTimeOffset now, CancellationToken ct) =>
        (await MergeAsync([(incoming, endsAtIsTimeout)], now, ct).ConfigureAwait(false))[0];

    /// <summary>
    /// Stores every alert of a batch, each merged with what we hold; several alerts with the same
    /// fingerprint are merged in order, as if received one after the other. Returns one stored alert per
    /// distinct fingerprint, in order of first appearance.
    /// </summary>
    public async Task<IReadOnlyList<StoredAlert>> MergeAsync(IReadOnlyList<(Alert Alert, bool EndsAtIsTimeout)> incoming, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var byFingerprint = incoming
            .Select((a, i) => (a.Alert, a.EndsAtIsTimeout, Order: i))
            .GroupBy(a => a.Alert.Fingerprint, StringComparer.Ordinal)
            .Select(g => (Fingerprint: g.Key, Versions: g.OrderBy(a => a.Order).Select(a => (a.Alert, a.EndsAtIsTimeout)).ToArray()))
            .ToArray();
        return await Task.WhenAll(byFingerprint.Select(a => MergeOneAsync(a.Fingerprint, a.Versions, now, ct))).ConfigureAwait(false);
    }

    private Task<StoredAlert> MergeOneAsync(string fingerprint, IReadOnlyList<(Alert Alert, bool EndsAtIsTimeout)> versions, DateTimeOffset now, CancellationToken ct)
    {
        var first = true;
        return updater.UpdateAsync<Versioned, StoredAlert>(
            $"alert {fingerprint}",
            async token =>
            {
                if (first)
                {
                    first = false;
                    // What this instance last saw, or (never seen) the guess that the alert is new; both
                    // are checked by the conditional write, and a wrong guess costs one read.
                    return _remembered.TryGetValue(fingerprint, out var known) ? known with { Speculative = true } : new Versioned(null, default, Speculative: true);
                }
                return await ReadAsync(fingerprint, token).ConfigureAwait(false);
            },
            loaded =>
            {
                var held = loaded.Alert;
                foreach (var (alert, timeout) in versions)
                {
                    if (held is null)
                    {
                        held = new StoredAlert(alert, timeout, now);
                        continue;
                    }
                    var merged = AlertMerge.Merge(held.Alert, alert, now, held.EndsAtIsTimeout);
                    held = new StoredAlert(merged, merged.EndsAt == alert.EndsAt ? timeout : held.EndsAtIsTimeout, now);
                }
                // A remembered row is never "unchanged": only a fresh read may spare the write.
                return (loaded with { Alert = held, Speculative = false }, held!);
            },
            TryWriteAsync,
            ct);
    }

    private async Task<bool> TryWriteAsync(Versioned loaded, Versioned next, CancellationToken ct)
    {
        var fingerprint = next.Alert!.Alert.Fingerprint;
        var action = loaded.Alert is null
            ? new TableTransactionAction(TableTransactionActionType.Add, ToEntity(next.Alert))
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(next.Alert), loaded.ETag);
        var result = await batcher.WriteAsync(Table, action, loaded.Speculative).WaitAsync(ct).ConfigureAwait(false);
        if (result.IsConflict)
        {
            _remembered.TryRemove(fingerprint, out _);
            return false;
        }
        if (result.ETags[0] != default)
        {
            Remember(fingerprint, new Versioned(next.Alert, result.ETags[0], false));
        }
        return true;
    }

    /// <summary>Every alert (tests, benchmarks, and the inhibition index when it has to be rebuilt).</summary>
    public async Task<IReadOnlyList<StoredAlert>> ListAsync(CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var result = new List<StoredAlert>();
        await foreach (var e in Table.QueryAsync<TableEntity>(cancellationToken: ct).ConfigureAwait(false))
        {
            result.Add(FromEntity(e));
        }
        return result;
    }

    /// <summary>When each alert ends and was last received, with its ETag (for garbage collection).</summary>
    public async Task<IReadOnlyList<(string Fingerprint, DateTimeOffset? EndsAt, DateTimeOffset UpdatedAt, ETag ETag)>> ListTimesAsync(CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var result = new List<(string, DateTimeOffset?, DateTimeOffset, ETag)>();
        await foreach (var e in Table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey", "EndsAt", "UpdatedAt"], cancellationToken: ct).ConfigureAwait(false))
        {
            result.Add((e.RowKey, e.GetDateTimeOffset("EndsAt"), e.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue, e.ETag));
        }
        return result;
    }

    /// <summary>Deletes the alert if it is unchanged since it was read; false if it changed or is gone.</summary>
    public async Task<bool> TryDeleteAsync(string fingerprint, ETag etag, CancellationToken ct)
    {
        _remembered.TryRemove(fingerprint, out _);
        var result = await batcher.WriteAsync(Table, new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition(fingerprint), fingerprint), etag)).WaitAsync(ct).ConfigureAwait(false);
        return result.Succeeded;
    }

    private async Task<Versioned> ReadAsync(string fingerprint, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        if (!TableKeys.IsValid(fingerprint))
        {
            return new Versioned(null, default, false);
        }
        var r = await Table.GetEntityIfExistsAsync<TableEntity>(Partition(fingerprint), fingerprint, cancellationToken: ct).ConfigureAwait(false);
        if (!r.HasValue)
        {
            _remembered.TryRemove(fingerprint, out _);
            return new Versioned(null, default, false);
        }
        var read = new Versioned(FromEntity(r.Value!), r.Value!.ETag, false);
        Remember(fingerprint, read);
        return read;
    }

    private void Remember(string fingerprint, Versioned version)
    {
        if (_remembered.Count >= MaxRemembered)
        {
            _remembered.Clear();
        }
        _remembered[fingerprint] = version;
    }

    /// <summary>An alert row as last seen (null: absent), its ETag, and whether it comes from memory rather than a read.</summary>
    private sealed record Versioned(StoredAlert? Alert, ETag ETag, bool Speculative);

    private static TableEntity ToEntity(StoredAlert s) => new(Partition(s.Alert.Fingerprint), s.Alert.Fingerprint)
    {
        ["Labels"] = TableJson.Write(s.Alert.Labels),
        ["Annotations"] = TableJson.Write(s.Alert.Annotations),
        ["StartsAt"] = s.Alert.StartsAt,
        ["EndsAt"] = s.Alert.EndsAt,
        ["EndsAtIsTimeout"] = s.EndsAtIsTimeout,
        ["GeneratorUrl"] = s.Alert.GeneratorUrl,
        ["UpdatedAt"] = s.UpdatedAt,
    };

    private static StoredAlert FromEntity(TableEntity e) => new(
        new Alert(
            TableJson.Labels(e.GetString("Labels")),
            TableJson.Annotations(e.GetString("Annotations")),
            e.GetDateTimeOffset("StartsAt") ?? DateTimeOffset.MinValue,
            e.GetDateTimeOffset("EndsAt"),
            e.GetString("GeneratorUrl") ?? string.Empty),
        e.GetBoolean("EndsAtIsTimeout") ?? false,
        e.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue);
}
