using Alerting.Core.Rules;
using Azure;
using Azure.Data.Tables;

namespace Alerting.Functions.Storage;

/// <summary>The persisted state of one rule group: when it last ran, rule health and its active alerts.</summary>
public sealed record RuleGroupState(DateTimeOffset? LastEvaluatedAt, IReadOnlyList<ActiveAlert> Alerts, IReadOnlyList<RuleStatus> Health)
{
    public ETag ETag { get; init; }
}

/// <summary>
/// Rule group state in table "rulestate": partition per group, a header row claimed with its ETag before
/// results are written (so two instances evaluating the same tick cannot both send), one row per alert.
/// </summary>
public sealed class RuleStateStore(TableServiceClient tables, StorageInitializer init)
{
    private const string HeaderRow = "_group";

    private TableClient Table => tables.GetTableClient(StorageNames.RuleStateTable);

    public static string PartitionFor(RuleGroup group) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(group.Key)))[..32];

    public async Task<RuleGroupState> LoadAsync(RuleGroup group, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var pk = PartitionFor(group);
        DateTimeOffset? last = null;
        var etag = default(ETag);
        IReadOnlyList<RuleStatus> health = [];
        var alerts = new List<ActiveAlert>();
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == pk, cancellationToken: ct).ConfigureAwait(false))
        {
            if (e.RowKey == HeaderRow)
            {
                last = e.GetDateTimeOffset("LastEvaluatedAt");
                health = TableJson.Read<RuleStatus[]>(e.GetString("Health"), []);
                etag = e.ETag;
                continue;
            }
            alerts.Add(new ActiveAlert(
                e.GetString("Rule")!,
                TableJson.Labels(e.GetString("Labels")),
                TableJson.Annotations(e.GetString("Annotations")),
                Enum.Parse<AlertState>(e.GetString("State")!),
                e.GetDouble("Value") ?? double.NaN,
                e.GetDateTimeOffset("ActiveAt")!.Value,
                e.GetDateTimeOffset("FiredAt"),
                e.GetDateTimeOffset("ResolvedAt"),
                e.GetDateTimeOffset("LastSentAt"),
                e.GetDateTimeOffset("KeepFiringSince"),
                e.GetDateTimeOffset("ValidUntil")));
        }
        return new RuleGroupState(last, alerts, health) { ETag = etag };
    }

    /// <summary>When the group was last evaluated, from its header row alone (the evaluation timer's plan reads every group's).</summary>
    public async Task<DateTimeOffset?> LastEvaluatedAsync(RuleGroup group, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var header = await Table.GetEntityIfExistsAsync<TableEntity>(PartitionFor(group), HeaderRow, ["LastEvaluatedAt"], ct).ConfigureAwait(false);
        return header.HasValue ? header.Value!.GetDateTimeOffset("LastEvaluatedAt") : null;
    }

    /// <summary>
    /// Claims this evaluation by updating the header row against the ETag read by <see cref="LoadAsync"/>.
    /// False means another instance already evaluated the group since: drop our results.
    /// </summary>
    public async Task<bool> TryClaimAsync(RuleGroup group, RuleGroupState loaded, DateTimeOffset evaluatedAt, IReadOnlyList<RuleStatus> health, CancellationToken ct)
    {
        var header = new TableEntity(PartitionFor(group), HeaderRow)
        {
            ["Group"] = group.Name,
            ["File"] = group.File,
            ["LastEvaluatedAt"] = evaluatedAt,
            ["Health"] = TableJson.Write(health),
        };
        try
        {
            if (loaded.ETag == default)
            {
                await Table.AddEntityAsync(header, ct).ConfigureAwait(false);
            }
            else
            {
                await Table.UpdateEntityAsync(header, loaded.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
            }
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
    }

    public async Task SaveAlertsAsync(RuleGroup group, IReadOnlyList<ActiveAlert> previous, IReadOnlyList<ActiveAlert> current, CancellationToken ct)
    {
        var pk = PartitionFor(group);
        var actions = new List<TableTransactionAction>();
        var keep = current.Select(RowKey).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in previous.Where(p => !keep.Contains(RowKey(p))))
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(pk, RowKey(gone)), ETag.All));
        }
        var before = previous.ToDictionary(RowKey, StringComparer.Ordinal);
        foreach (var a in current)
        {
            if (before.TryGetValue(RowKey(a), out var old) && old == a)
            {
                continue;
            }
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(pk, RowKey(a))
            {
                ["Rule"] = a.Rule,
                ["Labels"] = TableJson.Write(a.Labels),
                ["Annotations"] = TableJson.Write(a.Annotations),
                ["State"] = a.State.ToString(),
                ["Value"] = a.Value,
                ["ActiveAt"] = a.ActiveAt,
                ["FiredAt"] = a.FiredAt,
                ["ResolvedAt"] = a.ResolvedAt,
                ["LastSentAt"] = a.LastSentAt,
                ["KeepFiringSince"] = a.KeepFiringSince,
                ["ValidUntil"] = a.ValidUntil,
            }));
        }
        // Entity group transactions hold at most 100 operations.
        foreach (var chunk in actions.Chunk(100))
        {
            await Table.SubmitTransactionAsync(chunk, ct).ConfigureAwait(false);
        }
    }

    private static string RowKey(ActiveAlert a) => a.Fingerprint;
}
