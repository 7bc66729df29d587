using Alerting.Core.Heartbeats;
using Alerting.Functions.Storage;
using Azure;
using Azure.Data.Tables;

namespace Alerting.Functions.Heartbeats;

/// <summary>Heartbeat checks' last pings in table "heartbeats" (one row per check name).</summary>
public sealed class HeartbeatStore(TableServiceClient tables, StorageInitializer init)
{
    private const string Partition = "heartbeat";

    private TableClient Table => tables.GetTableClient(StorageNames.HeartbeatsTable);

    public async Task PingAsync(string name, DateTimeOffset now, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var existing = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, name, cancellationToken: ct).ConfigureAwait(false);
        var first = existing.HasValue ? existing.Value!.GetDateTimeOffset("FirstSeen") ?? now : now;
        // Last writer wins: two pings at once both mean "alive".
        await Table.UpsertEntityAsync(new TableEntity(Partition, name) { ["FirstSeen"] = first, ["LastPing"] = now }, TableUpdateMode.Replace, ct).ConfigureAwait(false);
    }

    /// <summary>States of the named checks; a check seen for the first time is recorded now, so its clock starts.</summary>
    public async Task<IReadOnlyDictionary<string, HeartbeatState>> LoadAsync(IEnumerable<string> names, DateTimeOffset now, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var result = new Dictionary<string, HeartbeatState>(StringComparer.Ordinal);
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == Partition, cancellationToken: ct).ConfigureAwait(false))
        {
            result[e.RowKey] = new HeartbeatState(e.RowKey, e.GetDateTimeOffset("FirstSeen") ?? now, e.GetDateTimeOffset("LastPing"));
        }
        foreach (var name in names.Where(n => !result.ContainsKey(n)))
        {
            try
            {
                await Table.AddEntityAsync(new TableEntity(Partition, name) { ["FirstSeen"] = now }, ct).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // Another instance recorded it first; its time is as good.
            }
            result[name] = new HeartbeatState(name, now, null);
        }
        return result;
    }
}
