using Alerting.Core.Model.Histograms;

namespace Alerting.Core.Model;

/// <summary>
/// A thread-safe in-memory series store: the evaluator's working set, the PromQL test runner's storage
/// and the unit of what is persisted per target between function invocations. Series are indexed by
/// metric name, because nearly every selector names its metric, and samples are kept sorted so a time
/// range is found by binary search. A series holds float samples and, when it has any, native histogram
/// samples; a sample at a time replaces whatever sample (float or histogram) the series had at that time.
/// </summary>
public sealed class MemorySeriesStore : ISeriesSource
{
    private sealed class Entry
    {
        public List<Sample> Floats { get; } = [];

        public List<HistogramSample>? Histograms { get; set; }

        public bool IsEmpty => Floats.Count == 0 && (Histograms is null || Histograms.Count == 0);
    }

    private readonly Dictionary<Labels, Entry> _series = [];
    private readonly Dictionary<string, List<Labels>> _byName = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public int SeriesCount
    {
        get
        {
            lock (_gate)
            {
                return _series.Count;
            }
        }
    }

    public void Append(Labels labels, Sample sample)
    {
        lock (_gate)
        {
            var entry = GetOrAdd(labels);
            if (entry.Histograms is { Count: > 0 } h)
            {
                RemoveAt(h, sample.TimestampMs, static x => x.TimestampMs);
            }
            Insert(entry.Floats, sample, sample.TimestampMs, static x => x.TimestampMs);
        }
    }

    /// <summary>Appends a native histogram sample.</summary>
    public void Append(Labels labels, HistogramSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample.Histogram);
        lock (_gate)
        {
            var entry = GetOrAdd(labels);
            RemoveAt(entry.Floats, sample.TimestampMs, static x => x.TimestampMs);
            entry.Histograms ??= [];
            var h = entry.Histograms;
            var lastFloat = entry.Floats.Count > 0 ? entry.Floats[^1].TimestampMs : long.MinValue;
            var lastHist = h.Count > 0 ? h[^1].TimestampMs : long.MinValue;
            if (sample.TimestampMs > lastFloat && sample.TimestampMs > lastHist)
            {
                // In order: set the counter-reset hint as Prometheus' TSDB does on ingestion.
                var previous = lastHist > lastFloat ? h[^1].Histogram : null;
                sample = sample with { Histogram = sample.Histogram.WithStoredHint(previous) };
            }
            Insert(h, sample, sample.TimestampMs, static x => x.TimestampMs);
        }
    }

    public void Append(Series series)
    {
        foreach (var s in series.Samples)
        {
            Append(series.Labels, s);
        }
        foreach (var h in series.Histograms)
        {
            Append(series.Labels, h);
        }
    }

    private Entry GetOrAdd(Labels labels)
    {
        if (!_series.TryGetValue(labels, out var entry))
        {
            entry = new Entry();
            _series[labels] = entry;
            var name = labels.Name ?? string.Empty;
            if (!_byName.TryGetValue(name, out var bucket))
            {
                bucket = [];
                _byName[name] = bucket;
            }
            bucket.Add(labels);
        }
        return entry;
    }

    // Appends are normally in order; keep the list sorted if a late sample arrives.
    private static void Insert<T>(List<T> list, T item, long t, Func<T, long> time)
    {
        if (list.Count == 0 || time(list[^1]) < t)
        {
            list.Add(item);
            return;
        }
        var i = LowerBound(list, t, time);
        if (time(list[i]) == t)
        {
            list[i] = item;
        }
        else
        {
            list.Insert(i, item);
        }
    }

    private static void RemoveAt<T>(List<T> list, long t, Func<T, long> time)
    {
        if (list.Count == 0 || time(list[^1]) < t)
        {
            return;
        }
        var i = LowerBound(list, t, time);
        if (i < list.Count && time(list[i]) == t)
        {
            list.RemoveAt(i);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _series.Clear();
            _byName.Clear();
        }
    }

    /// <summary>Drops samples older than <paramref name="minTimeMs"/> and series left empty.</summary>
    public void Trim(long minTimeMs)
    {
        lock (_gate)
        {
            foreach (var (labels, entry) in _series.ToArray())
            {
                entry.Floats.RemoveRange(0, LowerBound(entry.Floats, minTimeMs, static x => x.TimestampMs));
                entry.Histograms?.RemoveRange(0, LowerBound(entry.Histograms, minTimeMs, static x => x.TimestampMs));
                if (entry.IsEmpty)
                {
                    _series.Remove(labels);
                    _byName[labels.Name ?? string.Empty].Remove(labels);
                }
            }
        }
    }

    public IReadOnlyList<Series> All()
    {
        lock (_gate)
        {
            return _series.Select(kv => new Series(kv.Key, kv.Value.Floats.ToArray(), kv.Value.Histograms?.ToArray() ?? [])).ToArray();
        }
    }

    public IEnumerable<Series> Select(IReadOnlyList<LabelMatcher> matchers, long minTimeMs, long maxTimeMs)
    {
        List<Series> result = [];
        lock (_gate)
        {
            foreach (var labels in Candidates(matchers))
            {
                var ok = true;
                foreach (var m in matchers)
                {
                    if (!m.Matches(labels))
                    {
                        ok = false;
                        break;
                    }
                }
                if (!ok)
                {
                    continue;
                }
                var entry = _series[labels];
                var floats = Slice(entry.Floats, minTimeMs, maxTimeMs, static x => x.TimestampMs);
                var histograms = entry.Histograms is null ? [] : Slice(entry.Histograms, minTimeMs, maxTimeMs, static x => x.TimestampMs);
                if (floats.Length > 0 || histograms.Length > 0)
                {
                    result.Add(new Series(labels, floats, histograms));
                }
            }
        }
        return result;
    }

    private static T[] Slice<T>(List<T> list, long min, long max, Func<T, long> time)
    {
        var from = LowerBound(list, min, time);
        var to = LowerBound(list, max + 1, time);
        if (to <= from)
        {
            return [];
        }
        var arr = new T[to - from];
        list.CopyTo(from, arr, 0, arr.Length);
        return arr;
    }

    private IEnumerable<Labels> Candidates(IReadOnlyList<LabelMatcher> matchers)
    {
        foreach (var m in matchers)
        {
            if (m.Name == Labels.MetricName && m.Type == MatcherType.Equal)
            {
                return _byName.TryGetValue(m.Value, out var bucket) ? bucket : [];
            }
        }
        return _series.Keys;
    }

    /// <summary>Index of the first sample at or after <paramref name="t"/>.</summary>
    private static int LowerBound<T>(List<T> list, long t, Func<T, long> time)
    {
        int lo = 0, hi = list.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (time(list[mid]) < t)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }
}
