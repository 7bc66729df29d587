using Alerting.Core.Model;

namespace Alerting.Core.Alertmanager;

/// <summary>The orders Alertmanager sorts alerts and label sets in, wherever it lists or notifies them.</summary>
public static class AlertOrder
{
    /// <summary>
    /// Alertmanager's <c>types.AlertSlice</c> order: by <c>job</c>, then <c>instance</c> (alerts having the
    /// label first), then by label set (<see cref="CompareLabelSets"/>).
    /// </summary>
    public static int Compare(Labels a, Labels b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        foreach (var key in (ReadOnlySpan<string>)["job", "instance"])
        {
            var av = a.Get(key);
            var bv = b.Get(key);
            if (av is null && bv is null)
            {
                continue;
            }
            if (av is null)
            {
                return 1;
            }
            if (bv is null)
            {
                return -1;
            }
            var c = string.CompareOrdinal(av, bv);
            if (c != 0)
            {
                return c;
            }
        }
        return CompareLabelSets(a, b);
    }

    /// <summary>Prometheus' <c>LabelSet.Before</c> as a comparison: fewer labels first, then by sorted names and values.</summary>
    public static int CompareLabelSets(Labels a, Labels b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count)
        {
            return a.Count < b.Count ? -1 : 1;
        }
        foreach (var name in a.Select(l => l.Name).Concat(b.Select(l => l.Name)).Order(StringComparer.Ordinal))
        {
            var x = a.Get(name);
            if (x is null)
            {
                return -1;
            }
            var y = b.Get(name);
            if (y is null)
            {
                return 1;
            }
            var c = string.CompareOrdinal(x, y);
            if (c != 0)
            {
                return c;
            }
        }
        return 0;
    }
}
