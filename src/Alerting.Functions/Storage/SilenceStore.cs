using Alerting.Core.Alertmanager;
using Azure;
using Azure.Data.Tables;

namespace Alerting.Functions.Storage;

/// <summary>What a silence write did: the silence id, or why nothing was written.</summary>
public sealed record SilenceWriteResult(string? Id, string? Error, bool NotFound = false)
{
    public bool Succeeded => Error is null;
}

/// <summary>
/// Alertmanager's silences in table "silences" (one partition, rows keyed by silence id, the v2 API
/// JSON in one property). Every change goes through <see cref="ETagUpdater"/>: an ETag-guarded replace,
/// re-read and retried on conflict, so two instances updating or expiring the same silence never lose a write.
/// </summary>
public sealed class SilenceStore(TableServiceClient tables, ETagUpdater updater)
{
    public const string TableName = "silences";

    private const string Partition = "s";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _created;

    private TableClient Table => tables.GetTableClient(TableName);

    public async Task<IReadOnlyList<Silence>> ListAsync(CancellationToken ct)
    {
        await EnsureAsync(ct).ConfigureAwait(false);
        var result = new List<Silence>();
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == Partition, cancellationToken: ct).ConfigureAwait(false))
        {
            result.Add(FromEntity(e));
        }
        return result;
    }

    /// <summary>
    /// Alertmanager's garbage collection (<c>--data.retention</c>, 120h by default): silences that
    /// ended longer ago than <paramref name="retention"/> are deleted. A row changed meanwhile is kept.
    /// </summary>
    public async Task<int> PurgeAsync(DateTimeOffset now, TimeSpan retention, CancellationToken ct)
    {
        await EnsureAsync(ct).ConfigureAwait(false);
        var purged = 0;
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == Partition, cancellationToken: ct).ConfigureAwait(false))
        {
            if (FromEntity(e).EndsAt + retention >= now)
            {
                continue;
            }
            try
            {
                await Table.DeleteEntityAsync(Partition, e.RowKey, e.ETag, ct).ConfigureAwait(false);
                purged++;
            }
            catch (RequestFailedException ex) when (ETagUpdater.IsConflict(ex))
            {
                // Updated or purged by someone else since we read it.
            }
        }
        return purged;
    }

    public async Task<Silence?> GetAsync(string id, CancellationToken ct) => (await GetWithETagAsync(id, ct).ConfigureAwait(false))?.Silence;

    /// <summary>
    /// Alertmanager's <c>Silences.Set</c>: a silence without id is created; one with the id of a stored
    /// silence updates it in place when only its times and texts change in a way that keeps its history
    /// truthful (same matchers; an active one keeps its start and does not end in the past; a pending one
    /// does not start in the past). Otherwise the stored one is expired and a new silence with a new id
    /// replaces it. A new silence never starts before <paramref name="now"/>.
    /// </summary>
    public async Task<SilenceWriteResult> SetAsync(Silence posted, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(posted);
        await EnsureAsync(ct).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(posted.Id))
        {
            var result = await UpdateAsync(posted.Id, prev =>
            {
                if (prev is null)
                {
                    return (prev, new SilenceWriteResult(null, "silence not found", NotFound: true));
                }
                if (CanUpdate(prev.Silence, posted, now))
                {
                    var updated = posted with { UpdatedAt = now };
                    return updated.Validate() is { } invalid
                        ? (prev, new SilenceWriteResult(null, "silence invalid: " + invalid))
                        : (prev with { Silence = updated }, new SilenceWriteResult(updated.Id, null));
                }
                // Not updatable in place: the stored silence ends now and a new one replaces it.
                var ended = prev.Silence.StateAt(now) == SilenceState.Expired ? prev : prev with { Silence = Expired(prev.Silence, now) };
                return (ended, (SilenceWriteResult?)null);
            }, ct).ConfigureAwait(false);
            if (result is not null)
            {
                return result;
            }
        }
        var created = posted with
        {
            Id = Silence.NewId(),
            StartsAt = posted.StartsAt < now ? now : posted.StartsAt,
            UpdatedAt = now,
        };
        if (created.Validate() is { } error)
        {
            return new SilenceWriteResult(null, "silence invalid: " + error);
        }
        await Table.AddEntityAsync(ToEntity(created), ct).ConfigureAwait(false);
        return new SilenceWriteResult(created.Id, null);
    }

    /// <summary>
    /// Alertmanager's expire: an active silence ends now, a pending one starts and ends now, so it is
    /// kept (and listed as expired) but mutes nothing. Expiring an expired silence is an error.
    /// </summary>
    public async Task<SilenceWriteResult> ExpireAsync(string id, DateTimeOffset now, CancellationToken ct)
    {
        await EnsureAsync(ct).ConfigureAwait(false);
        return (await UpdateAsync(id, prev => prev switch
        {
            null => (prev, new SilenceWriteResult(null, "silence not found", NotFound: true)),
            _ when prev.Silence.StateAt(now) == SilenceState.Expired => (prev, new SilenceWriteResult(null, $"silence {id} already expired")),
            _ => (prev with { Silence = Expired(prev.Silence, now) }, new SilenceWriteResult(id, null)),
        }, ct).ConfigureAwait(false))!;
    }

    private Task<SilenceWriteResult?> UpdateAsync(string id, Func<StoredSilence?, (StoredSilence? Next, SilenceWriteResult? Result)> change, CancellationToken ct) =>
        updater.UpdateAsync($"silence {id}", token => GetWithETagAsync(id, token), change, TryReplaceAsync, ct);

    private static Silence Expired(Silence s, DateTimeOffset now) => s.StateAt(now) == SilenceState.Pending
        ? s with { StartsAt = now, EndsAt = now, UpdatedAt = now }
        : s with { EndsAt = now, UpdatedAt = now };

    private static bool CanUpdate(Silence stored, Silence posted, DateTimeOffset now)
    {
        if (!SameMatchers(stored.Matchers, posted.Matchers))
        {
            return false;
        }
        return stored.StateAt(now) switch
        {
            SilenceState.Active => posted.StartsAt == stored.StartsAt && posted.EndsAt >= now,
            SilenceState.Pending => posted.StartsAt >= now,
            _ => false,
        };
    }

    private static bool SameMatchers(IReadOnlyList<Core.Model.LabelMatcher> a, IReadOnlyList<Core.Model.LabelMatcher> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Type == p.Second.Type && p.First.Name == p.Second.Name && p.First.Value == p.Second.Value);

    private async Task<StoredSilence?> GetWithETagAsync(string id, CancellationToken ct)
    {
        await EnsureAsync(ct).ConfigureAwait(false);
        if (!TableKeys.IsValid(id))
        {
            return null;
        }
        var r = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: ct).ConfigureAwait(false);
        return r.HasValue ? new StoredSilence(FromEntity(r.Value!), r.Value!.ETag) : null;
    }

    private async Task<bool> TryReplaceAsync(StoredSilence? loaded, StoredSilence? next, CancellationToken ct)
    {
        try
        {
            await Table.UpdateEntityAsync(ToEntity(next!.Silence), loaded!.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (ETagUpdater.IsConflict(e))
        {
            return false;
        }
    }

    private sealed record StoredSilence(Silence Silence, ETag ETag);

    private static TableEntity ToEntity(Silence s) => new(Partition, s.Id)
    {
        // The state inside the JSON is recomputed on every read; only the stored fields matter.
        ["Json"] = s.ToJsonString(s.UpdatedAt ?? s.StartsAt),
    };

    private static Silence FromEntity(TableEntity e) => Silence.FromJson(e.GetString("Json") ?? "{}") with { Id = e.RowKey };

    private async Task EnsureAsync(CancellationToken ct)
    {
        if (_created)
        {
            return;
        }
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!_created)
            {
                await tables.CreateTableIfNotExistsAsync(TableName, ct).ConfigureAwait(false);
                _created = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
