using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Compaction;
using Alerting.Core.Tsdb.Wal;
using Alerting.Functions.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Tsdb;

/// <summary>
/// This instance's view of the store, kept between evaluations: one reader per block listed in the
/// manifest (their caches hold what queries read, within <see cref="TsdbOptions.BlockCacheMegabytes"/>),
/// and a head holding the tick log from the compaction watermark on, but only the series the rules
/// select. Each evaluation first catches up: re-reads the manifest (a 304 when unchanged), drops head
/// data now in blocks, and appends the ticks written since the last time. Nothing is rebuilt per tick.
/// </summary>
public sealed partial class SampleStore(
    ScrapeTickStore log,
    BlockStore blocks,
    ManifestStore manifests,
    TimeProvider time,
    IOptions<TsdbOptions> options,
    ILogger<SampleStore> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, BlockReader> _readers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _damaged = new(StringComparer.Ordinal);
    private Head? _head;

    /// <summary>Callers of <see cref="QuerierAsync"/> so far, numbered as they arrive.</summary>
    private long _arrivals;

    /// <summary>The last arrival number a finished catch-up covers: it began after they arrived, so it saw all they would.</summary>
    private long _coveredArrivals;

    /// <summary>Ticks before this were listed in an earlier catch-up (less a margin for late writers).</summary>
    private long _listedThrough = long.MinValue;

    /// <summary>The compaction watermark of the last catch-up.</summary>
    private long _watermark = long.MinValue;

    /// <summary>Ticks this head holds, by blob name, with their times (pruned once below the listing window).</summary>
    private readonly Dictionary<string, long> _appended = new(StringComparer.Ordinal);

    /// <summary>How late a tick may land in storage after its timestamp and still be seen by a catching-up head.</summary>
    private static readonly long LateWriteMs = (long)TimeSpan.FromMinutes(15).TotalMilliseconds;

    /// <summary>
    /// How far past its own clock a catch-up lists: another instance's clock may run ahead. A tick stamped
    /// later still is listed by the first catch-up after its time (the listing starts from the last one's
    /// end less <see cref="LateWriteMs"/>); rule evaluations never read past their own time, and a query
    /// past now sees such a tick from then on. Listing a block range ahead instead, as before, cost eight
    /// more bucket listings per catch-up (three times the listing's time), all of them empty.
    /// </summary>
    private static readonly long ClockSkewMs = (long)TimeSpan.FromMinutes(1).TotalMilliseconds;

    /// <summary>The head's size after the last catch-up (for logs and benchmarks).</summary>
    public (int Series, long Samples, long ChunkBytes) HeadStats => _head is { } h ? (h.SeriesCount, h.SampleCount, h.ChunkBytes()) : (0, 0, 0);

    public long BlockCacheBytes => _readers.Values.Sum(r => r.CachedBytes);

    /// <summary>Brings the view up to date and returns a querier over blocks and head.</summary>
    public async Task<ITsdbQuerier> QuerierAsync(SeriesSelection selection, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(selection);
        if (options.Value.HeadSeries == HeadSeries.All)
        {
            selection = SeriesSelection.All;
        }
        var arrival = Interlocked.Increment(ref _arrivals);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var range = (long)options.Value.BlockDuration.TotalMilliseconds;
            // Catch-ups are shared: one that began after this caller arrived listed and read everything this
            // caller's own would have, so concurrent evaluations on one instance wait for one listing instead
            // of each making their own in turn (a listing spans minutes of ticks, thousands of blobs at scale).
            if (arrival <= _coveredArrivals && _head is { } current && current.Selection.Fingerprint == selection.Fingerprint)
            {
                return Querier(current, _watermark, range, ct);
            }
            _coveredArrivals = Interlocked.Read(ref _arrivals);
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            // A warm head lists the log while the manifest is read (two round trips at once): the watermark
            // only moves forward, so listing from the last one's start covers what the new one needs.
            var manifestRead = manifests.ReadAsync(ct);
            var early = _listedThrough != long.MinValue && _head?.Selection.Fingerprint == selection.Fingerprint
                ? log.ListAsync(Since(_watermark, range), now + ClockSkewMs, ct)
                : null;
            if (early is not null)
            {
                await Task.WhenAll(manifestRead, early).ConfigureAwait(false);
            }
            var manifest = (await manifestRead.ConfigureAwait(false)).Manifest;
            var watermark = manifest.CompactedThrough;
            SyncReaders(manifest);

            if (_head is null || _head.Selection.Fingerprint != selection.Fingerprint)
            {
                _head = new Head(selection, range);
                _listedThrough = long.MinValue;
                _appended.Clear();
                LogHeadCreated(logger, selection.IsAll ? "all series" : $"{selection.Count} selectors");
            }
            var head = _head;
            if (watermark > head.MinTime)
            {
                head.Truncate(watermark);
            }
            var listed = early is not null && watermark >= _watermark ? await early.ConfigureAwait(false) : null;
            _watermark = watermark;
            await CatchUpAsync(head, watermark, range, now, listed, ct).ConfigureAwait(false);
            TrimCaches();
            return Querier(head, watermark, range, ct);
        }
        catch
        {
            // A failed catch-up covers nobody: the callers that arrived before it try their own.
            _coveredArrivals = 0;
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    private TsdbQuerier Querier(Head head, long watermark, long range, CancellationToken ct)
    {
        var readers = _readers.Where(r => !_damaged.Contains(r.Key)).Select(r => r.Value).ToArray();
        return new TsdbQuerier(readers, head, watermark, () => FullHead(watermark, range, ct), ReportBlock);
    }

    /// <summary>
    /// Writes a tick this instance produced (a rule group's recorded series and ALERTS) to the log and
    /// appends the same bytes to this instance's head, so its next catch-up skips the blob by name instead
    /// of downloading what it wrote. The log stays the source of truth: other instances read the tick from
    /// it, and so does this one when its head cannot take the tick in order (not built yet, rebuilt since,
    /// the tick below the watermark, or a job the head has no earlier tick of, which needs the catch-up's
    /// staleness context). One case differs from reading it back later: another instance's older tick of
    /// the same job landing after this one is dropped from the head as out of order (it is still in the
    /// log, and in the block compaction makes of it); a group's next slot starts only after the previous
    /// evaluation is claimed, so that needs a write slower than the group's interval.
    /// </summary>
    public async Task<string> AppendOwnAsync(ScrapeTick tick, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tick);
        var encoded = ScrapeTickCodec.Encode(tick);
        var name = await log.WriteAsync(tick, encoded, ct).ConfigureAwait(false);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_head is { } head && _listedThrough != long.MinValue && tick.TimestampMs >= _watermark
                && head.LastTimestamp(tick.Job) is { } last && last < tick.TimestampMs)
            {
                head.Append(encoded);
                _appended[name] = tick.TimestampMs;
            }
        }
        finally
        {
            _gate.Release();
        }
        return name;
    }

    /// <summary>Where a catch-up lists from: a block range before the watermark at first, then back from the last listing by the late-write margin.</summary>
    private long Since(long watermark, long range) =>
        _listedThrough == long.MinValue ? watermark - range : Math.Max(watermark - range, _listedThrough - LateWriteMs);

    /// <summary>Appends the ticks the head has not seen; <paramref name="listed"/> is a listing from at or before this catch-up's start, or null to list now.</summary>
    private async Task CatchUpAsync(Head head, long watermark, long range, long now, IReadOnlyList<TickRef>? listed, CancellationToken ct)
    {
        var since = Since(watermark, range);
        var ticks = listed is null
            ? await log.ListAsync(since, now + ClockSkewMs, ct).ConfigureAwait(false)
            : [.. listed.Where(t => t.TimestampMs >= since)];
        _listedThrough = Math.Max(_listedThrough, now);
        var context = new List<TickRef>();
        var fresh = new List<TickRef>();
        foreach (var job in ticks.GroupBy(t => t.Job, StringComparer.Ordinal))
        {
            if (head.LastTimestamp(job.Key) is null && !ScrapeTick.IsRemoteWrite(job.Key))
            {
                // One context tick per stream: a sharded job's shards each wrote their own.
                context.AddRange(job.Where(t => t.TimestampMs < watermark).GroupBy(t => t.Stream, StringComparer.Ordinal).Select(g => g.Last()));
            }
            // By name, not by the job's last time: the shards of one tick land separately and late, in any order.
            fresh.AddRange(job.Where(t => t.TimestampMs >= watermark && !_appended.ContainsKey(t.Name)));
        }
        fresh.Sort(static (a, b) => a.TimestampMs.CompareTo(b.TimestampMs));
        context.Sort(static (a, b) => a.TimestampMs.CompareTo(b.TimestampMs));
        await TickReplay.AppendAsync(log, head, context, contextOnly: true, ReportTick, ct).ConfigureAwait(false);
        await TickReplay.AppendAsync(log, head, fresh, contextOnly: false, ReportTick, ct).ConfigureAwait(false);
        foreach (var t in fresh)
        {
            _appended[t.Name] = t.TimestampMs;
        }
        // Names below this catch-up's listing start are never listed again.
        foreach (var (name, ts) in _appended.Where(kv => kv.Value < since).ToArray())
        {
            _appended.Remove(name);
        }
    }

    /// <summary>A head with every series, for a query the rules' head does not cover (made on demand, synchronously).</summary>
    private Head FullHead(long watermark, long range, CancellationToken ct)
    {
        LogFullHead(logger);
        var head = new Head(SeriesSelection.All, range);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        Task.Run(async () =>
        {
            var ticks = await log.ListAsync(watermark - range, now + range, ct).ConfigureAwait(false);
            var context = ticks.Where(t => t.TimestampMs < watermark && !ScrapeTick.IsRemoteWrite(t.Job)).GroupBy(t => t.Stream, StringComparer.Ordinal).Select(g => g.Last()).OrderBy(t => t.TimestampMs).ToArray();
            await TickReplay.AppendAsync(log, head, context, contextOnly: true, ReportTick, ct).ConfigureAwait(false);
            await TickReplay.AppendAsync(log, head, [.. ticks.Where(t => t.TimestampMs >= watermark)], contextOnly: false, ReportTick, ct).ConfigureAwait(false);
        }, ct).GetAwaiter().GetResult();
        head.Truncate(watermark);
        return head;
    }

    private void SyncReaders(Manifest manifest)
    {
        var listed = manifest.Blocks.ToDictionary(b => b.Ulid, StringComparer.Ordinal);
        foreach (var gone in _readers.Keys.Where(k => !listed.ContainsKey(k)).ToArray())
        {
            _readers.Remove(gone);
        }
        foreach (var (ulid, block) in listed)
        {
            if (!_readers.ContainsKey(ulid))
            {
                _readers[ulid] = blocks.Open(block);
            }
            if (block.Damaged is { } why && _damaged.Add(ulid))
            {
                LogDamagedBlock(logger, ulid, BlockStore.IndexName(ulid), 0, why);
            }
        }
    }

    private void TrimCaches()
    {
        var budget = options.Value.BlockCacheMegabytes * 1024 * 1024;
        var total = _readers.Values.Sum(r => r.CachedBytes);
        if (total <= budget)
        {
            return;
        }
        foreach (var r in _readers.Values.OrderBy(r => r.LastUsedTicks))
        {
            total -= r.CachedBytes;
            r.DropCaches();
            if (total <= budget / 2)
            {
                break;
            }
        }
    }

    private void ReportBlock(BlockProblem p)
    {
        lock (_damaged)
        {
            if (!_damaged.Add(p.Block))
            {
                return;
            }
        }
        LogDamagedBlock(logger, p.Block, p.Blob, p.Offset, p.Message);
    }

    private void ReportTick(TickProblem p) => LogDamagedTick(logger, p.Blob, p.Offset, p.Message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample head (re)built for {Selection}")]
    private static partial void LogHeadCreated(ILogger logger, string selection);

    [LoggerMessage(Level = LogLevel.Information, Message = "A query needs series the rules do not select; reading every series of the tick log for it")]
    private static partial void LogFullHead(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Block {Block} is damaged ({Blob} at offset {Offset}: {Error}); it is left out of queries, other blocks and series are unaffected")]
    private static partial void LogDamagedBlock(ILogger logger, string block, string blob, long offset, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Tick blob {Blob} is damaged at offset {Offset} and was skipped: {Error}")]
    private static partial void LogDamagedTick(ILogger logger, string blob, long offset, string error);
}
