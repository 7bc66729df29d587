using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;

namespace Alerting.Core.PromQL;

/// <summary>
/// One element of an instant vector during evaluation. <see cref="DropName"/> implements Prometheus'
/// delayed metric-name removal: the name stays visible to later label functions and is removed when
/// the query's result is produced. <see cref="T"/> is the raw sample time, only read by timestamp().
/// A native histogram sample has <see cref="H"/> set (and <see cref="F"/> unused).
/// </summary>
internal readonly record struct VSample(Labels Metric, double F, long T, bool DropName, FloatHistogram? H = null);

internal abstract class EvalValue;

internal sealed class ScalarResult(double value) : EvalValue
{
    public double Value { get; } = value;
}

internal sealed class StringResult(string value) : EvalValue
{
    public string Value { get; } = value;
}

internal sealed class VectorResult(List<VSample> samples) : EvalValue
{
    public List<VSample> Samples { get; } = samples;
}

/// <summary>A series' points in a range: floats and native histograms, each in time order, as Prometheus' Series.</summary>
internal readonly record struct RangeSeries(Labels Metric, ArraySegment<Sample> Samples, bool DropName, ArraySegment<HistogramSample> Histograms = default);

internal sealed class MatrixResult(List<RangeSeries> series) : EvalValue
{
    public List<RangeSeries> Series { get; } = series;
}

/// <summary>A selected series with all its samples in the query window, plus a copy without stale markers for range selectors.</summary>
internal sealed class SelectedSeries(Labels labels, Sample[] all, HistogramSample[] histograms)
{
    public Labels Labels { get; } = labels;

    public Sample[] All { get; } = all;

    public HistogramSample[] Histograms { get; } = histograms;

    /// <summary>Index of the last histogram sample with time &lt;= t, or -1.</summary>
    public static int LastAtOrBefore(HistogramSample[] samples, long t)
    {
        var lo = 0;
        var hi = samples.Length - 1;
        var ans = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (samples[mid].TimestampMs <= t)
            {
                ans = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return ans;
    }

    private Sample[]? _nonStale;

    public Sample[] NonStale
    {
        get
        {
            if (_nonStale is null)
            {
                var stale = 0;
                foreach (var s in All)
                {
                    if (s.IsStale)
                    {
                        stale++;
                    }
                }
                if (stale == 0)
                {
                    _nonStale = All;
                }
                else
                {
                    var arr = new Sample[All.Length - stale];
                    var j = 0;
                    foreach (var s in All)
                    {
                        if (!s.IsStale)
                        {
                            arr[j++] = s;
                        }
                    }
                    _nonStale = arr;
                }
            }
            return _nonStale;
        }
    }

    /// <summary>Index of the last sample with time &lt;= t, or -1.</summary>
    public static int LastAtOrBefore(Sample[] samples, long t)
    {
        var lo = 0;
        var hi = samples.Length - 1;
        var ans = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (samples[mid].TimestampMs <= t)
            {
                ans = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return ans;
    }
}

/// <summary>Label-set helpers the evaluator needs in hot paths; they avoid LINQ and re-sorting.</summary>
internal static class LabelOps
{
    public static int Compare(Labels a, Labels b)
    {
        var n = Math.Min(a.Count, b.Count);
        for (var i = 0; i < n; i++)
        {
            var c = string.CompareOrdinal(a[i].Name, b[i].Name);
            if (c != 0)
            {
                return c;
            }
            c = string.CompareOrdinal(a[i].Value, b[i].Value);
            if (c != 0)
            {
                return c;
            }
        }
        return a.Count.CompareTo(b.Count);
    }

    public static Labels Keep(Labels l, IReadOnlyList<string> names)
    {
        var list = new List<Label>(names.Count);
        for (var i = 0; i < l.Count; i++)
        {
            if (Contains(names, l[i].Name))
            {
                list.Add(l[i]);
            }
        }
        return list.Count == l.Count ? l : Labels.From(list);
    }

    /// <summary>
    /// A 64-bit FNV-1a hash of the labels selected by <paramref name="on"/>/<paramref name="names"/>
    /// (when not <paramref name="on"/>: all but <paramref name="names"/> and the metric name), so matching
    /// and grouping can key dictionaries without building a label set per sample, as Prometheus does.
    /// </summary>
    public static ulong Hash(Labels l, IReadOnlyList<string> names, bool on)
    {
        var h = 14695981039346656037UL;
        for (var i = 0; i < l.Count; i++)
        {
            var name = l[i].Name;
            var include = on ? Contains(names, name) : name != Labels.MetricName && !Contains(names, name);
            if (!include)
            {
                continue;
            }
            h = Mix(h, name);
            h = (h ^ 0xff) * 1099511628211UL;
            h = Mix(h, l[i].Value);
            h = (h ^ 0xfe) * 1099511628211UL;
        }
        return h;

        static ulong Mix(ulong h, string s)
        {
            foreach (var c in s)
            {
                h = (h ^ c) * 1099511628211UL;
            }
            return h;
        }
    }

    public static Labels Drop(Labels l, IReadOnlyList<string> names, bool dropName)
    {
        if (names.Count == 0 && (!dropName || !l.Has(Labels.MetricName)))
        {
            return l;
        }
        var list = new List<Label>(l.Count);
        for (var i = 0; i < l.Count; i++)
        {
            var name = l[i].Name;
            if ((dropName && name == Labels.MetricName) || Contains(names, name))
            {
                continue;
            }
            list.Add(l[i]);
        }
        return list.Count == l.Count ? l : Labels.From(list);
    }

    public static Labels DropMetricName(Labels l) => l.Has(Labels.MetricName) ? Drop(l, [], true) : l;

    public static Labels Set(Labels l, string name, string value)
    {
        var list = new List<Label>(l.Count + 1);
        var done = false;
        for (var i = 0; i < l.Count; i++)
        {
            if (l[i].Name == name)
            {
                done = true;
                if (value.Length > 0)
                {
                    list.Add(new Label(name, value));
                }
                continue;
            }
            list.Add(l[i]);
        }
        if (!done)
        {
            if (value.Length == 0)
            {
                return l;
            }
            list.Add(new Label(name, value));
        }
        return Labels.From(list);
    }

    private static bool Contains(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Prometheus' <c>labels.String()</c>: always braces, quoted values, <c>__name__</c> included.</summary>
    public static string Format(Labels l)
    {
        var sb = new System.Text.StringBuilder("{");
        for (var i = 0; i < l.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }
            sb.Append(l[i].Name).Append("=\"").Append(Labels.Escape(l[i].Value)).Append('"');
        }
        return sb.Append('}').ToString();
    }

    public static bool IsValidLabelName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!(char.IsAsciiLetter(c) || c == '_' || (i > 0 && char.IsAsciiDigit(c))))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Go's %q for a label name so error texts match Prometheus (bytes above 0x7f as \xNN).</summary>
    public static string GoQuote(string s)
    {
        var sb = new System.Text.StringBuilder("\"");
        foreach (var c in s)
        {
            if (c == '"' || c == '\\')
            {
                sb.Append('\\').Append(c);
            }
            else if (c is >= (char)0x80 and <= (char)0xff)
            {
                sb.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.Append('"').ToString();
    }
}
