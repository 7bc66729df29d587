namespace Alerting.Core.Model;

/// <summary>
/// A thread-safe in-memory series store: the evaluator's working set, the PromQL test runner's storage
/// and the unit of what is persisted per target between function invocations.
/// </summary>
public sealed class MemorySeriesStore : ISeriesSource
{
    private readonly Dictionary<Labels, List<Sample>> _series = [];
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
            }
            // Appends are normally in order; keep the list sorted if a late sample arrives.
            if (list.Count == 0 || list[^1].TimestampMs < sample.TimestampMs)
            {
                list.Add(sample);
            }
            else
            {
                var i = list.FindIndex(s => s.TimestampMs >= sample.TimestampMs);
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
        }
    }

    /// <summary>Drops samples older than <paramref name="minTimeMs"/> and series left empty.</summary>
    public void Trim(long minTimeMs)
    {
        lock (_gate)
        {
            foreach (var (labels, list) in _series.ToArray())
            {
                list.RemoveAll(s => s.TimestampMs < minTimeMs);
                if (list.Count == 0)
                {
                    _series.Remove(labels);
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
            foreach (var (labels, list) in _series)
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
                var samples = new List<Sample>();
                foreach (var s in list)
                {
                    if (s.TimestampMs >= minTimeMs && s.TimestampMs <= maxTimeMs)
                    {
                        samples.Add(s);
                    }
                }
                if (samples.Count > 0)
                {
                    result.Add(new Series(labels, samples));
                }
            }
        }
        return result;
    }
}
