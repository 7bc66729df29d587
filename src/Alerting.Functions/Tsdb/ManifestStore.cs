using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Compaction;
using Alerting.Functions.Storage;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Alerting.Functions.Tsdb;

/// <summary>The manifest and its ETag, as last read.</summary>
public sealed record ManifestVersion(Manifest Manifest, ETag? ETag, string? Damage = null);

/// <summary>
/// <c>manifest.json</c>: read with If-None-Match (an unchanged manifest costs a 304), written only with
/// If-Match on the version it was derived from, so of two compactors committing at once one wins and the
/// other sees a conflict and starts over from the new version.
/// </summary>
public sealed class ManifestStore(BlobServiceClient blobs, StorageInitializer init)
{
    public const string Name = "manifest.json";

    private ManifestVersion? _last;

    private BlobClient Blob => blobs.GetBlobContainerClient(StorageNames.SamplesContainer).GetBlobClient(Name);

    /// <summary>The current manifest; <see cref="Manifest.Empty"/> with a null ETag when none was written yet.</summary>
    public async Task<ManifestVersion> ReadAsync(CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var last = _last;
        try
        {
            var options = new BlobDownloadOptions();
            if (last?.ETag is { } etag)
            {
                options.Conditions = new BlobRequestConditions { IfNoneMatch = etag };
            }
            var response = await Blob.DownloadContentAsync(options, ct).ConfigureAwait(false);
            var raw = response.GetRawResponse();
            if (raw.Status == 304 && last is not null)
            {
                return last;
            }
            var etagNow = response.Value.Details.ETag;
            ManifestVersion version;
            try
            {
                version = new ManifestVersion(Manifest.Parse(response.Value.Content.ToMemory().Span), etagNow);
            }
            catch (TsdbFormatException e)
            {
                version = new ManifestVersion(Manifest.Empty, etagNow, e.Message);
            }
            _last = version;
            return version;
        }
        catch (RequestFailedException e) when (e.Status == 304 && last is not null)
        {
            return last;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            _last = new ManifestVersion(Manifest.Empty, null);
            return _last;
        }
    }

    /// <summary>Writes <paramref name="next"/> if the manifest is still <paramref name="basedOn"/>; false on a conflict.</summary>
    public async Task<bool> TryWriteAsync(Manifest next, ManifestVersion basedOn, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(basedOn);
        var conditions = basedOn.ETag is { } etag
            ? new BlobRequestConditions { IfMatch = etag }
            : new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            var response = await Blob.UploadAsync(new BinaryData(next.ToJson()), new BlobUploadOptions { Conditions = conditions }, ct).ConfigureAwait(false);
            _last = new ManifestVersion(next, response.Value.ETag);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            _last = null;
            return false;
        }
    }
}
