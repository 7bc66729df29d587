using Alerting.Core.Exposition;
using Alerting.Core.Model;
using Alerting.Core.PromQL;
using Alerting.Core.Tsdb.Index;

namespace Alerting.Core.Tsdb;

/// <summary>
/// What the Prometheus HTTP API's metadata endpoints need from storage (/api/v1/labels,
/// /label/&lt;name&gt;/values, /series, /metadata), beside PromQL's <see cref="ISeriesSource"/>.
/// </summary>
public interface ITsdbQuerier : ISeriesSource
{
    /// <summary>Label names of the series that match (all series when no matchers) with data in the range.</summary>
    IReadOnlyList<string> LabelNames(IReadOnlyList<LabelMatcher> matchers, long minTimeMs, long maxTimeMs);

    IReadOnlyList<string> LabelValues(string name, IReadOnlyList<LabelMatcher> matchers, long minTimeMs, long maxTimeMs);

    /// <summary>The label sets of the matching series, sorted, each once.</summary>
    IReadOnlyList<Labels> Series(IReadOnlyList<LabelMatcher> matchers, long minTimeMs, long maxTimeMs);

    /// <summary>HELP/TYPE/UNIT per metric family as last scraped.</summary>
    IReadOnlyDictionary<string, IReadOnlyList<MetricMetadata>> Metadata();
}

/// <summary>A block that could not be read: which, and why.</summary>
public sealed record BlockProblem(string Block, string Blob, long Offset, string Message);

/// <summary>
/// Reads the store as one: the blocks overlapping a query (each through its index, Prometheus' Querier
/// per block) and the head from the compaction watermark on, merged per series in time order. Blocks
/// never overlap each other or the head (the watermark separates them), so merging is concatenation;
/// a sample repeated at a seam is dropped. A damaged block is reported once and left out; a storage
/// failure fails the query (a rule then keeps its previous state, as with a Prometheus query error).
/// When the head keeps only the rules' series and a query asks for others, <paramref name="fullHead"/>
/// supplies a head with everything (read from the tick log on demand).
/// </summary>
public sealed class TsdbQuerier(
    IReadOnlyList<BlockReader> blocks,
    Head? head,
    long headMinTime,
    Func<Head>? fullHead = null,
    Action<BlockProblem>? onProblem = null) : ITsdbQuerier
{
    private readonly BlockReader[] _blocks = [.. blocks.OrderBy(b => b.Meta.MinTime)];
    private readonly HashSet<BlockReader> _broken = [];
    private Head? _fullHead;

    public IEnumerable<Series> Select(IReadOnlyList<LabelMatcher> matchers, long minTimeMs, long maxTimeMs)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        var merged = new Dictionary<Labels, List<Sample>>();
        foreach (var block in _blocks)
        {
            if (!block.Overlaps(minTimeMs, maxTimeMs))
            {
                continue;
            }
            var hi = Math.Min(maxTimeMs, block.Meta.MaxTime - 1);
            foreach (var s in Guard(block, () => block.Select(matchers, minTimeMs, hi), []))
            {
                Add(merged, s);
            }
        }
        var source = HeadFor(matchers);
        if (source is not null && maxTimeMs >= headMinTime)
        {
            foreach (var s in source.Select(matchers, Math.Max(minTimeMs, headMinTime), maxTimeMs))
            {
                Add(merged, s);
            }
        }
        var result = new List<Series>(merged.Count);
        foreach (var (labels, samples) in merged)
        {
            result.Add(new Series(labels, samples));
        }
        result.Sort(static (a, b) => LabelOps.Compare(a.Labels, b.Labels));
        return result;
    }

    public IReadOnlyList<Labels> Series(IReadOnlyList<LabelMatcher> matchers, long minTimeMs, long maxTimeMs)
    {
        var set = new HashSet<Labels>();
        foreach (var block in _blocks.Where(b => b.Overlaps(minTimeMs, maxTimeMs)))
        {
            set.UnionWith(Guard(block, () => block.SeriesLabels(matchers), []));
        }
        if (HeadFor(matchers.Count == 0 ? null : matchers) is { } h && maxTimeMs >= headMinTime)
        {
            set.UnionWith(h.SeriesLabels(matchers, Math.Max(minTimeMs, headMinTime), maxTimeMs));
        }
        return [.. set.Order(Utf8Order.Instance)];
    }

    public IReadOnlyList<string> LabelNames(IReadOnlyList<LabelMatcher> matchers, long minTimeMs, long maxTimeMs)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (matchers.Count > 0)
        {
            foreach (var labels in Series(matchers, minTimeMs, maxTimeMs))
            {
                names.UnionWith(labels.Select(l => l.Name));
            }
        }
        else
        {
            foreach (var block in _blocks.Where(b => b.Overlaps(minTimeMs, maxTimeMs)))
            {
                names.UnionWith(Guard(block, () => block.Index.LabelNames(), []));
            }
            if (HeadFor(null) is { } h && maxTimeMs >= headMinTime)
            {
                names.UnionWith(h.LabelNames());
            }
        }
        return [.. names.Order(Utf8Order.Instance)];
    }

    public IReadOnlyList<string> LabelValues(string name, IReadOnlyList<LabelMatcher> matchers, long minTimeMs, long maxTimeMs)
    {
        var values = new HashSet<string>(StringComparer.Ordinal);
        if (matchers.Count > 0)
        {
            foreach (var labels in Series(matchers, minTimeMs, maxTimeMs))
            {
                if (labels.Get(name) is { } v)
                {
                    values.Add(v);
                }
            }
        }
        else
        {
            foreach (var block in _blocks.Where(b => b.Overlaps(minTimeMs, maxTimeMs)))
            {
                values.UnionWith(Guard(block, () => block.Index.LabelValues(name), []));
            }
            if (HeadFor(null) is { } h && maxTimeMs >= headMinTime)
            {
                values.UnionWith(h.LabelValues(name));
            }
        }
        return [.. values.Order(Utf8Order.Instance)];
    }

    public IReadOnlyDictionary<string, IReadOnlyList<MetricMetadata>> Metadata() =>
        head?.Metadata() ?? new Dictionary<string, IReadOnlyList<MetricMetadata>>();

    /// <summary>The head that holds every series these matchers can match (null matchers: every series).</summary>
    private Head? HeadFor(IReadOnlyList<LabelMatcher>? matchers)
    {
        if (head is null)
        {
            return null;
        }
        if (matchers is null ? head.Selection.IsAll : head.Selection.Covers(matchers))
        {
            return head;
        }
        if (fullHead is null)
        {
            return head;
        }
        return _fullHead ??= fullHead();
    }

    private T Guard<T>(BlockReader block, Func<T> read, T empty)
    {
        lock (_broken)
        {
            if (_broken.Contains(block))
            {
                return empty;
            }
        }
        try
        {
            return read();
        }
        catch (TsdbFormatException e)
        {
            lock (_broken)
            {
                _broken.Add(block);
            }
            onProblem?.Invoke(new BlockProblem(block.Meta.Ulid, block.Name, e.Offset, e.Message));
            return empty;
        }
        catch (IOException e)
        {
            throw new PromQlEvaluationException($"reading block {block.Meta.Ulid}: {e.Message}");
        }
    }

    private static void Add(Dictionary<Labels, List<Sample>> merged, Series s)
    {
        if (!merged.TryGetValue(s.Labels, out var list))
        {
            merged[s.Labels] = [.. s.Samples];
            return;
        }
        foreach (var sample in s.Samples)
        {
            if (list.Count == 0 || sample.TimestampMs > list[^1].TimestampMs)
            {
                list.Add(sample);
            }
        }
    }
}
