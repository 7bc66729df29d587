using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;

namespace Alerting.Core.PromQL;

/// <summary>
/// The result of a PromQL query: scalar, string, instant vector or matrix, with the warnings and infos
/// Prometheus would return beside it (<see cref="PromQlAnnotations.AsStrings"/>).
/// </summary>
public abstract record QueryValue
{
    public PromQlAnnotations Annotations { get; init; } = PromQlAnnotations.Empty;
}

public sealed record ScalarValue(long TimestampMs, double Value) : QueryValue;

public sealed record StringValue(long TimestampMs, string Value) : QueryValue;

public sealed record VectorValue(IReadOnlyList<VectorSample> Samples) : QueryValue;

public sealed record MatrixValue(IReadOnlyList<Series> Series) : QueryValue;

/// <summary>One element of an instant vector; a native histogram sample has <see cref="Histogram"/> set and Value 0.</summary>
public readonly record struct VectorSample(Labels Labels, long TimestampMs, double Value)
{
    public VectorSample(Labels labels, long timestampMs, FloatHistogram histogram)
        : this(labels, timestampMs, 0) => Histogram = histogram;

    public FloatHistogram? Histogram { get; init; }
}

public sealed record PromQlEngineOptions
{
    public TimeSpan LookbackDelta { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Step of subqueries written without one (<c>x[5m:]</c>); Prometheus uses the global evaluation interval.</summary>
    public TimeSpan DefaultSubqueryStep { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Allows <c>limitk</c> and <c>limit_ratio</c>, which Prometheus only evaluates with
    /// <c>--enable-feature=promql-experimental-functions</c> (its test scripts enable it).
    /// </summary>
    public bool EnableExperimentalFunctions { get; init; }
}
