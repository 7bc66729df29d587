using Alerting.Core.Acknowledgement;
using Azure;
using Azure.Data.Tables;

namespace Alerting.Functions.Storage;

/// <summary>A Slack message we posted for an incident with chat.postMessage, so it can be updated in place.</summary>
public sealed record SlackMessageRef(string Channel, string Ts);

/// <summary>A PagerDuty incident we opened (one per routing key), so acknowledge and resolve reach it.</summary>
public sealed record PagerDutyRef(string Url, string RoutingKey, string DedupKey);

/// <summary>
/// The operator view of one alert (id = its fingerprint): acknowledgement state, the escalation chain
/// (policy, how many steps went out, the token of the one live chain message) and where it was
/// announced. <see cref="Delivered"/> lists the step targets already notified ("step:target"), so a
/// redelivered step message resends only what had not gone out.
/// </summary>
public sealed record IncidentRecord(
    string AlertId,
    string? Policy,
    DateTimeOffset FiringSince,
    AlertAckState Ack,
    int StepsDone,
    string ChainToken,
    IReadOnlyList<string> Delivered,
    IReadOnlyList<SlackMessageRef> Slack,
    IReadOnlyList<PagerDutyRef> PagerDuty,
    long Version)
{
    public ETag ETag { get; init; }

    /// <summary>When the chain was last restarted because it had stalled (see <c>RearmPlan.RearmWindow</c>).</summary>
    public DateTimeOffset? RearmedAt { get; init; }
}

/// <summary>
/// Incidents in table "incidents" (partition by the fingerprint's first byte), written with ETags through
/// <see cref="ETagUpdater"/>. Next to them, table "pagerdutykeys" maps the dedup key of every PagerDuty
/// incident we opened to its alert, so PagerDuty's webhook finds the alert with one read.
/// </summary>
public sealed class IncidentStore(TableServiceClient tables, StorageInitializer init, ETagUpdater updater)
{
    private TableClient Table => tables.GetTableClient(StorageNames.IncidentsTable);

    private TableClient Keys => tables.GetTableClient(StorageNames.PagerDutyKeysTable);

    private static string Partition(string id) => id.Length >= 2 ? id[..2] : id;

    public async Task<IncidentRecord?> GetAsync(string alertId, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        if (!TableKeys.IsValid(alertId))
        {
            return null;
        }
        var r = await Table.GetEntityIfExistsAsync<TableEntity>(Partition(alertId), alertId, cancellationToken: ct).ConfigureAwait(false);
        return r.HasValue ? FromEntity(r.Value!) : null;
    }

