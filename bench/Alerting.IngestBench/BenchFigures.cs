namespace Alerting.IngestBench;

/// <summary>What every mode of this bench prints its figures with.</summary>
internal static class BenchFigures
{
    /// <summary>The <paramref name="q"/> quantile of already sorted values (NaN when there are none).</summary>
    public static double P(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];

    /// <summary>The machine's 1, 5 and 15 minute load averages: figures from a shared machine need them beside.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
