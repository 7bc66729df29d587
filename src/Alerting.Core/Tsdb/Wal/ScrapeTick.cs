using Alerting.Core.Exposition;
using Alerting.Core.Model;

namespace Alerting.Core.Tsdb.Wal;

/// <summary>One sample as collected: labels, value, and its own timestamp.</summary>
public readonly record struct CollectedSample(Labels Labels, double Value, long TimestampMs);

/// <summary>
/// Everything one target produced in one scrape (including <c>up</c> and the scrape_* series), and the
/// HELP/TYPE/UNIT its metric families declared.
/// </summary>
public sealed record TargetSamples(string Instance, IReadOnlyList<CollectedSample> Samples, IReadOnlyList<MetricMetadata>? Metadata = null);

/// <summary>
/// The unit of the write-ahead log: one job's scrape at one tick, written as one immutable blob as soon as
/// it is scraped. Staleness is derived by comparing consecutive ticks of a job, so a tick needs no
/// knowledge of the one before it and any instance can write the next.
/// </summary>
public sealed record ScrapeTick(string Job, long TimestampMs, IReadOnlyList<TargetSamples> Targets);
