namespace Alerting.Core.Model;

/// <summary>Prometheus' util/kahansum: compensated summation, reset when the running sum overflows.</summary>
internal static class KahanSum
{
    public static (double Sum, double C) Inc(double inc, double sum, double c)
    {
        var t = sum + inc;
        if (double.IsInfinity(t))
        {
            c = 0;
        }
        else if (Math.Abs(sum) >= Math.Abs(inc))
        {
            c += (sum - t) + inc;
        }
        else
        {
            c += (inc - t) + sum;
        }
        return (t, c);
    }

    public static (double Sum, double C) Dec(double dec, double sum, double c) => Inc(-dec, sum, c);
}
