using Alerting.Core.Dispatch;
using Alerting.Core.Model;
using Azure;
using Azure.Data.Tables;

namespace Alerting.Functions.Storage;

/// <summary>An alert as held by the router, with whether its end time was computed from resolve_timeout.</summary>
public sealed record StoredAlert(Alert Alert, bool EndsAtIsTimeout, DateTimeOffset UpdatedAt);

/// <summary>Every received alert by fingerprint (table "alerts"); merges are optimistic with ETags.</summary>
public sealed class AlertStore(TableServiceClient tables, StorageInitializer init)
{
    private TableClient Table => tables.GetTableClient(StorageNames.AlertsTable);

    // Spread rows over 256 partitions by the fingerprint's first byte.
    private static string Partition(string fingerprint) => fingerprint[..2];

    public async Task<StoredAlert?> GetAsync(string fingerprint, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var r = await Table.GetEntityIfExistsAsync<TableEntity>(Partition(fingerprint), fingerprint, cancellationToken: ct).ConfigureAwait(false);
        return r.HasValue ? FromEntity(r.Value!) : null;
    }

    public async Task<IReadOnlyList<StoredAlert>> GetManyAsync(IEnumerable<string> fingerprints, CancellationToken ct)
    {
        var tasks = fingerprints.Distinct(StringComparer.Ordinal).Select(fp => GetAsync(fp, ct)).ToArray();
        var results = await Task.WhenAll(tasks).ConfigureAwait(false);
        return results.OfType<StoredAlert>().ToArray();
    }

    /// <summary>Stores <paramref name="incoming"/>, merged with what we hold by Alertmanager's rules.</summary>
    public async Task<StoredAlert> MergeAsync(Alert incoming, bool endsAtIsTimeout, DateTimeOffset now, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var fp = incoming.Fingerprint;
        for (var attempt = 0; ; attempt++)
        {
            var existing = await Table.GetEntityIfExistsAsync<TableEntity>(Partition(fp), fp, cancellationToken: ct).ConfigureAwait(false);
            var merged = incoming;
            var timeout = endsAtIsTimeout;
            if (existing.HasValue)
            {
                var held = FromEntity(existing.Value!);
                merged = AlertMerge.Merge(held.Alert, incoming, now, held.EndsAtIsTimeout);
                timeout = merged.EndsAt == incoming.EndsAt ? endsAtIsTimeout : held.EndsAtIsTimeout;
            }
            var stored = new StoredAlert(merged, timeout, now);
            var entity = ToEntity(stored);
            try
            {
                if (existing.HasValue)
                {
                    await Table.UpdateEntityAsync(entity, existing.Value!.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
                }
                else
                {
                    await Table.AddEntityAsync(entity, ct).ConfigureAwait(false);
                }
                return stored;
            }
            catch (RequestFailedException e) when (TableJson.IsConflict(e) && attempt < 20)
            {
                // Another instance wrote the same alert; merge again with its version.
            }
        }
    }

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
