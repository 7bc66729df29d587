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
    /// <summary>The ETag of the group's header row as read.</summary>
    public ETag ETag { get; init; }

    /// <summary>The ETag of each member row as read, so a member is only removed if nobody added it again since.</summary>
    public IReadOnlyDictionary<string, ETag> MemberETags { get; init; } = new Dictionary<string, ETag>(StringComparer.Ordinal);

    /// <summary>The flush invocation currently sending for this group, and until when its claim holds.</summary>
    public string? ClaimedBy { get; init; }

    public DateTimeOffset? ClaimedUntil { get; init; }

    /// <summary>
    /// When the first claim of the scheduled flush began, until the flush finishes: set on a later claim,
    /// an earlier attempt crashed or failed and may have sent without a log entry. Survives a re-armed
    /// token, which continues the same unfinished flush.
    /// </summary>
    public DateTimeOffset? AttemptedAt { get; init; }

    public bool IsClaimedByOther(string claimId, DateTimeOffset now) =>
        ClaimedBy is { } c && c != claimId && ClaimedUntil > now;
}

/// <summary>
/// Aggregation groups in table "groups": one partition per group, holding a header row (route, receiver,
/// flush token and claim) and one row per member alert. Adding alerts never reads or rewrites the header:
/// the router writes member rows together with an existence check on the header in one transaction, so
/// alerts of many queue messages join the same group in one round trip and never contend with each other.
/// That check also changes the header's ETag, which is what keeps the flusher from deleting a group
/// (or dropping a member) that gained alerts after it read it.
/// </summary>
public sealed class GroupStore(TableServiceClient tables, StorageInitializer init, TableBatcher batcher, ETagUpdater updater)
{
    public const string HeaderRow = "~group";

    /// <summary>Members one transaction can add next to the header.</summary>
    public const int MembersPerWrite = TableBatcher.MaxActions - 1;

    private TableClient Table => tables.GetTableClient(StorageNames.GroupsTable);

