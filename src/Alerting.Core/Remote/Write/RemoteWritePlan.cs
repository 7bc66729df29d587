using Alerting.Core.Model;
using Alerting.Core.Tsdb.Wal;

namespace Alerting.Core.Remote.Write;

/// <summary>
/// Decides what a remote write request stores, as a pure function: the whole request is checked first
/// (labels and samples as the remote write 1.0 specification requires them) and refused as a whole with
/// the first problem, so nothing is half-written; an accepted request becomes one tick per block window
/// its samples fall in (a tick is compacted with the window of its timestamp, so a tick must not span
/// two), each timestamped at its earliest sample and under a job of its own (<see cref="ScrapeTick.RemoteWriteJobPrefix"/>).
/// </summary>
public static class RemoteWritePlan
{
    /// <param name="request">The decoded request.</param>
    /// <param name="requestId">Unique per request: names the ticks' jobs.</param>
    /// <param name="minValidTimeMs">Samples before this are out of bounds (already compacted, or too late to be compacted safely).</param>
    /// <param name="blockRangeMs">The store's level-1 block range.</param>
    public static RemoteWriteResult Plan(WriteRequest request, string requestId, long minValidTimeMs, long blockRangeMs)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockRangeMs, 1);
        var bySeries = new Dictionary<Labels, long>();
        var windows = new SortedDictionary<long, List<CollectedSample>>();
        int exemplars = 0, histograms = 0, samples = 0;
        for (var i = 0; i < request.Series.Count; i++)
        {
            var s = request.Series[i];
            exemplars += s.Exemplars;
            histograms += s.Histograms;
            var labels = Check(s.Labels, i);
            bySeries.TryGetValue(labels, out var last);
            if (!bySeries.ContainsKey(labels))
            {
                last = long.MinValue;
            }
            foreach (var x in s.Samples)
            {
                if (x.TimestampMs < minValidTimeMs)
                {
                    throw new RemoteWriteException($"out of bounds: sample of {labels} at {Time(x.TimestampMs)} is older than the oldest time this store accepts now ({Time(minValidTimeMs)})");
                }
                if (x.TimestampMs == last)
                {
                    throw new RemoteWriteException($"duplicate sample for timestamp: {labels} has two samples at {Time(x.TimestampMs)}");
                }
                if (x.TimestampMs < last)
                {
                    throw new RemoteWriteException($"out of order sample: {labels} has a sample at {Time(x.TimestampMs)} after one at {Time(last)}; samples of a series must be sent in time order");
                }
                last = x.TimestampMs;
                var window = FloorDiv(x.TimestampMs, blockRangeMs);
                if (!windows.TryGetValue(window, out var list))
                {
                    list = [];
                    windows[window] = list;
                }
                list.Add(new CollectedSample(labels, x.Value, x.TimestampMs));
                samples++;
            }
            bySeries[labels] = last;
        }
        var metadata = request.Metadata.Where(m => m.Family.Length > 0).Distinct().ToArray();
        var ticks = windows.Select((w, n) => new ScrapeTick(
            $"{ScrapeTick.RemoteWriteJobPrefix}{requestId}/{n}",
            w.Value.Min(x => x.TimestampMs),
            [new TargetSamples(string.Empty, w.Value, metadata)])).ToArray();
        return new RemoteWriteResult(ticks, samples, exemplars, histograms);
    }

    /// <summary>The series' labels as the store keeps them (sorted, empty values dropped), or the reason they are refused.</summary>
    private static Labels Check(IReadOnlyList<Label> labels, int index)
    {
        var where = $"time series {index + 1}";
        if (labels.Count == 0)
        {
            throw new RemoteWriteException($"{where} has no labels; every series needs at least __name__");
        }
        string? name = null;
        for (var j = 0; j < labels.Count; j++)
        {
            var l = labels[j];
            if (l.Name.Length == 0)
            {
                throw new RemoteWriteException($"{where}: label {j + 1} has an empty name");
            }
            if (!PromNames.IsValidLabelName(l.Name))
            {
                throw new RemoteWriteException($"{where}: invalid label name \"{l.Name}\"");
            }
            if (j > 0)
            {
                var order = string.CompareOrdinal(labels[j - 1].Name, l.Name);
                if (order == 0)
                {
                    throw new RemoteWriteException($"{where}: duplicate label name \"{l.Name}\"");
                }
                if (order > 0)
                {
                    throw new RemoteWriteException($"{where}: labels are not sorted by name (\"{labels[j - 1].Name}\" before \"{l.Name}\")");
                }
            }
            if (l.Name == Labels.MetricName)
            {
                name = l.Value;
            }
        }
        if (string.IsNullOrEmpty(name))
        {
            throw new RemoteWriteException($"{where} has no __name__ label: {Labels.From(labels)}");
        }
        if (!PromNames.IsValidMetricName(name))
        {
            throw new RemoteWriteException($"{where}: invalid metric name \"{name}\"");
        }
        return Labels.From(labels);
    }

    private static string Time(long ms) =>
        ms is >= -62135596800000 and <= 253402300799999
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture)
            : ms.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ms";

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : ((a + 1) / b) - 1;
}

/// <summary>The ticks to store for an accepted request, and what it carried that the store does not keep.</summary>
public sealed record RemoteWriteResult(IReadOnlyList<ScrapeTick> Ticks, int Samples, int Exemplars, int Histograms);