    /// <summary>The incidents of these alerts that exist, read concurrently.</summary>
    public async Task<IReadOnlyList<IncidentRecord>> GetManyAsync(IEnumerable<string> alertIds, CancellationToken ct)
    {
        var ids = alertIds.Distinct(StringComparer.Ordinal).ToArray();
        var found = new IncidentRecord?[ids.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Length), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = ct }, async (i, token) =>
            found[i] = await GetAsync(ids[i], token).ConfigureAwait(false)).ConfigureAwait(false);
        return found.OfType<IncidentRecord>().ToArray();
    }

    /// <summary>Every incident (for the retention run).</summary>
    public async Task<IReadOnlyList<IncidentRecord>> ListAsync(CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var result = new List<IncidentRecord>();
        await foreach (var e in Table.QueryAsync<TableEntity>(cancellationToken: ct).ConfigureAwait(false))
        {
            result.Add(FromEntity(e));
        }
        return result;
    }

    /// <summary>
    /// Reads the incident, lets <paramref name="change"/> decide, and writes its answer if the incident is
    /// unchanged since read (a new one insert-only, null deletes); retried on conflict.
    /// </summary>
    public Task<T> UpdateAsync<T>(string alertId, Func<IncidentRecord?, (IncidentRecord? Next, T Result)> change, CancellationToken ct) =>
        updater.UpdateAsync($"incident {alertId}", token => GetAsync(alertId, token), change, TryWriteAsync, ct);

    /// <summary>The same for a change whose result is the incident as written (or kept).</summary>
    public Task<IncidentRecord?> UpdateAsync(string alertId, Func<IncidentRecord?, IncidentRecord?> change, CancellationToken ct) =>
        updater.UpdateAsync($"incident {alertId}", token => GetAsync(alertId, token), change, TryWriteAsync, ct);

    private async Task<bool> TryWriteAsync(IncidentRecord? loaded, IncidentRecord? next, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        try
        {
            if (next is null)
            {
                await Table.DeleteEntityAsync(Partition(loaded!.AlertId), loaded.AlertId, loaded.ETag, ct).ConfigureAwait(false);
            }
            else if (loaded is null)
            {
                await Table.AddEntityAsync(ToEntity(next), ct).ConfigureAwait(false);
            }
            else
            {
                await Table.UpdateEntityAsync(ToEntity(next with { Version = loaded.Version + 1 }), loaded.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
            }
            return true;
        }
        catch (RequestFailedException e) when (ETagUpdater.IsConflict(e))
        {
            return false;
        }
    }

    /// <summary>Deletes the incident and its PagerDuty keys if it is unchanged since read.</summary>
    public async Task<bool> TryDeleteAsync(IncidentRecord incident, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(incident);
        if (!await TryWriteAsync(incident, null, ct).ConfigureAwait(false))
        {
            return false;
        }
        foreach (var p in incident.PagerDuty)
        {
            await ForgetPagerDutyKeyAsync(p.DedupKey, ct).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>Records which alert a PagerDuty dedup key belongs to (idempotent).</summary>
    public async Task IndexPagerDutyAsync(string alertId, IEnumerable<PagerDutyRef> refs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(refs);
        await init.EnsureAsync(ct).ConfigureAwait(false);
        foreach (var key in refs.Select(r => r.DedupKey).Distinct(StringComparer.Ordinal))
        {
            var row = KeyRow(key);
            await Keys.UpsertEntityAsync(new TableEntity(row[..2], row) { ["AlertId"] = alertId }, TableUpdateMode.Replace, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The alert whose PagerDuty incident has this dedup key, if it is one of ours.</summary>
    public async Task<string?> FindByDedupKeyAsync(string dedupKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dedupKey);
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var row = KeyRow(dedupKey);
        var r = await Keys.GetEntityIfExistsAsync<TableEntity>(row[..2], row, cancellationToken: ct).ConfigureAwait(false);
        return r.HasValue ? r.Value!.GetString("AlertId") : null;
    }

    /// <summary>Every indexed dedup key's row with its alert (for the retention run).</summary>
    public async Task<IReadOnlyList<(string Row, string AlertId)>> ListPagerDutyKeysAsync(CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var result = new List<(string, string)>();
        await foreach (var e in Keys.QueryAsync<TableEntity>(cancellationToken: ct).ConfigureAwait(false))
        {
            result.Add((e.RowKey, e.GetString("AlertId") ?? string.Empty));
        }
        return result;
    }

    public static string KeyRow(string dedupKey) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dedupKey)));

    public async Task ForgetPagerDutyKeyRowAsync(string row, CancellationToken ct)
    {
        try
        {
            await Keys.DeleteEntityAsync(row[..2], row, ETag.All, ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Already gone.
        }
    }

    private Task ForgetPagerDutyKeyAsync(string dedupKey, CancellationToken ct) => ForgetPagerDutyKeyRowAsync(KeyRow(dedupKey), ct);

    private static TableEntity ToEntity(IncidentRecord i) => new(Partition(i.AlertId), i.AlertId)
    {
        ["Policy"] = i.Policy,
        ["FiringSince"] = i.FiringSince,
        ["Ack"] = TableJson.Write(i.Ack),
        ["StepsDone"] = i.StepsDone,
        ["ChainToken"] = i.ChainToken,
        ["Delivered"] = TableJson.Write(i.Delivered),
        ["Slack"] = TableJson.Write(i.Slack),
        ["PagerDuty"] = TableJson.Write(i.PagerDuty),
        ["Version"] = i.Version,
        ["RearmedAt"] = i.RearmedAt,
    };

    private static IncidentRecord FromEntity(TableEntity e) => new(
        e.RowKey,
        e.GetString("Policy"),
        e.GetDateTimeOffset("FiringSince") ?? DateTimeOffset.MinValue,
        TableJson.Read(e.GetString("Ack"), AlertAckState.FiringSince(DateTimeOffset.MinValue)),
        e.GetInt32("StepsDone") ?? 0,
        e.GetString("ChainToken") ?? string.Empty,
        TableJson.Read<string[]>(e.GetString("Delivered"), []),
        TableJson.Read<SlackMessageRef[]>(e.GetString("Slack"), []),
        TableJson.Read<PagerDutyRef[]>(e.GetString("PagerDuty"), []),
        e.GetInt64("Version") ?? 0)
    {
        ETag = e.ETag,
        RearmedAt = e.GetDateTimeOffset("RearmedAt"),
    };
}

/// <summary>
/// The audit trail (table "audit", one partition per alert): every operator transition with who, when,
/// through which channel and from which state. Rows are append-only and sort oldest first.
/// </summary>
public sealed class AuditStore(TableServiceClient tables, StorageInitializer init, TableBatcher batcher)
{
    private TableClient Table => tables.GetTableClient(StorageNames.AuditTable);

    /// <summary>Deletes the rows of transitions before <paramref name="before"/> (rows sort by time); returns how many.</summary>
    public async Task<int> PurgeAsync(DateTimeOffset before, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var cutoff = before.UtcTicks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture);
        var old = Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey lt {cutoff}"), select: ["PartitionKey", "RowKey"], cancellationToken: ct);
        return await batcher.DeleteAllAsync(Table, old, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Appends a transition. <paramref name="sequence"/> is the incident version the transition wrote:
    /// transitions at the same instant (the clock has a finite resolution) still sort in the order they won.
    /// </summary>
    public async Task AppendAsync(AuditRecord record, long sequence, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var row = $"{record.When.UtcTicks:D19}-{sequence:D19}";
        await Table.AddEntityAsync(new TableEntity(record.AlertId, row) { ["Record"] = TableJson.Write(record) }, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AuditRecord>> ListAsync(string alertId, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        if (!TableKeys.IsValid(alertId))
        {
            return [];
        }
        var result = new List<AuditRecord>();
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == alertId, cancellationToken: ct).ConfigureAwait(false))
        {
            if (TableJson.Read<AuditRecord?>(e.GetString("Record"), null) is { } r)
            {
                result.Add(r);
            }
        }
        return result;
    }
}

/// <summary>
/// Single-use nonces of signed links (table "linknonces"): an insert that conflicts means "already used".
/// A nonce only matters until its link expires; the retention run deletes it after that.
/// </summary>
public sealed class LinkNonceStore(TableServiceClient tables, StorageInitializer init, TableBatcher batcher) : ISingleUseNonceStore
{
    private TableClient Table => tables.GetTableClient(StorageNames.LinkNoncesTable);

    /// <summary>Deletes the nonces of links that expired before <paramref name="now"/>; returns how many.</summary>
    public async Task<int> PurgeAsync(DateTimeOffset now, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var expired = Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"ExpiresAt lt {now}"), select: ["PartitionKey", "RowKey"], cancellationToken: ct);
        return await batcher.DeleteAllAsync(Table, expired, ct).ConfigureAwait(false);
    }

    public async ValueTask<bool> TryConsumeAsync(string nonce, DateTimeOffset expiresAt, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        try
        {
            await Table.AddEntityAsync(new TableEntity("nonce", nonce) { ["ExpiresAt"] = expiresAt }, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }
}
