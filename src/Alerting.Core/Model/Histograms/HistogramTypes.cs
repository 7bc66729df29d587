namespace Alerting.Core.Model.Histograms;

/// <summary>What a native histogram sample says about a counter reset since the previous sample (Prometheus' values).</summary>
public enum CounterResetHint : byte
{
    Unknown = 0,
    CounterReset = 1,
    NotCounterReset = 2,
    Gauge = 3,
}

/// <summary>A run of consecutive buckets: <see cref="Offset"/> buckets after the previous span's end (the first span's is the start index).</summary>
public readonly record struct HistogramSpan(int Offset, uint Length);

/// <summary>One populated bucket of a native histogram: its index in the schema and its absolute count.</summary>
public readonly record struct HistogramBucket(int Index, double Count);

/// <summary>A bucket with its bounds, as Prometheus' <c>Bucket[float64]</c>.</summary>
public readonly record struct BucketRange(double Lower, double Upper, bool LowerInclusive, bool UpperInclusive, double Count, int Index)
{
    /// <summary>The share of the bucket's observations below <paramref name="v"/>, linearly or log-linearly interpolated.</summary>
    public double FractionBelow(double v, bool linear)
    {
        if (linear)
        {
            return (v - Lower) / (Upper - Lower);
        }
        var logLower = Math.Log2(Math.Abs(Lower));
        var logUpper = Math.Log2(Math.Abs(Upper));
        var logV = Math.Log2(Math.Abs(v));
        if (v > 0)
        {
            return (logV - logLower) / (logUpper - logLower);
        }
        return 1 - ((logV - logUpper) / (logLower - logUpper));
    }

    public BucketRange WithCount(double count) => this with { Count = count };
}

/// <summary>A histogram operation that Prometheus refuses (for example adding exponential and custom-bucket histograms).</summary>
public sealed class HistogramException(string message) : Exception(message)
{
    public const string IncompatibleSchema = "cannot apply this operation on histograms with a mix of exponential and custom bucket schemas";
}

/// <summary>A native histogram sample of a series.</summary>
public readonly record struct HistogramSample(long TimestampMs, FloatHistogram Histogram);
