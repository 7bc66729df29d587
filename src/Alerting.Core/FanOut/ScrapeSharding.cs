using System.IO.Hashing;
using System.Text;

namespace Alerting.Core.FanOut;

/// <summary>
/// Which part of a job one tick blob holds: shard <see cref="Index"/> of <see cref="Count"/>. A target
/// belongs to the shard its identity (the tick's target key, its <c>instance</c>) hashes to, so a target
/// never moves between shards while the count stays, and a reader can tell from a shard's tick which
/// absent targets were this shard's to report (only those go stale).
/// </summary>
public readonly record struct ScrapeShard(int Index, int Count)
{
    /// <summary>The whole job in one tick (the single-writer case, and every tick written before sharding).</summary>
    public static readonly ScrapeShard Whole = new(0, 1);

    public bool IsWhole => Count <= 1;

    /// <summary>True when the target with this key is this shard's to scrape (and to mark stale).</summary>
    public bool Contains(string targetKey) => IsWhole || ScrapeSharding.ShardOf(targetKey, Count) == Index;
}

/// <summary>One queue message's worth of scraping: one shard of one job at one tick.</summary>
/// <param name="SupersededAtMs">When the next tick is planned: a message still unhandled then does nothing, the next tick covers its shard.</param>
public sealed record ScrapeShardWork(string Job, int Index, int Count, long TickMs, long SupersededAtMs)
{
    public ScrapeShard Shard => new(Index, Count);
}

/// <summary>
/// The scrape timer's plan: every job's targets hashed into shards of about <c>shardSize</c> targets, one
/// work item per shard per tick. Pure: discovery happens before, scraping after, on whichever instance takes
/// the message.
/// </summary>
public static class ScrapeSharding
{
    /// <summary>The shard of a target key among <paramref name="count"/> (xxHash64 of its UTF-8 bytes, as Prometheus hashes targets).</summary>
    public static int ShardOf(string targetKey, int count)
    {
        ArgumentNullException.ThrowIfNull(targetKey);
        return count <= 1 ? 0 : (int)(XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(targetKey)) % (ulong)count);
    }

    /// <summary>How many shards a job of <paramref name="targets"/> targets gets: at least one, about <paramref name="shardSize"/> targets each.</summary>
    public static int ShardCount(int targets, int shardSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardSize, 1);
        return Math.Max(1, (targets + shardSize - 1) / shardSize);
    }

    /// <summary>One work item per shard of every job for the tick at <paramref name="tickMs"/>, superseded at <paramref name="nextTickMs"/>.</summary>
    public static IReadOnlyList<ScrapeShardWork> Plan(IReadOnlyList<(string Job, int Targets)> jobs, long tickMs, long nextTickMs, int shardSize)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var work = new List<ScrapeShardWork>();
        foreach (var (job, targets) in jobs)
        {
            var count = ShardCount(targets, shardSize);
            for (var i = 0; i < count; i++)
            {
                work.Add(new ScrapeShardWork(job, i, count, tickMs, Math.Max(nextTickMs, tickMs + 1)));
            }
        }
        return work;
    }

    /// <summary>A message handled at or after the next tick's time does nothing: that tick scrapes the shard afresh.</summary>
    public static bool IsSuperseded(ScrapeShardWork work, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(work);
        return nowMs >= work.SupersededAtMs;
    }
}
