using Alerting.Core.Model;

namespace Alerting.Core.Storage;

/// <summary>One sample as collected: labels, value, and its own timestamp.</summary>
public readonly record struct CollectedSample(Labels Labels, double Value, long TimestampMs);

/// <summary>Everything one target produced in one scrape (including <c>up</c> and the scrape_* series).</summary>
public sealed record TargetSamples(string Instance, IReadOnlyList<CollectedSample> Samples);

/// <summary>
/// The unit of sample storage: one job's scrape at one tick. Ticks are immutable once written, so any
/// number of evaluator instances can cache them, and staleness is derived by comparing consecutive ticks.
/// </summary>
public sealed record ScrapeTick(string Job, long TimestampMs, IReadOnlyList<TargetSamples> Targets);
