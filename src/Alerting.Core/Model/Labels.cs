using System.Collections;
using System.Text;

namespace Alerting.Core.Model;

/// <summary>
/// An immutable label set, kept sorted by name so that equality, hashing and fingerprints do not depend
/// on the order labels were written in. Empty values are dropped on construction, as Prometheus treats
/// an empty label value as an absent label; annotations (<see cref="AnnotationsFrom"/>) keep them, as
/// Prometheus and Alertmanager do (<c>{"summary":""}</c> stays in payloads and templates).
/// </summary>
public sealed class Labels : IEquatable<Labels>, IReadOnlyList<Label>
{
    public const string MetricName = "__name__";

    public static readonly Labels Empty = new([]);

    private readonly Label[] _labels;
    private int _hash;

    private Labels(Label[] sorted) => _labels = sorted;

    public static Labels From(IEnumerable<Label> labels) => Build(labels, keepEmpty: false);

    /// <summary>An annotation set: like <see cref="From(IEnumerable{Label})"/> but empty values are kept.</summary>
    public static Labels AnnotationsFrom(IEnumerable<Label> annotations) => Build(annotations, keepEmpty: true);

    private static Labels Build(IEnumerable<Label> labels, bool keepEmpty)
    {
        var list = new List<Label>();
        foreach (var l in labels)
        {
            if (l.Value.Length == 0 && !keepEmpty)
            {
                continue;
            }
            var i = list.FindIndex(x => x.Name == l.Name);
            if (i >= 0)
            {
                list[i] = l; // last writer wins, like a relabel "replace"
            }
            else
            {
                list.Add(l);
            }
        }
        list.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return list.Count == 0 ? Empty : new Labels([.. list]);
    }

    public static Labels From(params (string Name, string Value)[] pairs) =>
        From(pairs.Select(p => new Label(p.Name, p.Value)));

    public static Labels From(IReadOnlyDictionary<string, string> map) =>
        From(map.Select(kv => new Label(kv.Key, kv.Value)));

    public int Count => _labels.Length;

    public Label this[int index] => _labels[index];

    /// <summary>The value of <paramref name="name"/>, or the empty string when absent (Prometheus semantics).</summary>
    public string this[string name] => Get(name) ?? string.Empty;

    public string? Get(string name)
    {
        var lo = 0;
        var hi = _labels.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = string.CompareOrdinal(_labels[mid].Name, name);
            if (c == 0)
            {
                return _labels[mid].Value;
            }
            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return null;
    }

    public bool Has(string name) => Get(name) is not null;

    public string? Name => Get(MetricName);

    public Labels With(string name, string value) =>
        From(_labels.Where(l => l.Name != name).Append(new Label(name, value)));

    public Labels Without(params string[] names) =>
        From(_labels.Where(l => Array.IndexOf(names, l.Name) < 0));

    public Labels WithoutName() => Get(MetricName) is null ? this : Without(MetricName);

    /// <summary>Only the named labels (used by <c>by (...)</c>, <c>on (...)</c> and <c>group_by</c>).</summary>
    public Labels Keep(IEnumerable<string> names)
    {
        var set = names as ISet<string> ?? new HashSet<string>(names, StringComparer.Ordinal);
        return From(_labels.Where(l => set.Contains(l.Name)));
    }

    public Dictionary<string, string> ToDictionary() =>
        _labels.ToDictionary(l => l.Name, l => l.Value, StringComparer.Ordinal);

    /// <summary>
    /// The same 64-bit FNV-1a fingerprint Alertmanager and Prometheus' model package compute
    /// (name, 0xff, value, 0xff over sorted labels), so ids we show match theirs.
    /// </summary>
    public ulong Fingerprint()
    {
        const ulong offset = 14695981039346656037UL;
        const ulong prime = 1099511628211UL;
        if (_labels.Length == 0)
        {
            return offset;
        }
        var hash = offset;
        Span<byte> buffer = stackalloc byte[256];
        foreach (var l in _labels)
        {
            hash = Mix(hash, l.Name, buffer);
            hash = (hash ^ 0xff) * prime;
            hash = Mix(hash, l.Value, buffer);
            hash = (hash ^ 0xff) * prime;
        }
        return hash;

        static ulong Mix(ulong h, string s, Span<byte> buffer)
        {
            var bytes = Encoding.UTF8.GetByteCount(s) <= buffer.Length ? buffer : new byte[Encoding.UTF8.GetByteCount(s)];
            var n = Encoding.UTF8.GetBytes(s, bytes);
            for (var i = 0; i < n; i++)
            {
                h = (h ^ bytes[i]) * prime;
            }
            return h;
        }
    }

    /// <summary>The fingerprint as Alertmanager prints it: 16 lower-case hex digits.</summary>
    public string FingerprintHex() => Fingerprint().ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    public bool Equals(Labels? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }
        if (other is null || other._labels.Length != _labels.Length)
        {
            return false;
        }
        for (var i = 0; i < _labels.Length; i++)
        {
            if (_labels[i] != other._labels[i])
            {
                return false;
            }
        }
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as Labels);

    public override int GetHashCode()
    {
        if (_hash == 0)
        {
            var h = new HashCode();
            foreach (var l in _labels)
            {
                h.Add(l.Name, StringComparer.Ordinal);
                h.Add(l.Value, StringComparer.Ordinal);
            }
            var v = h.ToHashCode();
            _hash = v == 0 ? 1 : v;
        }
        return _hash;
    }

    public static bool operator ==(Labels? a, Labels? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(Labels? a, Labels? b) => !(a == b);

    /// <summary>Prometheus' rendering: <c>name{a="1", b="2"}</c> when a metric name is present, else <c>{a="1", b="2"}</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        var name = Get(MetricName);
        if (name is not null)
        {
            sb.Append(name);
        }
        var rest = _labels.Where(l => l.Name != MetricName).ToArray();
        if (rest.Length == 0 && name is not null)
        {
            return sb.ToString();
        }
        sb.Append('{');
        for (var i = 0; i < rest.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }
            sb.Append(rest[i].Name).Append("=\"").Append(Escape(rest[i].Value)).Append('"');
        }
        return sb.Append('}').ToString();
    }

    public static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal)
             .Replace("\"", "\\\"", StringComparison.Ordinal)
             .Replace("\n", "\\n", StringComparison.Ordinal);

    public IEnumerator<Label> GetEnumerator() => ((IEnumerable<Label>)_labels).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _labels.GetEnumerator();
}
