using System.Collections.Concurrent;
using System.Globalization;
using Alerting.Core.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Alerting.Functions.Storage;

/// <summary>
/// Scrape ticks as immutable blobs <c>ticks/&lt;job&gt;/&lt;unix ms&gt;-&lt;id&gt;.bin</c> in container "samples".
/// Names sort by time, so the evaluator lists only what it has not cached yet, and any instance can
/// read any tick. Old ticks are deleted by whoever writes the job's next tick.
/// </summary>
public sealed class ScrapeTickStore(BlobServiceClient blobs, StorageInitializer init)
{
    private readonly ConcurrentDictionary<string, ScrapeTick> _cache = new(StringComparer.Ordinal);

    private BlobContainerClient Container => blobs.GetBlobContainerClient(StorageNames.SamplesContainer);

    public async Task WriteAsync(ScrapeTick tick, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var name = BlobName(tick);
        await Container.UploadBlobAsync(name, new BinaryData(ScrapeTickCodec.Encode(tick)), ct).ConfigureAwait(false);
        _cache[name] = tick;
    }

    /// <summary>All ticks with timestamps at or after <paramref name="sinceMs"/>, oldest first.</summary>
    public async Task<IReadOnlyList<ScrapeTick>> ReadSinceAsync(long sinceMs, CancellationToken ct)
    {
        await init.EnsureAsync(ct).ConfigureAwait(false);
        var names = new List<string>();
        await foreach (var item in Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, "ticks/", ct).ConfigureAwait(false))
        {
            if (TimestampOf(item.Name) >= sinceMs)
            {
                names.Add(item.Name);
            }
        }
        var missing = names.Where(n => !_cache.ContainsKey(n)).ToArray();
        await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (n, token) =>
        {
            var content = await Container.GetBlobClient(n).DownloadContentAsync(token).ConfigureAwait(false);
            _cache[n] = ScrapeTickCodec.Decode(content.Value.Content.ToMemory().Span);
        }).ConfigureAwait(false);
        foreach (var stale in _cache.Keys.Where(k => TimestampOf(k) < sinceMs))
        {
            _cache.TryRemove(stale, out _);
        }
        return names.Select(n => _cache[n]).OrderBy(t => t.TimestampMs).ToArray();
    }

    /// <summary>Deletes a job's ticks older than <paramref name="beforeMs"/>.</summary>
    public async Task PruneAsync(string job, long beforeMs, CancellationToken ct)
    {
        await foreach (var item in Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"ticks/{Escape(job)}/", ct).ConfigureAwait(false))
        {
            if (TimestampOf(item.Name) < beforeMs)
            {
                await Container.DeleteBlobIfExistsAsync(item.Name, cancellationToken: ct).ConfigureAwait(false);
            }
        }
    }

    private static string BlobName(ScrapeTick tick) =>
        $"ticks/{Escape(tick.Job)}/{tick.TimestampMs.ToString("D13", CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}.bin";

    private static string Escape(string job) => Uri.EscapeDataString(job);

    private static long TimestampOf(string name)
    {
        var file = name[(name.LastIndexOf('/') + 1)..];
        var dash = file.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && long.TryParse(file.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ts) ? ts : long.MinValue;
    }
}
