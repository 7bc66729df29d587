using System.Text;
using Alerting.Core.Model;

namespace Alerting.Core.Tsdb.Index;

/// <summary>
/// Go's string order (bytes of UTF-8), which the index's symbol table and series order use. It equals
/// .NET's ordinal order except where surrogate pairs meet characters from U+E000 up, so the common
/// case is a plain ordinal comparison.
/// </summary>
public sealed class Utf8Order : IComparer<string>, IComparer<Labels>
{
    public static readonly Utf8Order Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }
        if (x is null)
        {
            return -1;
        }
        if (y is null)
        {
            return 1;
        }
        var n = Math.Min(x.Length, y.Length);
        for (var i = 0; i < n; i++)
        {
            var a = x[i];
            var b = y[i];
            if (a == b)
            {
                continue;
            }
            if (a < 0xD800 && b < 0xD800)
            {
                return a - b;
            }
            return Encoding.UTF8.GetBytes(x[i..]).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y[i..]));
        }
        return x.Length - y.Length;
    }

    /// <summary>Prometheus' labels.Compare: pairwise by name then value, then the shorter set first.</summary>
    public int Compare(Labels? x, Labels? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }
        if (x is null)
        {
            return -1;
        }
        if (y is null)
        {
            return 1;
        }
        var n = Math.Min(x.Count, y.Count);
        for (var i = 0; i < n; i++)
        {
            var c = Compare(x[i].Name, y[i].Name);
            if (c != 0)
            {
                return c;
            }
            c = Compare(x[i].Value, y[i].Value);
            if (c != 0)
            {
                return c;
            }
        }
        return x.Count - y.Count;
    }
}
