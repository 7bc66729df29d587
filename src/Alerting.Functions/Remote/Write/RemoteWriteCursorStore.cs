using Alerting.Core.Remote.Write;
using Alerting.Functions.Storage;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Alerting.Functions.Remote.Write;

/// <summary>A cursor and the blob version it was read from.</summary>
public sealed record StoredCursor(RemoteWriteCursor? Cursor, ETag? ETag);

/// <summary>
/// Each remote_write endpoint's cursor, <c>remote-write/&lt;name&gt;.json</c> in the samples container,
/// changed through the <see cref="ETagUpdater"/> so two instances forwarding at once merge their progress.
/// </summary>
public sealed class RemoteWriteCursorStore(BlobServiceClient blobs, StorageInitializer init, ETagUpdater updater)
{
    public const string Prefix = "remote-write/";

    private BlobClient Blob(string endpoint) =>
        blobs.GetBlobContainerClient(StorageNames.SamplesContainer).GetBlobClient(Prefix + Uri.EscapeDataString(endpoint) + ".json");

    public async Task<RemoteWriteCursor?> ReadAsync(string endpoint, CancellationToken ct) => (await LoadAsync(endpoint, ct).ConfigureAwait(false)).Cursor;

    /// <summary>Merges <paramref name="progress"/> into the stored cursor.</summary>
    public Task SaveAsync(string endpoint, RemoteWriteCursor progress, CancellationToken ct) =>
        updater.UpdateAsync(
            "remote write cursor " + endpoint,
            token => LoadAsync(endpoint, token),
            stored => stored.Cursor is { } c && c.Equals(progress) ? stored : stored with { Cursor = stored.Cursor is { } other ? progress.Merge(other) : progress },
            (loaded, next, token) => TryWriteAsync(endpoint, loaded, next, token),
            ct);

    private async Task<StoredCursor> LoadAsync(string endpoint, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        try
        {
            var content = await Blob(endpoint).DownloadContentAsync(ct).ConfigureAwait(false);
            return new StoredCursor(RemoteWriteCursor.Parse(content.Value.Content.ToMemory().Span), content.Value.Details.ETag);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return new StoredCursor(null, null);
        }
    }

    private async Task<bool> TryWriteAsync(string endpoint, StoredCursor loaded, StoredCursor next, CancellationToken ct)
    {
        var conditions = loaded.ETag is { } etag ? new BlobRequestConditions { IfMatch = etag } : new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            await Blob(endpoint).UploadAsync(new BinaryData(next.Cursor!.ToJson()), new BlobUploadOptions { Conditions = conditions }, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (ETagUpdater.IsConflict(e))
        {
            return false;
        }
    }
}
