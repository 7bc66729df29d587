namespace Alerting.Core.Model;

/// <summary>
/// A thread-safe in-memory series store: the evaluator's working set, the PromQL test runner's storage
/// and the unit of what is persisted per target between function invocations. Series are indexed by
/// metric name, because nearly every selector names its metric, and samples are kept sorted so a time
/// range is found by binary search.
/// </summary>
public sealed class MemorySeriesStore : ISeriesSource
{
    private readonly Dictionary<Labels, List<Sample>> _series = [];
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
            if (!_series.TryGetValue(labels, out var list))
            {
                list = [];
                _series[labels] = list;
                var name = labels.Name ?? string.Empty;
                if (!_byName.TryGetValue(name, out var bucket))
                {
                    bucket = [];
                    _byName[name] = bucket;
                }
                bucket.Add(labels);
            }
            // Appends are normally in order; keep the list sorted if a late sample arrives.
            if (list.Count == 0 || list[^1].TimestampMs < sample.TimestampMs)
            {
                list.Add(sample);
            }
            else
            {
                var i = LowerBound(list, sample.TimestampMs);
                if (list[i].TimestampMs == sample.TimestampMs)
                {
                    list[i] = sample;
                }
                else
                {
                    list.Insert(i, sample);
                }
            }
        }
    }

    public void Append(Series series)
    {
        foreach (var s in series.Samples)
        {
            Append(series.Labels, s);
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
            foreach (var (labels, list) in _series.ToArray())
            {
                list.RemoveRange(0, LowerBound(list, minTimeMs));
                if (list.Count == 0)
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
            return _series.Select(kv => new Series(kv.Key, kv.Value.ToArray())).ToArray();
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
                var list = _series[labels];
                var from = LowerBound(list, minTimeMs);
                var to = LowerBound(list, maxTimeMs + 1);
                if (to > from)
                {
                    var samples = new Sample[to - from];
                    list.CopyTo(from, samples, 0, samples.Length);
                    result.Add(new Series(labels, samples));
                }
            }
        }
        return result;
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
    private static int LowerBound(List<Sample> list, long t)
    {
        int lo = 0, hi = list.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (list[mid].TimestampMs < t)
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
