using Alerting.Core.Model;
using Azure;
using Azure.Data.Tables;

namespace Alerting.Functions.Storage;

/// <summary>
/// One aggregation group: which alerts belong to it and the token of the one flush that is scheduled.
/// A group with members always has exactly one live flush token, so exactly one timer chain drives it.
/// </summary>
public sealed record GroupRecord(
    string GroupId,
    string GroupKey,
    string RouteId,
    string Receiver,
    Labels GroupLabels,
    IReadOnlyList<string> Fingerprints,
    string FlushToken,
    DateTimeOffset NextFlushAt,
    TimeSpan GroupWait,
    TimeSpan GroupInterval,
    TimeSpan RepeatInterval,
    DateTimeOffset CreatedAt)
{
    public ETag ETag { get; init; }

    /// <summary>The flush invocation currently sending for this group, and until when its claim holds.</summary>
    public string? ClaimedBy { get; init; }

    public DateTimeOffset? ClaimedUntil { get; init; }

    public bool IsClaimedByOther(string claimId, DateTimeOffset now) =>
        ClaimedBy is { } c && c != claimId && ClaimedUntil > now;
}

/// <summary>Aggregation groups in table "groups" (one partition; rows keyed by group id).</summary>
public sealed class GroupStore(TableServiceClient tables, StorageInitializer init)
{
    private const string Partition = "g";

    private TableClient Table => tables.GetTableClient(StorageNames.GroupsTable);

    public static string IdFor(string receiver, string groupKey) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(receiver + "\n" + groupKey)))[..32];

    public async Task<GroupRecord?> GetAsync(string groupId, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var r = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, groupId, cancellationToken: ct).ConfigureAwait(false);
        return r.HasValue ? FromEntity(r.Value!) : null;
    }

    public async Task<IReadOnlyList<GroupRecord>> ListAsync(CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var result = new List<GroupRecord>();
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == Partition, cancellationToken: ct).ConfigureAwait(false))
        {
            result.Add(FromEntity(e));
        }
        return result;
    }

    /// <summary>Inserts a new group; false if another writer created it first.</summary>
    public async Task<bool> TryAddAsync(GroupRecord group, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        try
        {
            await Table.AddEntityAsync(ToEntity(group), ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Replaces the group if nobody changed it since it was read; false on a lost race.</summary>
    public async Task<bool> TryReplaceAsync(GroupRecord group, CancellationToken ct)
    {
        try
        {
            await Table.UpdateEntityAsync(ToEntity(group), group.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (TableJson.IsConflict(e) || e.Status == 404)
        {
            return false;
        }
    }

    public async Task<bool> TryDeleteAsync(GroupRecord group, CancellationToken ct)
    {
        try
        {
            await Table.DeleteEntityAsync(Partition, group.GroupId, group.ETag, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (TableJson.IsConflict(e) || e.Status == 404)
        {
            return false;
        }
    }

    private static TableEntity ToEntity(GroupRecord g) => new(Partition, g.GroupId)
    {
        ["GroupKey"] = g.GroupKey,
        ["RouteId"] = g.RouteId,
        ["Receiver"] = g.Receiver,
        ["GroupLabels"] = TableJson.Write(g.GroupLabels),
        ["Fingerprints"] = TableJson.Write(g.Fingerprints),
        ["FlushToken"] = g.FlushToken,
        ["NextFlushAt"] = g.NextFlushAt,
        ["GroupWaitMs"] = (long)g.GroupWait.TotalMilliseconds,
        ["GroupIntervalMs"] = (long)g.GroupInterval.TotalMilliseconds,
        ["RepeatIntervalMs"] = (long)g.RepeatInterval.TotalMilliseconds,
        ["CreatedAt"] = g.CreatedAt,
        ["ClaimedBy"] = g.ClaimedBy,
        ["ClaimedUntil"] = g.ClaimedUntil,
    };

    private static GroupRecord FromEntity(TableEntity e) => new(
        e.RowKey,
        e.GetString("GroupKey")!,
        e.GetString("RouteId") ?? string.Empty,
        e.GetString("Receiver")!,
        TableJson.Labels(e.GetString("GroupLabels")),
        TableJson.Read<string[]>(e.GetString("Fingerprints"), []),
        e.GetString("FlushToken")!,
        e.GetDateTimeOffset("NextFlushAt") ?? DateTimeOffset.MinValue,
        TimeSpan.FromMilliseconds(e.GetInt64("GroupWaitMs") ?? 0),
        TimeSpan.FromMilliseconds(e.GetInt64("GroupIntervalMs") ?? 0),
        TimeSpan.FromMilliseconds(e.GetInt64("RepeatIntervalMs") ?? 0),
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue)
    {
        ETag = e.ETag,
        ClaimedBy = e.GetString("ClaimedBy"),
        ClaimedUntil = e.GetDateTimeOffset("ClaimedUntil"),
    };
}
