using Alerting.Core.Model.Histograms;

namespace Alerting.Core.Model;

/// <summary>
/// A label set with its samples in ascending time order. A series may also carry native histogram samples
/// (<see cref="Histograms"/>, ascending time); Prometheus lets one series switch between floats and
/// histograms, so both lists can be non-empty, never with two samples at the same time. A staleness marker
/// of a histogram series is a float <see cref="Sample.StaleNaN"/> in <see cref="Samples"/>.
/// </summary>
public sealed record Series(Labels Labels, IReadOnlyList<Sample> Samples)
{
    public Series(Labels labels, IReadOnlyList<Sample> samples, IReadOnlyList<HistogramSample> histograms)
        : this(labels, samples) => Histograms = histograms;

    public IReadOnlyList<HistogramSample> Histograms { get; init; } = [];
}

/// <summary>
/// Where PromQL reads raw samples from. Implementations return every series whose labels satisfy all
/// matchers, with the samples (float and histogram) in [minTimeMs, maxTimeMs] (inclusive) in ascending time order.
/// </summary>
public interface ISeriesSource
{
    IEnumerable<Series> Select(IReadOnlyList<LabelMatcher> matchers, long minTimeMs, long maxTimeMs);
}
