using Alerting.Core.NotificationLog;
using Alerting.Core.Retention;
using Alerting.Functions.Options;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

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
/// Each entry carries when it expires (<see cref="RetentionPlanner.NotificationExpiry"/>), after which
/// the retention run deletes it, as Alertmanager's nflog maintenance does.
/// </summary>
public sealed class NotificationLogStore(TableServiceClient tables, StorageInitializer init, IOptions<RetentionOptions> retention)
{
    private TableClient Table => tables.GetTableClient(StorageNames.NotificationLogTable);

    public async Task<NotificationLogRecord?> GetAsync(string groupId, string integration, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var r = await Table.GetEntityIfExistsAsync<TableEntity>(groupId, integration, cancellationToken: ct).ConfigureAwait(false);
        return r.HasValue
            ? new NotificationLogRecord(EntryOf(r.Value!), r.Value!.GetString("FlushToken") ?? string.Empty) { Delivered = r.Value!.GetBoolean("Delivered") ?? true }
            : null;
    }

    /// <param name="repeatInterval">The group's repeat_interval: the entry expires after twice that, or the data retention if shorter.</param>
    public async Task WriteAsync(string groupId, string integration, NotificationLogEntry entry, string flushToken, bool delivered, TimeSpan repeatInterval, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await init.EnsureAsync(ct).ConfigureAwait(false);
        await Table.UpsertEntityAsync(new TableEntity(groupId, integration)
        {
            ["Firing"] = TableJson.Write(entry.FiringFingerprints),
            ["Resolved"] = TableJson.Write(entry.ResolvedFingerprints),
            ["SentAt"] = entry.SentAt,
            ["ExpiresAt"] = RetentionPlanner.NotificationExpiry(entry.SentAt, repeatInterval, retention.Value.Data),
            ["FlushToken"] = flushToken,
            ["Delivered"] = delivered,
        }, TableUpdateMode.Replace, ct).ConfigureAwait(false);
    }

    /// <summary>Every entry with when it expires and its ETag (for the retention run).</summary>
    public async Task<IReadOnlyList<(LoggedNotification Entry, NotificationLogEntry Sent, ETag ETag)>> ListAsync(CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var result = new List<(LoggedNotification, NotificationLogEntry, ETag)>();
        await foreach (var e in Table.QueryAsync<TableEntity>(cancellationToken: ct).ConfigureAwait(false))
        {
            var sent = EntryOf(e);
            result.Add((new LoggedNotification(e.PartitionKey, e.RowKey, sent.SentAt, e.GetDateTimeOffset("ExpiresAt")), sent, e.ETag));
        }
        return result;
    }

    /// <summary>Deletes an entry unless it was rewritten since it was read.</summary>
    public async Task<bool> TryDeleteAsync(string groupId, string integration, ETag etag, CancellationToken ct)
    {
        try
        {
            await Table.DeleteEntityAsync(groupId, integration, etag, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (ETagUpdater.IsConflict(e))
        {
            return false;
        }
    }

    private static NotificationLogEntry EntryOf(TableEntity e) => new(
        TableJson.Read<string[]>(e.GetString("Firing"), []),
        TableJson.Read<string[]>(e.GetString("Resolved"), []),
        e.GetDateTimeOffset("SentAt") ?? DateTimeOffset.MinValue);
}
