using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Compaction;
using Alerting.Core.Tsdb.Index;
using Alerting.Functions.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Tsdb;

/// <summary>What one compaction run did.</summary>
public sealed record CompactionReport(int BlocksWritten, int BlocksMerged, int BlocksExpired, int TicksDeleted, int BlocksDeleted, int Conflicts);

/// <summary>
/// Executes <see cref="CompactionPlanner"/>'s plans against Blob Storage. Every step is idempotent and
/// commits through the manifest's ETag: a new block is uploaded under a fresh id and becomes part of the
/// store only when the manifest that lists it is written; a run that loses the race (another instance
/// committed first) deletes what it uploaded and plans again from the winner's manifest. A crash before
/// the commit leaves an unlisted block that is garbage-collected later and ticks that are compacted
/// again; a crash after it leaves ticks below the watermark, which readers ignore and the next run
/// deletes. So nothing is lost and nothing is read twice, and a storage outage just ends the run: the
/// next timer tick resumes from the manifest.
/// </summary>
public sealed partial class Compactor(
    ScrapeTickStore log,
    BlockStore blocks,
    ManifestStore manifests,
    TimeProvider time,
    IOptions<TsdbOptions> options,
    ILogger<Compactor> logger)
{
    private const int MaxRounds = 16;
    private static readonly TimeSpan OrphanAge = TimeSpan.FromHours(1);

    public CompactionSettings Settings
    {
        get
        {
            var o = options.Value;
            return new CompactionSettings(o.BlockDuration, o.CompactionDelay, o.MergeFactor, o.MaxLevel, o.MaxMergedMegabytes * 1024 * 1024, o.DeleteGrace);
        }
    }

    public async Task<CompactionReport> RunAsync(TimeSpan retention, CancellationToken ct)
    {
        int written = 0, merged = 0, expired = 0, ticksDeleted = 0, blocksDeleted = 0, conflicts = 0;
        var settings = Settings;
        for (var round = 0; round < MaxRounds; round++)
        {
            var version = await manifests.ReadAsync(ct).ConfigureAwait(false);
            if (version.Damage is not null)
            {
                version = await RebuildAsync(version, ct).ConfigureAwait(false);
            }
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var ticks = await log.ListAsync(long.MinValue, long.MaxValue / 2, ct).ConfigureAwait(false);
            var plan = CompactionPlanner.Plan(version.Manifest, ticks, now, retention, settings);
            var progressed = false;

            if (plan.Window is { } window)
            {
                var block = await BuildAsync(window, settings, ct).ConfigureAwait(false);
                var next = version.Manifest with
                {
                    CompactedThrough = window.End,
                    Blocks = block is null ? version.Manifest.Blocks : [.. version.Manifest.Blocks, ManifestBlock.From(block)],
                };
                if (await manifests.TryWriteAsync(next, version, ct).ConfigureAwait(false))
                {
                    written += block is null ? 0 : 1;
                    LogCompacted(logger, window.Start, window.End, window.Ticks.Count, block?.Meta.Stats.NumSeries ?? 0, block?.Meta.Stats.NumSamples ?? 0, block?.Meta.Ulid ?? "(no samples)");
                }
                else
                {
                    conflicts++;
                    if (block is not null)
                    {
                        await blocks.DeleteAsync(block.Meta.Ulid, ct).ConfigureAwait(false);
                    }
                }
                continue;
            }

            if (plan.Merge.Count > 0)
            {
                var (done, conflict) = await MergeAsync(version, plan.Merge, ct).ConfigureAwait(false);
                merged += done ? 1 : 0;
                conflicts += conflict ? 1 : 0;
                continue;
            }

            if (plan.Expired.Count > 0)
            {
                var gone = plan.Expired.Select(b => b.Ulid).ToHashSet(StringComparer.Ordinal);
                var next = version.Manifest with
                {
                    Blocks = [.. version.Manifest.Blocks.Where(b => !gone.Contains(b.Ulid))],
                    PendingDeletes = [.. version.Manifest.PendingDeletes, .. gone.Select(u => new PendingDelete(u, now))],
                };
                if (await manifests.TryWriteAsync(next, version, ct).ConfigureAwait(false))
                {
                    expired += gone.Count;
                    LogExpired(logger, gone.Count, retention);
                }
                else
                {
                    conflicts++;
                }
                continue;
            }

            foreach (var t in plan.DeleteTicks)
            {
                await log.DeleteAsync(t.Name, ct).ConfigureAwait(false);
                ticksDeleted++;
                progressed = true;
            }

            if (plan.DeleteBlocks.Count > 0)
            {
                foreach (var ulid in plan.DeleteBlocks)
                {
                    await blocks.DeleteAsync(ulid, ct).ConfigureAwait(false);
                }
                var gone = plan.DeleteBlocks.ToHashSet(StringComparer.Ordinal);
                var next = version.Manifest with { PendingDeletes = [.. version.Manifest.PendingDeletes.Where(d => !gone.Contains(d.Ulid))] };
                if (await manifests.TryWriteAsync(next, version, ct).ConfigureAwait(false))
                {
                    blocksDeleted += gone.Count;
                }
                else
                {
                    conflicts++;
                }
                progressed = true;
            }

            if (!progressed)
            {
                await DeleteOrphansAsync(version.Manifest, ct).ConfigureAwait(false);
                break;
            }
        }
        return new CompactionReport(written, merged, expired, ticksDeleted, blocksDeleted, conflicts);
    }

    private async Task<WrittenBlock?> BuildAsync(CompactionWindow window, CompactionSettings settings, CancellationToken ct)
    {
        var head = new Head(SeriesSelection.All, settings.RangeMs(1));
        await TickReplay.AppendAsync(log, head, window.Context, contextOnly: true, Report, ct).ConfigureAwait(false);
        await TickReplay.AppendAsync(log, head, window.Ticks, contextOnly: false, Report, ct).ConfigureAwait(false);
        var series = head.Export(window.Start, window.End);
        if (series.Count == 0)
        {
            return null;
        }
        var block = BlockWriter.Write(series, window.Start, window.End, 1);
        await blocks.UploadAsync(block, ct).ConfigureAwait(false);
        return block;
    }

    private async Task<(bool Done, bool Conflict)> MergeAsync(ManifestVersion version, IReadOnlyList<ManifestBlock> sources, CancellationToken ct)
    {
        var series = new Dictionary<Core.Model.Labels, List<StoredChunk>>();
        foreach (var source in sources.OrderBy(b => b.MinTime))
        {
            IReadOnlyList<BlockSeries> all;
            try
            {
                all = await Task.Run(() => blocks.Open(source).ReadAll(), ct).ConfigureAwait(false);
            }
            catch (TsdbFormatException e)
            {
                LogDamagedBlock(logger, source.Ulid, e.Offset, e.Message);
                var marked = version.Manifest with { Blocks = [.. version.Manifest.Blocks.Select(b => b.Ulid == source.Ulid ? b with { Damaged = e.Message } : b)] };
                return (false, !await manifests.TryWriteAsync(marked, version, ct).ConfigureAwait(false));
            }
            foreach (var s in all)
            {
                if (!series.TryGetValue(s.Labels, out var list))
                {
                    list = [];
                    series[s.Labels] = list;
                }
                list.AddRange(s.Chunks);
            }
        }
        var ordered = series.Select(kv => new BlockSeries(kv.Key, kv.Value)).ToList();
        ordered.Sort((a, b) => Utf8Order.Instance.Compare(a.Labels, b.Labels));
        var minT = sources.Min(b => b.MinTime);
        var maxT = sources.Max(b => b.MaxTime);
        var level = sources.Max(b => b.Level) + 1;
        var block = BlockWriter.Write(ordered, minT, maxT, level, parents: [.. sources.Select(b => new BlockDesc(b.Ulid, b.MinTime, b.MaxTime))]);
        await blocks.UploadAsync(block, ct).ConfigureAwait(false);
        var gone = sources.Select(b => b.Ulid).ToHashSet(StringComparer.Ordinal);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var next = version.Manifest with
        {
            Blocks = [.. version.Manifest.Blocks.Where(b => !gone.Contains(b.Ulid)), ManifestBlock.From(block)],
            PendingDeletes = [.. version.Manifest.PendingDeletes, .. gone.Select(u => new PendingDelete(u, now))],
        };
        if (await manifests.TryWriteAsync(next, version, ct).ConfigureAwait(false))
        {
            LogMerged(logger, sources.Count, block.Meta.Ulid, level, block.Meta.Stats.NumSeries);
            return (true, false);
        }
        await blocks.DeleteAsync(block.Meta.Ulid, ct).ConfigureAwait(false);
        return (false, true);
    }

    /// <summary>
    /// A manifest that does not parse is rebuilt from the blocks' own meta.json files, as Prometheus
    /// rebuilds its block list from the data directory: blocks another block replaced (its parents) are
    /// left out, and the watermark is the end of the newest block.
    /// </summary>
    private async Task<ManifestVersion> RebuildAsync(ManifestVersion damaged, CancellationToken ct)
    {
        LogRebuilding(logger, damaged.Damage ?? string.Empty);
        var metas = new List<(BlockMeta Meta, long IndexBytes, long[] Segments)>();
        foreach (var ulid in (await blocks.ListAsync(ct).ConfigureAwait(false)).Keys)
        {
            try
            {
                if (await blocks.ReadMetaAsync(ulid, ct).ConfigureAwait(false) is { } meta)
                {
                    var sizes = await blocks.SizesAsync(ulid, meta.Segments, ct).ConfigureAwait(false);
                    if (sizes is { } s)
                    {
                        metas.Add((meta, s.Index, s.Segments));
                    }
                }
            }
            catch (TsdbFormatException e)
            {
                LogDamagedBlock(logger, ulid, e.Offset, e.Message);
            }
        }
        var replaced = metas.SelectMany(m => m.Meta.Compaction.Parents ?? []).Select(p => p.Ulid).ToHashSet(StringComparer.Ordinal);
        var live = metas.Where(m => !replaced.Contains(m.Meta.Ulid)).ToArray();
        var rebuilt = new Manifest
        {
            CompactedThrough = live.Select(m => m.Meta.MaxTime).DefaultIfEmpty(0).Max(),
            Blocks = [.. live.Select(m => new ManifestBlock
            {
                Ulid = m.Meta.Ulid,
                MinTime = m.Meta.MinTime,
                MaxTime = m.Meta.MaxTime,
                Level = m.Meta.Compaction.Level,
                NumSamples = m.Meta.Stats.NumSamples,
                NumSeries = m.Meta.Stats.NumSeries,
                IndexBytes = m.IndexBytes,
                SegmentBytes = m.Segments,
            })],
        };
        await manifests.TryWriteAsync(rebuilt, damaged, ct).ConfigureAwait(false);
        return await manifests.ReadAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Block folders no manifest lists (a run that crashed before its commit), once old enough not to be an upload in progress.</summary>
    private async Task DeleteOrphansAsync(Manifest manifest, CancellationToken ct)
    {
        var known = manifest.Blocks.Select(b => b.Ulid).Concat(manifest.PendingDeletes.Select(d => d.Ulid)).ToHashSet(StringComparer.Ordinal);
        var now = time.GetUtcNow();
        foreach (var (ulid, modified) in await blocks.ListAsync(ct).ConfigureAwait(false))
        {
            if (!known.Contains(ulid) && now - modified > OrphanAge)
            {
                await blocks.DeleteAsync(ulid, ct).ConfigureAwait(false);
                LogOrphan(logger, ulid);
            }
        }
    }

    private void Report(TickProblem p) => LogDamagedTick(logger, p.Blob, p.Offset, p.Message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Compacted [{Start}, {End}) from {Ticks} ticks: {Series} series, {Samples} samples, block {Block}")]
    private static partial void LogCompacted(ILogger logger, long start, long end, int ticks, long series, long samples, string block);

    [LoggerMessage(Level = LogLevel.Information, Message = "Merged {Count} blocks into {Block} (level {Level}, {Series} series)")]
    private static partial void LogMerged(ILogger logger, int count, string block, int level, long series);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} blocks older than the retention ({Retention}) expired")]
    private static partial void LogExpired(ILogger logger, int count, TimeSpan retention);

    [LoggerMessage(Level = LogLevel.Error, Message = "Tick blob {Blob} is damaged at offset {Offset} and was skipped: {Error}")]
    private static partial void LogDamagedTick(ILogger logger, string blob, long offset, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Block {Block} is damaged at offset {Offset}; it is no longer merged: {Error}")]
    private static partial void LogDamagedBlock(ILogger logger, string block, long offset, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The store's manifest does not parse ({Error}); rebuilding it from the blocks' meta.json")]
    private static partial void LogRebuilding(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleted block {Block}, which no manifest lists (left by an interrupted compaction)")]
    private static partial void LogOrphan(ILogger logger, string block);
}
