using Alerting.Core.NotificationLog;
using Azure.Data.Tables;

namespace Alerting.Functions.Storage;

/// <summary>A notification log entry plus the flush it was written by (to skip redelivered flushes).</summary>
public sealed record NotificationLogRecord(NotificationLogEntry Entry, string FlushToken)
{
    /// <summary>False when the receiver rejected the notification for good, or there was nothing to send.</summary>
    public bool Delivered { get; init; } = true;
}

/// <summary>
/// Alertmanager's notification log in table "nflog": per group and receiver integration, what was last
/// sent. Written after a successful send; a redelivered flush finds its own token and sends nothing.
/// </summary>
public sealed class NotificationLogStore(TableServiceClient tables, StorageInitializer init)
{
    private TableClient Table => tables.GetTableClient(StorageNames.NotificationLogTable);

    public async Task<NotificationLogRecord?> GetAsync(string groupId, string integration, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var r = await Table.GetEntityIfExistsAsync<TableEntity>(groupId, integration, cancellationToken: ct).ConfigureAwait(false);
        if (!r.HasValue)
        {
            return null;
        }
        var e = r.Value!;
        return new NotificationLogRecord(
            new NotificationLogEntry(
                TableJson.Read<string[]>(e.GetString("Firing"), []),
                TableJson.Read<string[]>(e.GetString("Resolved"), []),
                e.GetDateTimeOffset("SentAt") ?? DateTimeOffset.MinValue),
            e.GetString("FlushToken") ?? string.Empty)
        {
            Delivered = e.GetBoolean("Delivered") ?? true,
        };
    }

    public async Task WriteAsync(string groupId, string integration, NotificationLogEntry entry, string flushToken, bool delivered, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        await Table.UpsertEntityAsync(new TableEntity(groupId, integration)
        {
            ["Firing"] = TableJson.Write(entry.FiringFingerprints),
            ["Resolved"] = TableJson.Write(entry.ResolvedFingerprints),
            ["SentAt"] = entry.SentAt,
            ["FlushToken"] = flushToken,
            ["Delivered"] = delivered,
        }, TableUpdateMode.Replace, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<(string GroupId, string Integration, NotificationLogEntry Entry)>> ListAsync(CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var result = new List<(string, string, NotificationLogEntry)>();
        await foreach (var e in Table.QueryAsync<TableEntity>(cancellationToken: ct).ConfigureAwait(false))
        {
            result.Add((e.PartitionKey, e.RowKey, new NotificationLogEntry(
                TableJson.Read<string[]>(e.GetString("Firing"), []),
                TableJson.Read<string[]>(e.GetString("Resolved"), []),
                e.GetDateTimeOffset("SentAt") ?? DateTimeOffset.MinValue)));
        }
        return result;
    }
}
