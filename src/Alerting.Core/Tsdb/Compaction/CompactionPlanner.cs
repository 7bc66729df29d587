using Alerting.Core.Tsdb.Wal;

namespace Alerting.Core.Tsdb.Compaction;

/// <summary>One tick blob of the log: its job, scrape time and blob name.</summary>
public sealed record TickRef(string Job, long TimestampMs, string Name)
{
    /// <summary>The marker of a shard's tick in its blob name: <c>&lt;ms&gt;-s&lt;index&gt;of&lt;count&gt;-&lt;id&gt;.bin</c>.</summary>
    public const string ShardMarker = "s";

    /// <summary>
    /// The job, or the job and shard for a shard's tick: the unit whose latest tick is the staleness context
    /// of the next (each shard of a job writes its own ticks, so a job has one context tick per shard).
    /// </summary>
    public string Stream
    {
        get
        {
            var file = Name[(Name.LastIndexOf('/') + 1)..];
            var parts = file.Split('-');
            return parts.Length == 3 && parts[1].StartsWith(ShardMarker, StringComparison.Ordinal) ? Job + "/" + parts[1] : Job;
        }
    }
}

/// <summary>The time a window of ticks becomes a block, the ticks that go into it, and the ticks just before it (for staleness).</summary>
public sealed record CompactionWindow(long Start, long End, IReadOnlyList<TickRef> Ticks, IReadOnlyList<TickRef> Context);

/// <summary>Everything one compaction run should do, decided from the manifest, the tick listing and the clock.</summary>
public sealed record CompactionPlan(
    CompactionWindow? Window,
    IReadOnlyList<ManifestBlock> Merge,
    IReadOnlyList<ManifestBlock> Expired,
    IReadOnlyList<TickRef> DeleteTicks,
    IReadOnlyList<string> DeleteBlocks)
{
    public bool IsEmpty => Window is null && Merge.Count == 0 && Expired.Count == 0 && DeleteTicks.Count == 0 && DeleteBlocks.Count == 0;
}

/// <summary>The store's time constants.</summary>
public sealed record CompactionSettings(
    TimeSpan BlockDuration,
    TimeSpan CompactionDelay,
    int MergeFactor,
    int MaxLevel,
    long MaxMergedBytes,
    TimeSpan DeleteGrace)
{
    public static readonly CompactionSettings Default = new(TimeSpan.FromHours(2), TimeSpan.FromHours(1), 3, 3, 512L * 1024 * 1024, TimeSpan.FromMinutes(10));

    /// <summary>The range of blocks at a level: the block duration times the merge factor per level above 1.</summary>
    public long RangeMs(int level)
    {
        var r = (long)BlockDuration.TotalMilliseconds;
        for (var i = 1; i < level; i++)
        {
            r *= MergeFactor;
        }
        return r;
    }
}

/// <summary>
/// Decides compaction like Prometheus' TSDB, as a pure function: the oldest window of ticks becomes a
/// 2-hour (level 1) block once the clock is a compaction delay past its end (late ticks have arrived by
/// then: a scrape writes its tick within its timeout); adjacent blocks merge into blocks of three times
/// the range once their whole range is compacted; blocks wholly older than the retention expire; ticks
/// in blocks are deleted a block range after the watermark passed them; replaced blocks are deleted after
/// a grace period in which readers may still use them.
/// </summary>
public static class CompactionPlanner
{
    public static CompactionPlan Plan(Manifest manifest, IReadOnlyList<TickRef> ticks, long nowMs, TimeSpan retention, CompactionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(ticks);
        ArgumentNullException.ThrowIfNull(settings);
        var range = settings.RangeMs(1);
        var retentionStart = nowMs - (long)retention.TotalMilliseconds;
        var watermark = manifest.CompactedThrough;

        CompactionWindow? window = null;
        var pending = ticks.Where(t => t.TimestampMs >= watermark && t.TimestampMs >= retentionStart - range).Select(t => t.TimestampMs).DefaultIfEmpty(long.MaxValue).Min();
        if (pending != long.MaxValue)
        {
            var start = Math.Max(watermark, FloorTo(pending, range));
            var end = start + range;
            if (nowMs >= end + (long)settings.CompactionDelay.TotalMilliseconds)
            {
                var inWindow = ticks.Where(t => t.TimestampMs >= start && t.TimestampMs < end).OrderBy(t => t.TimestampMs).ThenBy(t => t.Name, StringComparer.Ordinal).ToArray();
                var context = ticks.Where(t => t.TimestampMs < start && !ScrapeTick.IsRemoteWrite(t.Job))
                    .GroupBy(t => t.Stream, StringComparer.Ordinal)
                    .Select(g => g.MaxBy(t => t.TimestampMs)!)
                    .OrderBy(t => t.TimestampMs)
                    .ToArray();
                window = new CompactionWindow(start, end, inWindow, context);
            }
        }

        var expired = manifest.Blocks.Where(b => b.MaxTime <= retentionStart).ToArray();
        var merge = PlanMerge(manifest, retentionStart, settings);

        // Ticks in blocks go one block range after the watermark passed them: an evaluator that read the
        // manifest just before the commit still finds the ticks it expects, and the newest ones below the
        // watermark remain as the next window's staleness context. Anything older than the retention goes.
        var deleteTicks = ticks.Where(t => t.TimestampMs < watermark - range || t.TimestampMs < retentionStart - range).ToArray();
        var deleteBlocks = manifest.PendingDeletes.Where(d => nowMs - d.At >= (long)settings.DeleteGrace.TotalMilliseconds).Select(d => d.Ulid).ToArray();
        return new CompactionPlan(window, merge, expired, deleteTicks, deleteBlocks);
    }

    private static IReadOnlyList<ManifestBlock> PlanMerge(Manifest manifest, long retentionStart, CompactionSettings settings)
    {
        for (var level = 1; level < settings.MaxLevel; level++)
        {
            var outer = settings.RangeMs(level + 1);
            var candidates = manifest.Blocks
                .Where(b => b.Level <= level && b.Damaged is null && b.MaxTime > retentionStart)
                .GroupBy(b => FloorTo(b.MinTime, outer));
            foreach (var group in candidates.OrderBy(g => g.Key))
            {
                var blocks = group.OrderBy(b => b.MinTime).ToArray();
                var windowEnd = group.Key + outer;
                if (blocks.Length < 2 || windowEnd > manifest.CompactedThrough || blocks.Any(b => b.MaxTime > windowEnd))
                {
                    continue;
                }
                // A damaged or larger block inside the window would be left out of the merge: merge none.
                if (manifest.Blocks.Any(b => b.MinTime >= group.Key && b.MaxTime <= windowEnd && !blocks.Contains(b)))
                {
                    continue;
                }
                if (blocks.Sum(b => b.TotalBytes) > settings.MaxMergedBytes)
                {
                    continue;
                }
                return blocks;
            }
        }
        return [];
    }

    public static long FloorTo(long t, long range) => (t >= 0 ? t / range : ((t + 1) / range) - 1) * range;
}
