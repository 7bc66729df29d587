using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Chunks;
using Alerting.Core.Tsdb.Compaction;
using Alerting.Functions.Storage;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Alerting.Functions.Tsdb;

/// <summary>
/// Blocks as blobs laid out like Prometheus' data directory: <c>blocks/&lt;ulid&gt;/index</c>,
/// <c>blocks/&lt;ulid&gt;/chunks/000001</c>... and <c>blocks/&lt;ulid&gt;/meta.json</c> (written last). A
/// block is part of the store only once the manifest lists it, so a half-uploaded block is never read.
/// </summary>
public sealed class BlockStore(BlobServiceClient blobs, StorageInitializer init)
{
    public const string Prefix = "blocks/";

    private BlobContainerClient Container => blobs.GetBlobContainerClient(StorageNames.SamplesContainer);

    public static string IndexName(string ulid) => $"{Prefix}{ulid}/index";

    public static string SegmentName(string ulid, int i) => $"{Prefix}{ulid}/chunks/{ChunkSegmentWriter.SegmentName(i)}";

    public static string MetaName(string ulid) => $"{Prefix}{ulid}/meta.json";

    public async Task UploadAsync(WrittenBlock block, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(block);
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var ulid = block.Meta.Ulid;
        for (var i = 0; i < block.Segments.Count; i++)
        {
            await Container.GetBlobClient(SegmentName(ulid, i)).UploadAsync(new BinaryData(block.Segments[i]), overwrite: true, ct).ConfigureAwait(false);
        }
        await Container.GetBlobClient(IndexName(ulid)).UploadAsync(new BinaryData(block.Index), overwrite: true, ct).ConfigureAwait(false);
        await Container.GetBlobClient(MetaName(ulid)).UploadAsync(new BinaryData(block.Meta.ToJson()), overwrite: true, ct).ConfigureAwait(false);
    }

    /// <summary>A reader over the block's blobs; nothing is read until a query needs it.</summary>
    public BlockReader Open(ManifestBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var meta = new BlockMeta
        {
            Ulid = block.Ulid,
            MinTime = block.MinTime,
            MaxTime = block.MaxTime,
            Stats = new BlockStats { NumSamples = block.NumSamples, NumSeries = block.NumSeries },
            Compaction = new BlockCompaction { Level = block.Level },
            Segments = block.SegmentBytes.Count,
        };
        var segments = block.SegmentBytes.Select((length, i) => (IRangeReader)new BlobRangeReader(Container.GetBlobClient(SegmentName(block.Ulid, i)), length)).ToArray();
        return new BlockReader(meta, new BlobRangeReader(Container.GetBlobClient(IndexName(block.Ulid)), block.IndexBytes), segments);
    }

    public async Task<BlockMeta?> ReadMetaAsync(string ulid, CancellationToken ct)
    {
        try
        {
            var content = await Container.GetBlobClient(MetaName(ulid)).DownloadContentAsync(ct).ConfigureAwait(false);
            return BlockMeta.Parse(content.Value.Content.ToMemory().Span);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>The sizes of a block's index and segments, or null when a blob is missing.</summary>
    public async Task<(long Index, long[] Segments)?> SizesAsync(string ulid, int segments, CancellationToken ct)
    {
        try
        {
            var index = (await Container.GetBlobClient(IndexName(ulid)).GetPropertiesAsync(cancellationToken: ct).ConfigureAwait(false)).Value.ContentLength;
            var sizes = new long[segments];
            for (var i = 0; i < segments; i++)
            {
                sizes[i] = (await Container.GetBlobClient(SegmentName(ulid, i)).GetPropertiesAsync(cancellationToken: ct).ConfigureAwait(false)).Value.ContentLength;
            }
            return (index, sizes);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Block folders present in storage with the last-modified time of their newest blob.</summary>
    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> ListAsync(CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var result = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await foreach (var item in Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, Prefix, ct).ConfigureAwait(false))
        {
            var rest = item.Name[Prefix.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0)
            {
                continue;
            }
            var ulid = rest[..slash];
            var modified = item.Properties.LastModified ?? DateTimeOffset.MinValue;
            result[ulid] = result.TryGetValue(ulid, out var seen) && seen > modified ? seen : modified;
        }
        return result;
    }

    public async Task DeleteAsync(string ulid, CancellationToken ct)
    {
        var names = new List<string>();
        await foreach (var item in Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"{Prefix}{ulid}/", ct).ConfigureAwait(false))
        {
            names.Add(item.Name);
        }
        // meta.json first: a half-deleted block then looks unfinished rather than complete.
        foreach (var name in names.OrderBy(n => n.EndsWith("meta.json", StringComparison.Ordinal) ? 0 : 1))
        {
            await Container.DeleteBlobIfExistsAsync(name, cancellationToken: ct).ConfigureAwait(false);
        }
    }

    /// <summary>Ranged reads of one blob (PromQL reads synchronously; results are cached by the block reader).</summary>
    private sealed class BlobRangeReader(BlobClient blob, long length) : IRangeReader
    {
        public string Name => blob.Name;

        public long Length => length;

        public byte[] Read(long offset, int count)
        {
            if (count <= 0 || offset >= length)
            {
                return [];
            }
            count = (int)Math.Min(count, length - offset);
            try
            {
                var result = blob.DownloadContent(new BlobDownloadOptions { Range = new HttpRange(offset, count) });
                return result.Value.Content.ToArray();
            }
            catch (RequestFailedException e)
            {
                throw new IOException($"{blob.Name}: {e.Status} {e.ErrorCode}", e);
            }
        }
    }
}
