using Alerting.Core.Model;

namespace Alerting.Core.PromQL;

/// <summary>The result of a PromQL query: scalar, string, instant vector or matrix.</summary>
public abstract record QueryValue;

public sealed record ScalarValue(long TimestampMs, double Value) : QueryValue;

public sealed record StringValue(long TimestampMs, string Value) : QueryValue;

public sealed record VectorValue(IReadOnlyList<VectorSample> Samples) : QueryValue;

public sealed record MatrixValue(IReadOnlyList<Series> Series) : QueryValue;

public readonly record struct VectorSample(Labels Labels, long TimestampMs, double Value);

public sealed record PromQlEngineOptions
{
    public TimeSpan LookbackDelta { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Step of subqueries written without one (<c>x[5m:]</c>); Prometheus uses the global evaluation interval.</summary>
    public TimeSpan DefaultSubqueryStep { get; init; } = TimeSpan.FromMinutes(1);
}
