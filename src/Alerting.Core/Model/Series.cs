namespace Alerting.Core.Model;

/// <summary>A label set with its samples in ascending time order.</summary>
public sealed record Series(Labels Labels, IReadOnlyList<Sample> Samples);

/// <summary>
/// Where PromQL reads raw samples from. Implementations return every series whose labels satisfy all
/// matchers, with the samples in [minTimeMs, maxTimeMs] (inclusive) in ascending time order.
/// </summary>
public interface ISeriesSource
{
    IEnumerable<Series> Select(IReadOnlyList<LabelMatcher> matchers, long minTimeMs, long maxTimeMs);
}
