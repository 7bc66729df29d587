using Alerting.Core.Exposition;
using Alerting.Core.Model;

namespace Alerting.Core.Tsdb.Wal;

/// <summary>
/// One sample as collected: labels, value, and its own timestamp. A native histogram sample has
/// <see cref="Histogram"/> set (and Value 0).
/// </summary>
public readonly record struct CollectedSample(Labels Labels, double Value, long TimestampMs)
{
    public Model.Histograms.FloatHistogram? Histogram { get; init; }
}

/// <summary>
/// Everything one target produced in one scrape (including <c>up</c> and the scrape_* series), and the
/// HELP/TYPE/UNIT its metric families declared.
/// </summary>
public sealed record TargetSamples(string Instance, IReadOnlyList<CollectedSample> Samples, IReadOnlyList<MetricMetadata>? Metadata = null);

/// <summary>
/// The unit of the write-ahead log: one job's scrape at one tick (or one <see cref="Shard"/> of it), written
/// as one immutable blob as soon as it is scraped. Staleness is derived by comparing consecutive ticks of
/// each target, so a tick needs no knowledge of the one before it and any instance can write the next;
/// the shards of one tick are written separately by whoever scraped them.
/// </summary>
public sealed record ScrapeTick(string Job, long TimestampMs, IReadOnlyList<TargetSamples> Targets)
{
    /// <summary>The part of the job this tick holds: its absent targets go stale only if they hash into it.</summary>
    public FanOut.ScrapeShard Shard { get; init; } = FanOut.ScrapeShard.Whole;

    /// <summary>
    /// The job of a tick written by remote write (<c>Remote/Write</c>). Each such tick has a job of its own
    /// and carries its senders' explicit stale markers, so the head derives no staleness from it and
    /// compaction needs no tick before it as context.
    /// </summary>
    public const string RemoteWriteJobPrefix = "__remote_write__/";

    public static bool IsRemoteWrite(string job) => job?.StartsWith(RemoteWriteJobPrefix, StringComparison.Ordinal) == true;
}
