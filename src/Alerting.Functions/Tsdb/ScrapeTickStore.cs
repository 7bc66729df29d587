using System.Globalization;
using System.Runtime.InteropServices;
using Alerting.Core.FanOut;
using Alerting.Core.Tsdb.Compaction;
using Alerting.Core.Tsdb.Wal;
using Alerting.Functions.Storage;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Alerting.Functions.Tsdb;

/// <summary>
/// The store's write-ahead log: every scrape of a job or of one shard of it (and every rule group's output) is
/// one immutable blob <c>ticks/&lt;bucket&gt;/&lt;job&gt;/&lt;unix ms, 13 digits&gt;-[s&lt;i&gt;of&lt;n&gt;-]&lt;id&gt;.bin</c>
/// in container "samples", written as
/// soon as it is scraped, so a crash loses nothing. The bucket is the time in units of 10^6 ms (about 17
/// minutes), so a reader catching up lists only the one or two buckets it has not fully seen, whatever
/// the number of jobs and however long the log; compaction deletes ticks once they are in a block.
/// </summary>
public sealed class ScrapeTickStore(BlobServiceClient blobs, StorageInitializer init)
{
    public const string Prefix = "ticks/";
    public const long BucketMs = 1_000_000;
    private const int MaxBucketLists = 512;
    private const int ParallelLists = 8;

    /// <summary>The id part of a shard tick's name: fixed, so the tick and the shard alone name the blob.</summary>
    private const string OnceId = "once";

    private BlobContainerClient Container => blobs.GetBlobContainerClient(StorageNames.SamplesContainer);

