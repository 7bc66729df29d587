using YamlDotNet.Core;

namespace Alerting.Core.Config;

/// <summary>A 1-based position in a YAML text.</summary>
public readonly record struct YamlMark(int Line, int Column) : IComparable<YamlMark>
{
    public int CompareTo(YamlMark other) => Line != other.Line ? Line.CompareTo(other.Line) : Column.CompareTo(other.Column);

    public static bool operator <(YamlMark a, YamlMark b) => a.CompareTo(b) < 0;

    public static bool operator >(YamlMark a, YamlMark b) => a.CompareTo(b) > 0;

    public static bool operator <=(YamlMark a, YamlMark b) => a.CompareTo(b) <= 0;

    public static bool operator >=(YamlMark a, YamlMark b) => a.CompareTo(b) >= 0;
}

/// <summary>
/// A node of a YAML document as go-yaml sees it before decoding: mappings keep every key in order,
/// duplicates included, so the decoder (not the parser) decides what a repeated key means.
/// </summary>
public abstract class YamlNode
{
    private protected YamlNode(YamlMark start, string? tag)
    {
        Start = start;
        Tag = tag;
    }

    public YamlMark Start { get; }

    /// <summary>Where the node's content ends: for a collection, the end of its last descendant.</summary>
    public abstract YamlMark End { get; }

    /// <summary>An explicit tag (<c>!!str</c>), or null when the node's type is resolved from its text.</summary>
    public string? Tag { get; }
}

public sealed class YamlScalar : YamlNode
{
    private readonly YamlMark _end;

    internal YamlScalar(YamlMark start, YamlMark end, string? tag, string value, ScalarStyle style)
        : base(start, tag)
    {
        _end = end;
        Value = value;
        Style = style;
    }

    public override YamlMark End => _end;

    public string Value { get; }

    public ScalarStyle Style { get; }

    /// <summary>Plain scalars are typed by their text (<c>true</c>, <c>5</c>, <c>null</c>); quoted ones are strings.</summary>
    public bool IsPlain => Style is ScalarStyle.Plain or ScalarStyle.Any && Tag is null;

    public override string ToString() => Value;
}

public sealed class YamlMapping : YamlNode
{
    internal YamlMapping(YamlMark start, string? tag, IReadOnlyList<KeyValuePair<YamlNode, YamlNode>> children)
        : base(start, tag) => Children = children;

    /// <summary>Every entry in document order, repeated keys included.</summary>
    public IReadOnlyList<KeyValuePair<YamlNode, YamlNode>> Children { get; }

    private YamlMark? _end;

    public override YamlMark End => _end ??= Children.Count == 0 ? Start : Children.Max(kv => kv.Value.End > kv.Key.End ? kv.Value.End : kv.Key.End);

    /// <summary>The value of the first entry whose key is the scalar <paramref name="key"/>.</summary>
    public YamlNode? Get(string key) => Children.FirstOrDefault(kv => kv.Key is YamlScalar s && s.Value == key).Value;

    /// <summary>The key node of the first entry named <paramref name="key"/>.</summary>
    public YamlNode? KeyNode(string key) => Children.FirstOrDefault(kv => kv.Key is YamlScalar s && s.Value == key).Key;
}

public sealed class YamlSequence : YamlNode
{
    internal YamlSequence(YamlMark start, string? tag, IReadOnlyList<YamlNode> children)
        : base(start, tag) => Children = children;

    public IReadOnlyList<YamlNode> Children { get; }

    private YamlMark? _end;

    public override YamlMark End => _end ??= Children.Count == 0 ? Start : Children.Max(c => c.End);
}
