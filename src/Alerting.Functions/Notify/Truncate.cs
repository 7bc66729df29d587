using System.Text;

namespace Alerting.Functions.Notify;

/// <summary>Alertmanager's truncation of over-long fields (<c>notify.TruncateInRunes</c>, <c>notify.TruncateInBytes</c>): the kept part ends in an ellipsis.</summary>
public static class Truncate
{
    private const string Ellipsis = "…";

    /// <summary>At most <paramref name="max"/> runes (Unicode code points), the last one an ellipsis.</summary>
    public static string InRunes(string s, int max)
    {
        ArgumentNullException.ThrowIfNull(s);
        var count = 0;
        foreach (var _ in s.EnumerateRunes())
        {
            count++;
        }
        if (count <= max)
        {
            return s;
        }
        var sb = new StringBuilder();
        var kept = 0;
        foreach (var r in s.EnumerateRunes())
        {
            if (kept++ == max - 1)
            {
                break;
            }
            sb.Append(r.ToString());
        }
        return sb.Append(Ellipsis).ToString();
    }

    /// <summary>At most <paramref name="max"/> UTF-8 bytes, cut at a rune boundary, the last three bytes an ellipsis.</summary>
    public static string InBytes(string s, int max)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (Encoding.UTF8.GetByteCount(s) <= max)
        {
            return s;
        }
        var budget = max - Encoding.UTF8.GetByteCount(Ellipsis);
        var sb = new StringBuilder();
        var used = 0;
        foreach (var r in s.EnumerateRunes())
        {
            if (used + r.Utf8SequenceLength > budget)
            {
                break;
            }
            used += r.Utf8SequenceLength;
            sb.Append(r.ToString());
        }
        return sb.Append(Ellipsis).ToString();
    }
}
