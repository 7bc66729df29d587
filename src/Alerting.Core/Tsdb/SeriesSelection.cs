using System.Text;
using Alerting.Core.Model;

namespace Alerting.Core.Tsdb;

/// <summary>
/// Which series the in-memory head keeps: those matching any of a set of selectors (the loaded rules'),
/// or all. Bounding the head by what the rules read is what keeps memory proportional to the work
/// rather than to everything scraped. A query whose matchers imply one of the selectors is covered.
/// </summary>
public sealed class SeriesSelection
{
    public static readonly SeriesSelection All = new(null);

    private readonly IReadOnlyList<IReadOnlyList<LabelMatcher>>? _selectors;
    private readonly Dictionary<string, List<IReadOnlyList<LabelMatcher>>> _byName = new(StringComparer.Ordinal);
    private readonly List<IReadOnlyList<LabelMatcher>> _anyName = [];

    private SeriesSelection(IReadOnlyList<IReadOnlyList<LabelMatcher>>? selectors)
    {
        _selectors = selectors;
        if (selectors is null)
        {
            Fingerprint = "*";
            return;
        }
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var s in selectors)
        {
            keys.Add(Key(s));
            var name = s.FirstOrDefault(m => m.Name == Labels.MetricName && m.Type == MatcherType.Equal);
            if (name is not null)
            {
                if (!_byName.TryGetValue(name.Value, out var list))
                {
                    list = [];
                    _byName[name.Value] = list;
                }
                list.Add(s);
            }
            else
            {
                _anyName.Add(s);
            }
        }
        Fingerprint = string.Join("\n", keys);
    }

    public static SeriesSelection Of(IEnumerable<IReadOnlyList<LabelMatcher>> selectors) => new([.. selectors]);

    public bool IsAll => _selectors is null;

    /// <summary>A canonical text of the selectors; equal selections have equal fingerprints.</summary>
    public string Fingerprint { get; }

    public int Count => _selectors?.Count ?? 0;

    /// <summary>What the metric name alone decides: nothing of this name is kept, all of it is, or each series must be checked.</summary>
    public NameDecision ForName(string metricName)
    {
        if (_selectors is null)
        {
            return NameDecision.Keep;
        }
        var named = _byName.GetValueOrDefault(metricName);
        if (_anyName.Count == 0 && named is null)
        {
            return NameDecision.Drop;
        }
        if (named is not null && named.Any(s => s.All(m => m.Name == Labels.MetricName && m.Type == MatcherType.Equal)))
        {
            return NameDecision.Keep;
        }
        return NameDecision.Check;
    }

    public bool Selects(Labels labels)
    {
        if (_selectors is null)
        {
            return true;
        }
        if (_byName.TryGetValue(labels.Name ?? string.Empty, out var named) && named.Any(s => MatchesAll(s, labels)))
        {
            return true;
        }
        return _anyName.Any(s => MatchesAll(s, labels));
    }

    /// <summary>True when every series matching <paramref name="matchers"/> is kept (one selector's matchers are a subset of them).</summary>
    public bool Covers(IReadOnlyList<LabelMatcher> matchers)
    {
        if (_selectors is null)
        {
            return true;
        }
        var given = new HashSet<string>(matchers.Select(m => m.ToString()), StringComparer.Ordinal);
        return _selectors.Any(s => s.All(m => given.Contains(m.ToString())));
    }

    private static bool MatchesAll(IReadOnlyList<LabelMatcher> selector, Labels labels)
    {
        foreach (var m in selector)
        {
            if (!m.Matches(labels))
            {
                return false;
            }
        }
        return true;
    }

    private static string Key(IReadOnlyList<LabelMatcher> selector)
    {
        var sb = new StringBuilder();
        foreach (var m in selector.Select(m => m.ToString()).Order(StringComparer.Ordinal))
        {
            sb.Append(m).Append(',');
        }
        return sb.ToString();
    }
}

public enum NameDecision
{
    Drop,
    Keep,
    Check,
}
