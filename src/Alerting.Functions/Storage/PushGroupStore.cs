using System.Text.Json;
using System.Text.Json.Serialization;
using Alerting.Core.Exposition;
using Alerting.Core.Push;
using Alerting.Core.Model;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Alerting.Functions.Storage;

/// <summary>
/// The Pushgateway's groups as one JSON blob <c>push/groups.json</c> in container "samples". One blob,
/// not one per group, because the Pushgateway's consistency checks (a family's type, duplicate series)
/// span groups; every change is a read-modify-write through <see cref="ETagUpdater"/>, guarded by the blob's
/// ETag and retried when another instance changed it in between, so concurrent pushes never lose each other's groups.
/// </summary>
public sealed class PushGroupStore(BlobServiceClient blobs, StorageInitializer init, TimeProvider time, ETagUpdater updater)
{
    public const string BlobName = "push/groups.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    private BlobClient Blob => blobs.GetBlobContainerClient(StorageNames.SamplesContainer).GetBlobClient(BlobName);

    /// <summary>The current groups (empty when nothing was ever pushed).</summary>
    public async Task<IReadOnlyList<PushGroup>> ReadAsync(CancellationToken ct)
    {
        var (groups, _) = await LoadAsync(ct).ConfigureAwait(false);
        return groups;
    }

    /// <summary>Whether anything was ever pushed, so the scrape tick skips the push job on deployments that do not use it.</summary>
    public async Task<bool> ExistsAsync(CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        return (await Blob.ExistsAsync(ct).ConfigureAwait(false)).Value;
    }

    /// <summary>
    /// Applies <paramref name="change"/> to a store holding the persisted groups and saves the result, even
    /// when the change throws a <see cref="PushException"/>: the Pushgateway records a rejected push as the
    /// group's <c>push_failure_time_seconds</c>, while the pushed metrics stay as they were.
    /// </summary>
    public async Task<T> UpdateAsync<T>(Func<PushStore, T> change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        var (result, rejected) = await updater.UpdateAsync<Snapshot, (T Result, PushException? Rejected)>(
            BlobName,
            async token =>
            {
                var (groups, etag) = await LoadAsync(token).ConfigureAwait(false);
                return new Snapshot(groups, etag);
            },
            loaded =>
            {
                var store = new PushStore(time, loaded.Groups);
                // The change runs before the groups are copied: a tuple's elements are evaluated left to right,
                // so copying inside the same tuple as the change would save the groups as they were before it.
                (T Result, PushException? Rejected) outcome;
                try
                {
                    outcome = (change(store), null);
                }
                catch (PushException e)
                {
                    outcome = (default!, e);
                }
                return (loaded with { Groups = store.Groups.ToArray() }, outcome);
            },
            (loaded, next, token) => TrySaveAsync(next.Groups, loaded.ETag, token),
            ct).ConfigureAwait(false);
        return rejected is null ? result : throw rejected;
    }

    /// <summary>The groups as read, with the blob's ETag (null: no blob yet).</summary>
    private sealed record Snapshot(IReadOnlyList<PushGroup> Groups, ETag? ETag);

    private async Task<(IReadOnlyList<PushGroup> Groups, ETag? ETag)> LoadAsync(CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        try
        {
            var content = await Blob.DownloadContentAsync(ct).ConfigureAwait(false);
            var stored = JsonSerializer.Deserialize<StoredGroup[]>(content.Value.Content.ToMemory().Span, Json) ?? [];
            return (stored.Select(FromStored).ToArray(), content.Value.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return ([], null);
        }
    }

    private async Task<bool> TrySaveAsync(IReadOnlyCollection<PushGroup> groups, ETag? etag, CancellationToken ct)
    {
        var data = BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(groups.Select(ToStored).ToArray(), Json));
        var conditions = etag is { } e ? new BlobRequestConditions { IfMatch = e } : new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            await Blob.UploadAsync(data, new BlobUploadOptions { Conditions = conditions }, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ETagUpdater.IsConflict(ex))
        {
            return false;
        }
    }

    private static StoredGroup ToStored(PushGroup g) => new(
        g.Key.Labels.ToDictionary(),
        g.Families.Values.Select(f => new StoredFamily(f.Name, f.Type, f.Help, f.Samples.Select(s => new StoredSample(s.Labels.ToDictionary(), s.Value) { Histogram = s.Histogram }).ToArray())).ToArray(),
        g.LastPushMs,
        g.LastFailureMs);

    private static PushGroup FromStored(StoredGroup g) => new(
        PushGroupingKey.From(Labels.From(g.Key)),
        g.Families.ToDictionary(
            f => f.Name,
            f => new PushedFamily(f.Name, f.Type, f.Help, f.Samples.Select(s => new PushedSample(Labels.From(s.Labels), s.Value) { Histogram = s.Histogram }).ToArray()),
            StringComparer.Ordinal),
        g.LastPushMs,
        g.LastFailureMs);

    private sealed record StoredGroup(Dictionary<string, string> Key, StoredFamily[] Families, long LastPushMs, long LastFailureMs);

    private sealed record StoredFamily(string Name, MetricType Type, string? Help, StoredSample[] Samples);

    private sealed record StoredSample(Dictionary<string, string> Labels, double Value)
    {
        /// <summary>A pushed native histogram; absent in groups stored before histograms were accepted.</summary>
        public Core.Model.Histograms.FloatHistogram? Histogram { get; init; }
    }
}