    public Task<string> WriteAsync(ScrapeTick tick, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tick);
        return WriteAsync(tick, ScrapeTickCodec.Encode(tick), ct);
    }

    /// <summary>Stores <paramref name="tick"/> as <paramref name="encoded"/> (its <see cref="ScrapeTickCodec"/> bytes), for a writer that also appends those bytes elsewhere.</summary>
    public Task<string> WriteAsync(ScrapeTick tick, byte[] encoded, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tick);
        return WriteEncodedAsync(tick.Job, tick.TimestampMs, new BinaryData(encoded), tick.Shard, ct);
    }

    /// <summary>Stores a tick already encoded with <see cref="ScrapeTickCodec"/> (tools that produce ticks in bulk).</summary>
    public Task<string> WriteEncodedAsync(string job, long timestampMs, BinaryData encoded, CancellationToken ct) =>
        WriteEncodedAsync(job, timestampMs, encoded, ScrapeShard.Whole, ct);

    private async Task<string> WriteEncodedAsync(string job, long timestampMs, BinaryData encoded, ScrapeShard shard, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        // A shard's tick names its shard, so readers pick each shard's latest tick as staleness context.
        // It has one name per tick and shard, created only if absent: when a shard's lease ran out mid-scrape
        // and a second instance took the message, both scrape but only the first write lands (the 3-host
        // fan-out check stored 2 of 10 shards twice in a warm-up tick with random names).
        if (!shard.IsWhole)
        {
            var once = $"{Stem(job, timestampMs, shard)}{OnceId}.bin";
            try
            {
                await Container.GetBlobClient(once).UploadAsync(encoded, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, ct).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // Already stored by the other taker (or by our own retried request whose answer was lost).
            }
            return once;
        }
        var name = $"{Stem(job, timestampMs, shard)}{Guid.NewGuid():N}.bin";
        await Container.UploadBlobAsync(name, encoded, ct).ConfigureAwait(false);
        return name;
    }

    /// <summary>
    /// Whether this shard's tick is already in the log: a redelivered shard message (its first taker died
    /// after the write) does not scrape and write the shard a second time.
    /// </summary>
    public async Task<bool> ShardWrittenAsync(string job, long timestampMs, ScrapeShard shard, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        // A listing by the stem, not a lookup of the one name: ticks written before shard names were fixed have random ids.
        await foreach (var item in Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, Stem(job, timestampMs, shard), ct).ConfigureAwait(false))
        {
            return true;
        }
        return false;
    }

    /// <summary>A tick's blob name up to its id, <c>ticks/&lt;bucket&gt;/&lt;job&gt;/&lt;ms&gt;-[s&lt;i&gt;of&lt;n&gt;-]</c>: what the writer names and the redelivery check lists.</summary>
    private static string Stem(string job, long timestampMs, ScrapeShard shard) =>
        $"{Prefix}{Bucket(timestampMs)}/{Escape(job)}/{Stamp(timestampMs)}-{ShardPart(shard)}";

    private static string ShardPart(ScrapeShard shard) =>
        shard.IsWhole ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"{TickRef.ShardMarker}{shard.Index}of{shard.Count}-");

    /// <summary>The ticks of every job with timestamps in [<paramref name="sinceMs"/>, <paramref name="untilMs"/>], oldest first.</summary>
    public async Task<IReadOnlyList<TickRef>> ListAsync(long sinceMs, long untilMs, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var first = FloorDiv(sinceMs, BucketMs);
        var last = FloorDiv(untilMs, BucketMs);
        string[] prefixes = first < 0 || last < first || last - first >= MaxBucketLists
            ? [Prefix]
            : [.. Enumerable.Range(0, (int)(last - first + 1)).Select(i => $"{Prefix}{Bucket((first + i) * BucketMs)}/")];
        // Buckets are listed side by side: a steady catch-up spans two, and each listing is a round trip.
        var lists = new List<TickRef>[prefixes.Length];
        await Parallel.ForAsync(0, prefixes.Length, new ParallelOptions { MaxDegreeOfParallelism = ParallelLists, CancellationToken = ct },
            async (i, token) => lists[i] = await ListPrefixAsync(prefixes[i], sinceMs, untilMs, token).ConfigureAwait(false)).ConfigureAwait(false);
        var result = lists.Length == 1 ? lists[0] : [.. lists.SelectMany(l => l)];
        result.Sort(static (a, b) => a.TimestampMs != b.TimestampMs ? a.TimestampMs.CompareTo(b.TimestampMs) : string.CompareOrdinal(a.Name, b.Name));
        return result;
    }

    private async Task<List<TickRef>> ListPrefixAsync(string prefix, long sinceMs, long untilMs, CancellationToken ct)
    {
        var result = new List<TickRef>();
        await foreach (var item in Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, ct).ConfigureAwait(false))
        {
            if (Parse(item.Name) is { } t && t.TimestampMs >= sinceMs && t.TimestampMs <= untilMs)
            {
                result.Add(t);
            }
        }
        return result;
    }

    /// <summary>The blob's bytes, or null when it is gone (compacted and deleted meanwhile).</summary>
    public async Task<byte[]?> ReadAsync(string name, CancellationToken ct)
    {
        try
        {
            var content = await Container.GetBlobClient(name).DownloadContentAsync(ct).ConfigureAwait(false);
            return Bytes(content.Value.Content);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public byte[]? Read(string name, CancellationToken ct)
    {
        try
        {
            return Bytes(Container.GetBlobClient(name).DownloadContent(ct).Value.Content);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// The downloaded bytes without a second copy when the content is one whole array: a 1,000,000-series
    /// tick is a few MB on the large object heap, and readers only decode it.
    /// </summary>
    private static byte[] Bytes(BinaryData content) =>
        MemoryMarshal.TryGetArray(content.ToMemory(), out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : content.ToArray();

    public Task DeleteAsync(string name, CancellationToken ct) =>
        Container.DeleteBlobIfExistsAsync(name, cancellationToken: ct);

    /// <summary>Decoded ticks at or after <paramref name="sinceMs"/> still in the log, oldest first (tests and tools).</summary>
    public async Task<IReadOnlyList<ScrapeTick>> ReadSinceAsync(long sinceMs, CancellationToken ct)
    {
        var refs = await ListAsync(sinceMs, long.MaxValue / 2, ct).ConfigureAwait(false);
        var result = new List<ScrapeTick>(refs.Count);
        foreach (var r in refs)
        {
            if (await ReadAsync(r.Name, ct).ConfigureAwait(false) is { } bytes)
            {
                result.Add(ScrapeTickCodec.Decode(bytes));
            }
        }
        return result;
    }

    private static string Escape(string job) => Uri.EscapeDataString(job);

    private static string Stamp(long ms) => ms.ToString("D13", CultureInfo.InvariantCulture);

    private static string Bucket(long ms) => FloorDiv(ms, BucketMs).ToString("D7", CultureInfo.InvariantCulture);

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : ((a + 1) / b) - 1;

    /// <summary>Job and timestamp from <c>ticks/&lt;bucket&gt;/&lt;job&gt;/&lt;ms&gt;-&lt;id&gt;.bin</c>; null for anything else.</summary>
    private static TickRef? Parse(string name)
    {
        var parts = name.Split('/');
        if (parts.Length != 4)
        {
            return null;
        }
        var file = parts[3];
        var dash = file.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && long.TryParse(file.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ts)
            ? new TickRef(Uri.UnescapeDataString(parts[2]), ts, name)
            : null;
    }
}
