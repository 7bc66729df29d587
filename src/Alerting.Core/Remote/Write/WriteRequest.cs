using Alerting.Core.Exposition;
using Alerting.Core.Model;

namespace Alerting.Core.Remote.Write;

/// <summary>
/// Prometheus' <c>prometheus.WriteRequest</c> (remote write 1.0, prompb/remote.proto): series with their
/// samples, and metric metadata. Labels keep the order and duplicates they were sent with, so the
/// receiver can check them as the specification requires.
/// </summary>
public sealed record WriteRequest(IReadOnlyList<WriteSeries> Series, IReadOnlyList<MetricMetadata> Metadata)
{
    public int SampleCount => Series.Sum(s => s.Samples.Count);
}

/// <summary>
/// One <c>prometheus.TimeSeries</c>. Exemplars and native histograms are counted, not kept: the store
/// keeps float samples only (see docs/http-api.md).
/// </summary>
public sealed record WriteSeries(IReadOnlyList<Label> Labels, IReadOnlyList<WriteSample> Samples, int Exemplars = 0, int Histograms = 0);

/// <summary>One <c>prometheus.Sample</c>: a value at a time in Unix milliseconds.</summary>
public readonly record struct WriteSample(double Value, long TimestampMs);