    public static string IdFor(string receiver, string groupKey) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(receiver + "\n" + groupKey)))[..32];

    /// <summary>The group with its members, or null.</summary>
    public async Task<GroupRecord?> GetAsync(string groupId, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        if (!TableKeys.IsValid(groupId))
        {
            return null;
        }
        var rows = new List<TableEntity>();
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == groupId, cancellationToken: ct).ConfigureAwait(false))
        {
            rows.Add(e);
        }
        return Assemble(rows);
    }

    /// <summary>Every group with its members.</summary>
    public async Task<IReadOnlyList<GroupRecord>> ListAsync(CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var byGroup = new Dictionary<string, List<TableEntity>>(StringComparer.Ordinal);
        await foreach (var e in Table.QueryAsync<TableEntity>(cancellationToken: ct).ConfigureAwait(false))
        {
            if (!byGroup.TryGetValue(e.PartitionKey, out var rows))
            {
                byGroup[e.PartitionKey] = rows = [];
            }
            rows.Add(e);
        }
        return byGroup.Values.Select(Assemble).OfType<GroupRecord>().ToArray();
    }

    /// <summary>
    /// Makes <paramref name="fingerprints"/> (at most <see cref="MembersPerWrite"/>) members of the group,
    /// creating it as <paramref name="fresh"/> if it does not exist. Returns the group if this call created
    /// it (its first flush is then the caller's to schedule), otherwise null.
    /// </summary>
    public async Task<GroupRecord?> AddMembersAsync(GroupRecord fresh, IReadOnlyCollection<string> fingerprints, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(fresh);
        ArgumentNullException.ThrowIfNull(fingerprints);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fingerprints.Count, MembersPerWrite);
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var first = true;
        return await updater.UpdateAsync<Presence, GroupRecord?>(
            $"group {fresh.GroupId}",
            async token =>
            {
                if (first)
                {
                    // Most alerts join groups that exist: try that first, without reading.
                    first = false;
                    return new Presence(Exists: true);
                }
                var header = await Table.GetEntityIfExistsAsync<TableEntity>(fresh.GroupId, HeaderRow, cancellationToken: token).ConfigureAwait(false);
                return new Presence(header.HasValue);
            },
            loaded => loaded.Exists ? (loaded with { Joined = true }, null) : (new Presence(true, Created: true), fresh),
            async (loaded, next, token) =>
            {
                var members = fingerprints.Select(f => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(fresh.GroupId, f)));
                TableTransactionAction head = next.Created
                    ? new(TableTransactionActionType.Add, ToHeader(fresh))
                    : new(TableTransactionActionType.UpdateMerge, new TableEntity(fresh.GroupId, HeaderRow), ETag.All);
                return Settled(await batcher.WriteAsync(Table, [head, .. members]).WaitAsync(token).ConfigureAwait(false));
            },
            ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the group, lets <paramref name="change"/> decide, and writes the result conditionally: a
    /// changed header (claim, next flush) is replaced if unchanged since read, members left out of the new
    /// record are removed if unchanged since read, and a null record deletes the group. Retried on conflict.
    /// </summary>
    /// <param name="withMembers">False reads only the header (for claims); the change must then keep <see cref="GroupRecord.Fingerprints"/> as it is.</param>
    public Task<T> UpdateAsync<T>(string groupId, Func<GroupRecord?, (GroupRecord? Next, T Result)> change, CancellationToken ct, bool withMembers = true) =>
        UpdateAsync(groupId, (_, _) => Task.FromResult(0), (g, _) => change(g), ct, withMembers);

    /// <summary>
    /// The same, where the decision also needs other state read after the group on every attempt
    /// (<paramref name="context"/>), such as whether its alerts are still resolved.
    /// </summary>
    public async Task<T> UpdateAsync<TContext, T>(
        string groupId,
        Func<GroupRecord?, CancellationToken, Task<TContext>> context,
        Func<GroupRecord?, TContext, (GroupRecord? Next, T Result)> change,
        CancellationToken ct,
        bool withMembers = true)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(change);
        await init.EnsureAsync(ct).ConfigureAwait(false);
        return await updater.UpdateAsync<Loaded<TContext>, T>(
            $"group {groupId}",
            async token =>
            {
                var group = withMembers ? await GetAsync(groupId, token).ConfigureAwait(false) : await GetHeaderAsync(groupId, token).ConfigureAwait(false);
                return new Loaded<TContext>(group, await context(group, token).ConfigureAwait(false));
            },
            loaded =>
            {
                var (next, result) = change(loaded.Group, loaded.Context);
                return (loaded with { Group = next }, result);
            },
            (loaded, next, token) => TryWriteAsync(loaded.Group, next.Group, token),
            ct).ConfigureAwait(false);
    }

    private sealed record Loaded<TContext>(GroupRecord? Group, TContext Context);

    /// <summary>The group's header alone (its <see cref="GroupRecord.Fingerprints"/> left empty), or null.</summary>
    public async Task<GroupRecord?> GetHeaderAsync(string groupId, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        if (!TableKeys.IsValid(groupId))
        {
            return null;
        }
        var r = await Table.GetEntityIfExistsAsync<TableEntity>(groupId, HeaderRow, cancellationToken: ct).ConfigureAwait(false);
        return r.HasValue ? FromHeader(r.Value!, []) : null;
    }

    private async Task<bool> TryWriteAsync(GroupRecord? loaded, GroupRecord? next, CancellationToken ct)
    {
        if (loaded is null)
        {
            if (next is null)
            {
                return true;
            }
            ArgumentOutOfRangeException.ThrowIfGreaterThan(next.Fingerprints.Count, MembersPerWrite);
            var created = await batcher.WriteAsync(Table,
                [new(TableTransactionActionType.Add, ToHeader(next)), .. next.Fingerprints.Select(f => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(next.GroupId, f)))])
                .WaitAsync(ct).ConfigureAwait(false);
            return Settled(created);
        }
        var keep = (next?.Fingerprints ?? []).ToHashSet(StringComparer.Ordinal);
        if (keep.Except(loaded.Fingerprints, StringComparer.Ordinal).Any())
        {
            throw new InvalidOperationException("members are added with AddMembersAsync");
        }
        // Members first, each only if nobody wrote it since we read it; the header last, so a group is only
        // deleted, or its flush only moved on, when nothing changed in between.
        var removals = loaded.Fingerprints.Where(f => !keep.Contains(f)).Select(f => batcher.WriteAsync(Table,
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(loaded.GroupId, f), loaded.MemberETags.TryGetValue(f, out var e) ? e : ETag.All)));
        var removed = await Task.WhenAll(removals).WaitAsync(ct).ConfigureAwait(false);
        if (!removed.All(r => Settled(r) || r.Status == 404))
        {
            return false;
        }
        var head = next is null
            ? new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(loaded.GroupId, HeaderRow), loaded.ETag)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToHeader(next), loaded.ETag);
        return Settled(await batcher.WriteAsync(Table, head).WaitAsync(ct).ConfigureAwait(false));
    }

    /// <summary>True if written, false if lost to another writer; other failures are thrown.</summary>
    private static bool Settled(TableWriteResult result) =>
        result.Succeeded || (result.IsConflict ? false : throw new RequestFailedException(result.Status, $"table write failed with status {result.Status}"));

    /// <summary>What the router knows about a group while adding members: whether it exists, and what it wrote.</summary>
    private sealed record Presence(bool Exists, bool Created = false, bool Joined = false);

    private static GroupRecord? Assemble(IReadOnlyList<TableEntity> rows)
    {
        var header = rows.FirstOrDefault(r => r.RowKey == HeaderRow);
        return header is null ? null : FromHeader(header, rows.Where(r => r.RowKey != HeaderRow).ToArray());
    }

    private static TableEntity ToHeader(GroupRecord g) => new(g.GroupId, HeaderRow)
    {
        ["GroupKey"] = g.GroupKey,
        ["RouteId"] = g.RouteId,
        ["Receiver"] = g.Receiver,
        ["GroupLabels"] = TableJson.Write(g.GroupLabels),
        ["FlushToken"] = g.FlushToken,
        ["NextFlushAt"] = g.NextFlushAt,
        ["GroupWaitMs"] = (long)g.GroupWait.TotalMilliseconds,
        ["GroupIntervalMs"] = (long)g.GroupInterval.TotalMilliseconds,
        ["RepeatIntervalMs"] = (long)g.RepeatInterval.TotalMilliseconds,
        ["CreatedAt"] = g.CreatedAt,
        ["ClaimedBy"] = g.ClaimedBy,
        ["ClaimedUntil"] = g.ClaimedUntil,
        ["AttemptedAt"] = g.AttemptedAt,
    };

    private static GroupRecord FromHeader(TableEntity e, IReadOnlyList<TableEntity> members) => new(
        e.PartitionKey,
        e.GetString("GroupKey")!,
        e.GetString("RouteId") ?? string.Empty,
        e.GetString("Receiver")!,
        TableJson.Labels(e.GetString("GroupLabels")),
        members.Select(m => m.RowKey).ToArray(),
        e.GetString("FlushToken")!,
        e.GetDateTimeOffset("NextFlushAt") ?? DateTimeOffset.MinValue,
        TimeSpan.FromMilliseconds(e.GetInt64("GroupWaitMs") ?? 0),
        TimeSpan.FromMilliseconds(e.GetInt64("GroupIntervalMs") ?? 0),
        TimeSpan.FromMilliseconds(e.GetInt64("RepeatIntervalMs") ?? 0),
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue)
    {
        ETag = e.ETag,
        MemberETags = members.ToDictionary(m => m.RowKey, m => m.ETag, StringComparer.Ordinal),
        ClaimedBy = e.GetString("ClaimedBy"),
        ClaimedUntil = e.GetDateTimeOffset("ClaimedUntil"),
        AttemptedAt = e.GetDateTimeOffset("AttemptedAt"),
    };
}
