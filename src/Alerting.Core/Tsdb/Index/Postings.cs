using Alerting.Core.Model;

namespace Alerting.Core.Tsdb.Index;

/// <summary>What an inverted index must offer for matcher lookups (a block's index or the head's).</summary>
public interface IPostingsSource
{
    /// <summary>Every value the label takes, in <see cref="Utf8Order"/>.</summary>
    IReadOnlyList<string> LabelValues(string name);

    /// <summary>Sorted series references that have <paramref name="name"/>=<paramref name="value"/>.</summary>
    uint[] Postings(string name, string value);

    /// <summary>Every series reference, sorted.</summary>
    uint[] AllPostings();
}

/// <summary>Sorted-list set operations and Prometheus' PostingsForMatchers over any <see cref="IPostingsSource"/>.</summary>
public static class Postings
{
    /// <summary>
    /// The series matching all matchers, as Prometheus' querier finds them: a matcher that does not accept
    /// the empty string intersects the union of the postings of the values it accepts; a matcher that
    /// does (<c>l=""</c>, <c>l!="x"</c>, <c>l=~".*"</c>) subtracts the postings of the values it rejects,
    /// so series without the label still match. With only subtracting matchers, all series are the start.
    /// </summary>
    public static uint[] ForMatchers(IPostingsSource index, IReadOnlyList<LabelMatcher> matchers)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(matchers);
        var include = new List<uint[]>();
        var exclude = new List<uint[]>();
        // Most selective first: equality matchers on one value are cheap and usually small.
        foreach (var m in matchers.OrderBy(m => m.Type == MatcherType.Equal ? 0 : 1))
        {
            if (m.MatchesEmpty)
            {
                var rejected = ValuesWhere(index, m.Name, v => !m.Matches(v));
                if (rejected.Length > 0)
                {
                    exclude.Add(rejected);
                }
            }
            else
            {
                var accepted = m.Type == MatcherType.Equal
                    ? index.Postings(m.Name, m.Value)
                    : ValuesWhere(index, m.Name, m.Matches);
                if (accepted.Length == 0)
                {
                    return [];
                }
                include.Add(accepted);
            }
        }
        var result = include.Count == 0 ? index.AllPostings() : include.Aggregate(Intersect);
        foreach (var e in exclude)
        {
            if (result.Length == 0)
            {
                break;
            }
            result = Without(result, e);
        }
        return result;
    }

    private static uint[] ValuesWhere(IPostingsSource index, string name, Func<string, bool> predicate)
    {
        var lists = new List<uint[]>();
        foreach (var v in index.LabelValues(name))
        {
            if (predicate(v))
            {
                lists.Add(index.Postings(name, v));
            }
        }
        return Union(lists);
    }

    public static uint[] Intersect(uint[] a, uint[] b)
    {
        if (a.Length > b.Length)
        {
            (a, b) = (b, a);
        }
        var result = new List<uint>(a.Length);
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j])
            {
                result.Add(a[i]);
                i++;
                j++;
            }
            else if (a[i] < b[j])
            {
                i++;
            }
            else
            {
                // Galloping would help for very unequal lists; binary search to the next candidate.
                var k = Array.BinarySearch(b, j, b.Length - j, a[i]);
                j = k >= 0 ? k : ~k;
            }
        }
        return [.. result];
    }

    public static uint[] Without(uint[] a, uint[] b)
    {
        var result = new List<uint>(a.Length);
        var j = 0;
        foreach (var x in a)
        {
            while (j < b.Length && b[j] < x)
            {
                j++;
            }
            if (j < b.Length && b[j] == x)
            {
                continue;
            }
            result.Add(x);
        }
        return [.. result];
    }

    public static uint[] Union(IReadOnlyList<uint[]> lists)
    {
        switch (lists.Count)
        {
            case 0:
                return [];
            case 1:
                return lists[0];
        }
        var total = 0;
        foreach (var l in lists)
        {
            total += l.Length;
        }
        var all = new uint[total];
        var at = 0;
        foreach (var l in lists)
        {
            l.CopyTo(all, at);
            at += l.Length;
        }
        Array.Sort(all);
        var n = 0;
        for (var i = 0; i < all.Length; i++)
        {
            if (i == 0 || all[i] != all[n - 1])
            {
                all[n++] = all[i];
            }
        }
        Array.Resize(ref all, n);
        return all;
    }
}
