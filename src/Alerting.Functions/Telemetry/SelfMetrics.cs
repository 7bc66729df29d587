using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Alerting.Functions.Telemetry;

/// <summary>
/// Keeps the app's own instruments (<see cref="AlertingTelemetry"/>) in process for <c>GET /api/metrics/self</c>
/// in Prometheus' text format: counters as running totals, histograms as cumulative buckets with _sum and
/// _count. A BCL <see cref="MeterListener"/> rather than the OpenTelemetry SDK's Prometheus exporter, whose
/// ASP.NET middleware cannot be mounted in the isolated worker's HTTP pipeline.
/// </summary>
public sealed class SelfMetrics : IDisposable
{
    private static readonly double[] Bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Name, string Labels), double> _counters = new();
    private readonly ConcurrentDictionary<(string Name, string Labels), HistogramState> _histograms = new();
    private readonly ConcurrentDictionary<string, (string Kind, string? Help)> _meta = new(StringComparer.Ordinal);

    public SelfMetrics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == AlertingTelemetry.Name)
            {
                _meta[instrument.Name] = (instrument is Histogram<double> ? "histogram" : "counter", instrument.Description);
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _counters.AddOrUpdate((instrument.Name, Labels(tags)), value, (_, v) => v + value));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            _histograms.GetOrAdd((instrument.Name, Labels(tags)), _ => new HistogramState()).Record(value));
        _listener.Start();
    }

    /// <summary>Everything recorded so far, in Prometheus' text exposition format.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        foreach (var (name, (kind, help)) in _meta.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(' ').Append(kind).Append('\n');
            if (kind == "counter")
            {
                foreach (var ((_, labels), value) in _counters.Where(c => c.Key.Name == name).OrderBy(c => c.Key.Labels, StringComparer.Ordinal))
                {
                    sb.Append(name).Append(Braces(labels)).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
                continue;
            }
            foreach (var ((_, labels), h) in _histograms.Where(c => c.Key.Name == name).OrderBy(c => c.Key.Labels, StringComparer.Ordinal))
            {
                var (buckets, sum, count) = h.Snapshot();
                for (var i = 0; i <= Bounds.Length; i++)
                {
                    var le = i < Bounds.Length ? Bounds[i].ToString(CultureInfo.InvariantCulture) : "+Inf";
                    var withLe = labels.Length == 0 ? $"le=\"{le}\"" : $"{labels},le=\"{le}\"";
                    sb.Append(name).Append("_bucket{").Append(withLe).Append("} ").Append(buckets[i].ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
                sb.Append(name).Append("_sum").Append(Braces(labels)).Append(' ').Append(sum.ToString(CultureInfo.InvariantCulture)).Append('\n');
                sb.Append(name).Append("_count").Append(Braces(labels)).Append(' ').Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        return sb.ToString();
    }

    private static string Braces(string labels) => labels.Length == 0 ? string.Empty : "{" + labels + "}";

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var parts = new List<string>(tags.Length);
        foreach (var t in tags)
        {
            var value = Convert.ToString(t.Value, CultureInfo.InvariantCulture) ?? string.Empty;
            parts.Add($"{t.Key}=\"{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\"");
        }
        parts.Sort(StringComparer.Ordinal);
        return string.Join(',', parts);
    }

    public void Dispose() => _listener.Dispose();

    private sealed class HistogramState
    {
        private readonly long[] _buckets = new long[Bounds.Length + 1];
        private double _sum;
        private long _count;

        public void Record(double value)
        {
            lock (_buckets)
            {
                for (var i = 0; i < Bounds.Length; i++)
                {
                    if (value <= Bounds[i])
                    {
                        _buckets[i]++;
                    }
                }
                _buckets[^1]++;
                _sum += value;
                _count++;
            }
        }

        public (long[] Buckets, double Sum, long Count) Snapshot()
        {
            lock (_buckets)
            {
                return ((long[])_buckets.Clone(), _sum, _count);
            }
        }
    }
}
