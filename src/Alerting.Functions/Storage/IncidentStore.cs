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
}

/// <summary>Incidents in table "incidents" (partition by the fingerprint's first byte), written with ETags.</summary>
public sealed class IncidentStore(TableServiceClient tables, StorageInitializer init)
{
    private TableClient Table => tables.GetTableClient(StorageNames.IncidentsTable);

    private static string Partition(string id) => id.Length >= 2 ? id[..2] : id;

    public async Task<IncidentRecord?> GetAsync(string alertId, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var r = await Table.GetEntityIfExistsAsync<TableEntity>(Partition(alertId), alertId, cancellationToken: ct).ConfigureAwait(false);
        return r.HasValue ? FromEntity(r.Value!) : null;
    }

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

    /// <summary>Inserts a new incident, or replaces the given one if unchanged since read; false on a lost race.</summary>
    public async Task<bool> TryWriteAsync(IncidentRecord incident, bool isNew, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        try
        {
            if (isNew)
            {
                await Table.AddEntityAsync(ToEntity(incident), ct).ConfigureAwait(false);
            }
            else
            {
                await Table.UpdateEntityAsync(ToEntity(incident with { Version = incident.Version + 1 }), incident.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
            }
            return true;
        }
        catch (RequestFailedException e) when (TableJson.IsConflict(e) || e.Status == 404)
        {
            return false;
        }
    }

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
    };
}

/// <summary>
/// The audit trail (table "audit", one partition per alert): every operator transition with who, when,
/// through which channel and from which state. Rows are append-only and sort oldest first.
/// </summary>
public sealed class AuditStore(TableServiceClient tables, StorageInitializer init)
{
    private TableClient Table => tables.GetTableClient(StorageNames.AuditTable);

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

/// <summary>Single-use nonces of signed links (table "linknonces"): an insert that conflicts means "already used".</summary>
public sealed class LinkNonceStore(TableServiceClient tables, StorageInitializer init) : ISingleUseNonceStore
{
    public async ValueTask<bool> TryConsumeAsync(string nonce, DateTimeOffset expiresAt, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        try
        {
            await tables.GetTableClient(StorageNames.LinkNoncesTable)
                .AddEntityAsync(new TableEntity("nonce", nonce) { ["ExpiresAt"] = expiresAt }, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }
}
