namespace Alerting.Core.Model;

/// <summary>One value of a series at a Unix time in milliseconds.</summary>
public readonly record struct Sample(long TimestampMs, double Value)
{
    /// <summary>
    /// Prometheus' staleness marker: a specific NaN bit pattern (0x7ff0000000000002) that is distinct
    /// from an ordinary NaN sample value.
    /// </summary>
    public static readonly double StaleNaN = BitConverter.Int64BitsToDouble(0x7ff0000000000002);

    public static bool IsStaleMarker(double v) => BitConverter.DoubleToInt64Bits(v) == 0x7ff0000000000002;

    public bool IsStale => IsStaleMarker(Value);
}
