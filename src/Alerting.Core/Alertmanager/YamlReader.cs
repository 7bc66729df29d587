using Alerting.Core.Model;
using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// Shared state of one parse. Alertmanager decodes with go-yaml's strict mode: unknown fields and type
/// mismatches are collected across the whole document and reported together ("yaml: unmarshal
/// errors: line N: ..."), while a validation error raised by a nested block aborts at once. We mimic
/// both so that a file is rejected with the same text amtool prints.
/// </summary>
internal sealed class YamlContext(string file)
{
    // Anchor is where the error counts for "did this block have type errors" (see RemoveDuplicate).
    private readonly List<(int Line, int Column, string Key, string Text, int AnchorLine, int AnchorColumn)> _typeErrors = [];

    public string File { get; } = file;

    public int TypeErrorCount => _typeErrors.Count;

    private readonly List<((long, long) Start, (long, long) End)> _undecoded = [];

    public void TypeError(YamlNode node, string key, string text)
    {
        _typeErrors.Add(((int)node.Start.Line, (int)node.Start.Column, key, text, (int)node.Start.Line, (int)node.Start.Column));
        MarkUndecoded(node);
    }

    /// <summary>go-yaml does not decode a value it could not place (unknown field, wrong type), so nothing inside it is reported.</summary>
    public void MarkUndecoded(YamlNode node) => _undecoded.Add(((node.Start.Line, node.Start.Column), LastMark(node)));

    public void TypeError(int line, int column, string key, string text, int anchorLine, int anchorColumn) =>
        _typeErrors.Add((line, column, key, text, anchorLine, anchorColumn));

    private static bool Inside((long L, long C) p, (long L, long C) start, (long L, long C) end) =>
        (p.L > start.L || (p.L == start.L && p.C >= start.C)) && (p.L < end.L || (p.L == end.L && p.C <= end.C));

    /// <summary>Whether a type error was recorded inside <paramref name="node"/>'s span.</summary>
    public bool HasTypeErrorsWithin(YamlNode node)
    {
        var start = (node.Start.Line, node.Start.Column);
        var end = LastMark(node);
        return _typeErrors.Any(e => Before(start, (e.AnchorLine, e.AnchorColumn), inclusive: true) && Before((e.AnchorLine, e.AnchorColumn), end, inclusive: false));

        static bool Before((long L, long C) a, (long L, long C) b, bool inclusive) =>
            a.L < b.L || (a.L == b.L && (inclusive ? a.C <= b.C : a.C < b.C));
    }

    /// <summary>
    /// The end of a node's content. YamlDotNet only records where a collection starts, so the end is
    /// the furthest end among its descendants.
    /// </summary>
    private static (long Line, long Column) LastMark(YamlNode node) => node switch
    {
        YamlMappingNode m when m.Children.Count > 0 => m.Children.Select(kv => LastMark(kv.Value)).Append(LastMark(m.Children.Last().Key)).Max(),
        YamlSequenceNode q when q.Children.Count > 0 => q.Children.Select(LastMark).Max(),
        _ => (node.End.Line, node.End.Column),
    };

    /// <summary>Forgets type errors recorded on lines that turned out to belong to a discarded duplicate.</summary>
    public void RemoveTypeErrors(int fromLine, int toLine) => _typeErrors.RemoveAll(e => e.Line >= fromLine && e.Line <= toLine);

    private string? UnknownFieldType(string key) =>
        _typeErrors.Select(e => e.Text).FirstOrDefault(t => t.StartsWith($"field {key} not found in type ", StringComparison.Ordinal)) is { } text
            ? text[$"field {key} not found in type ".Length..]
            : null;

    /// <summary>Rewrites "already set" for a key that is not a field at all: go-yaml calls both "not found".</summary>
    public void ReclassifyDuplicates(IEnumerable<(int Line, string Key)> duplicates)
    {
        foreach (var (line, key) in duplicates)
        {
            if (UnknownFieldType(key) is not { } type)
            {
                continue;
            }
            var i = _typeErrors.FindIndex(e => e.Line == line && e.Text.StartsWith($"field {key} already set", StringComparison.Ordinal));
            if (i >= 0)
            {
                _typeErrors[i] = _typeErrors[i] with { Text = $"field {key} not found in type {type}" };
            }
        }
    }

    public void ThrowIfTypeErrors()
    {
        if (_typeErrors.Count == 0)
        {
            return;
        }
        var sorted = _typeErrors
            .Where(e => !(e.Text.Contains("already set", StringComparison.Ordinal) && _undecoded.Any(u => Inside((e.AnchorLine, e.AnchorColumn), u.Start, u.End))))
            .OrderBy(e => e.Line).ThenBy(e => e.Column).ToList();
        var detail = "yaml: unmarshal errors:\n" + string.Join('\n', sorted.Select(e => $"  line {e.Line}: {e.Text}"));
        throw new ConfigException(File, sorted[0].Line, sorted[0].Column, sorted[0].Key, detail);
    }

    public ConfigException Error(YamlNode? node, string key, string detail) =>
        new(File, node is null ? 0 : (int)node.Start.Line, node is null ? 0 : (int)node.Start.Column, key, detail);
}

/// <summary>YAML 1.1 tag resolution as go-yaml v2 applies it to plain scalars.</summary>
internal static partial class YamlScalars
{
    public static bool IsNull(YamlNode? node) =>
        node is null || (node is YamlScalarNode s && IsPlain(s) && s.Value is null or "" or "~" or "null" or "Null" or "NULL");

    public static bool IsPlain(YamlScalarNode s) => s.Style is YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any;

    public static string Tag(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode:
                return "!!map";
            case YamlSequenceNode:
                return "!!seq";
            case YamlScalarNode s when !IsPlain(s):
                return "!!str";
            case YamlScalarNode s:
                var v = s.Value ?? string.Empty;
                if (IsNull(s))
                {
                    return "!!null";
                }
                if (ParseBool(v) is not null)
                {
                    return "!!bool";
                }
                if (IntPattern().IsMatch(v))
                {
                    return "!!int";
                }
                if (FloatPattern().IsMatch(v))
                {
                    return "!!float";
                }
                return "!!str";
            default:
                return "!!str";
        }
    }

    /// <summary>Describes a node as go-yaml does in "cannot unmarshal X into T".</summary>
    public static string Describe(YamlNode node) =>
        node is YamlScalarNode s ? $"{Tag(node)} `{Shorten(s.Value ?? string.Empty)}`" : Tag(node);

    private static string Shorten(string v) => v.Length > 10 ? v[..7] + "..." : v;

    public static bool? ParseBool(string v) => v switch
    {
        "y" or "Y" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "true" or "True" or "TRUE" => true,
        "n" or "N" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "false" or "False" or "FALSE" => false,
        _ => null,
    };

    [GeneratedRegex(@"^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^([-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();
}

/// <summary>
/// Reads one YAML mapping that stands for a Go struct: every key read is recorded, and
/// <see cref="Done"/> reports the rest as "field x not found in type config.plain".
/// </summary>
internal sealed class YamlMap
{
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly string _goType;
    private readonly int _errorsAtStart;

    private YamlMap(YamlContext ctx, YamlNode node, string path, string goType)
    {
        Ctx = ctx;
        Node = node;
        Path = path;
        _goType = goType;
        _errorsAtStart = ctx.TypeErrorCount;
        if (node is YamlMappingNode m)
        {
            foreach (var (k, v) in m.Children)
            {
                var key = k as YamlScalarNode;
                var name = key?.Value ?? string.Empty;
                if (key is null)
                {
                    ctx.TypeError(k, path, $"cannot unmarshal {YamlScalars.Describe(k)} into string");
                    continue;
                }
                if (!_entries.TryAdd(name, (key, v)))
                {
                    ctx.TypeError(key, Join(path, name), $"field {name} already set in type {goType}");
                }
            }
        }
    }

    public YamlContext Ctx { get; }

    public YamlNode Node { get; }

    public string Path { get; }

    /// <summary>True when this block (or anything under it) had a type error, so Go would skip its validation.</summary>
    public bool HadTypeErrors => Ctx.TypeErrorCount > _errorsAtStart || Ctx.HasTypeErrorsWithin(Node);

    /// <summary>
    /// Opens <paramref name="node"/> as a struct. Null yields null (Go leaves the pointer nil); a scalar
    /// or sequence is a type error and yields null too.
    /// </summary>
    public static YamlMap? Open(YamlContext ctx, YamlNode? node, string path, string goType = "config.plain")
    {
        if (YamlScalars.IsNull(node))
        {
            return null;
        }
        if (node is not YamlMappingNode)
        {
            ctx.TypeError(node!, path, $"cannot unmarshal {YamlScalars.Describe(node!)} into {goType}");
            return null;
        }
        return new YamlMap(ctx, node, path, goType);
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    public string KeyPath(string key) => Join(Path, key);

    public bool Has(string key) => _entries.ContainsKey(key) && !YamlScalars.IsNull(_entries[key].Value);

    /// <summary>The raw value node of <paramref name="key"/>, marking the key as known.</summary>
    public YamlNode? Get(string key)
    {
        _used.Add(key);
        return _entries.TryGetValue(key, out var e) ? e.Value : null;
    }

    public YamlNode? KeyNode(string key) => _entries.TryGetValue(key, out var e) ? e.Key : null;

    /// <summary>Where an error about <paramref name="key"/> should point: its value, else the block itself.</summary>
    public YamlNode At(string key) => _entries.TryGetValue(key, out var e) ? e.Value : Node;

    public void Accept(params string[] keys)
    {
        foreach (var k in keys)
        {
            _used.Add(k);
        }
    }

    public string? String(string key) => String(key, "string");

    /// <summary>A scalar as text; <paramref name="goType"/> names the Go type in a type error (Secrets say <c>config.plain</c>).</summary>
    public string? String(string key, string goType)
    {
        var node = Get(key);
        if (YamlScalars.IsNull(node))
        {
            return null;
        }
        if (node is YamlScalarNode s)
        {
            return s.Value ?? string.Empty;
        }
        Ctx.TypeError(node!, KeyPath(key), $"cannot unmarshal {YamlScalars.Describe(node!)} into {goType}");
        return null;
    }

    public bool? Bool(string key)
    {
        var node = Get(key);
        if (YamlScalars.IsNull(node))
        {
            return null;
        }
        if (node is YamlScalarNode s && YamlScalars.IsPlain(s) && YamlScalars.ParseBool(s.Value ?? string.Empty) is { } b)
        {
            return b;
        }
        Ctx.TypeError(node!, KeyPath(key), $"cannot unmarshal {YamlScalars.Describe(node!)} into bool");
        return null;
    }

    public long? Int(string key, string goType = "int")
    {
        var node = Get(key);
        if (YamlScalars.IsNull(node))
        {
            return null;
        }
        if (node is YamlScalarNode s && YamlScalars.IsPlain(s)
            && long.TryParse((s.Value ?? string.Empty).Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            && !(goType.StartsWith('u') && v < 0))
        {
            return v;
        }
        Ctx.TypeError(node!, KeyPath(key), $"cannot unmarshal {YamlScalars.Describe(node!)} into {goType}");
        return null;
    }

    /// <summary>A Prometheus duration (<c>30s</c>, <c>1h30m</c>, <c>1d</c>); a bad one aborts like Alertmanager.</summary>
    public TimeSpan? Duration(string key)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }
        if (!PromDuration.TryParse(text, out var d))
        {
            throw Ctx.Error(At(key), KeyPath(key), $"not a valid duration string: \"{text}\"");
        }
        return d;
    }

    public List<string>? StringList(string key, string goType = "[]string")
    {
        var node = Get(key);
        if (YamlScalars.IsNull(node))
        {
            return null;
        }
        if (node is not YamlSequenceNode seq)
        {
            Ctx.TypeError(node!, KeyPath(key), $"cannot unmarshal {YamlScalars.Describe(node!)} into {goType}");
            return null;
        }
        var list = new List<string>();
        foreach (var item in seq)
        {
            if (item is YamlScalarNode s)
            {
                list.Add(YamlScalars.IsNull(s) ? string.Empty : s.Value ?? string.Empty);
            }
            else
            {
                Ctx.TypeError(item, KeyPath(key), $"cannot unmarshal {YamlScalars.Describe(item)} into string");
            }
        }
        return list;
    }

    /// <summary>A string-to-string map; duplicate keys are go-yaml's "key already set in map".</summary>
    public List<(string Key, string Value, YamlNode Node)>? StringMap(string key) =>
        ReadStringMap(Ctx, Get(key), KeyPath(key), "map[string]string");

    public static List<(string Key, string Value, YamlNode Node)>? ReadStringMap(YamlContext ctx, YamlNode? node, string path, string goType)
    {
        if (YamlScalars.IsNull(node))
        {
            return null;
        }
        if (node is not YamlMappingNode m)
        {
            ctx.TypeError(node!, path, $"cannot unmarshal {YamlScalars.Describe(node!)} into {goType}");
            return null;
        }
        var list = new List<(string, string, YamlNode)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (k, v) in m.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? string.Empty;
            if (!seen.Add(name))
            {
                ctx.TypeError(k, path, $"key \"{name}\" already set in map");
                continue;
            }
            if (YamlScalars.IsNull(v))
            {
                list.Add((name, string.Empty, k));
            }
            else if (v is YamlScalarNode s)
            {
                list.Add((name, s.Value ?? string.Empty, k));
            }
            else
            {
                ctx.TypeError(v, path + "." + name, $"cannot unmarshal {YamlScalars.Describe(v)} into string");
            }
        }
        return list;
    }

    /// <summary>The items of a list of structs, with their paths; a non-list is a type error.</summary>
    public IEnumerable<(YamlNode Node, string Path)> Items(string key, string goType)
    {
        var node = Get(key);
        if (YamlScalars.IsNull(node))
        {
            yield break;
        }
        if (node is not YamlSequenceNode seq)
        {
            Ctx.TypeError(node!, KeyPath(key), $"cannot unmarshal {YamlScalars.Describe(node!)} into {goType}");
            yield break;
        }
        var i = 0;
        foreach (var item in seq)
        {
            yield return (item, $"{KeyPath(key)}[{i++}]");
        }
    }

    /// <summary>Reports every key that was never read as unknown, like go-yaml's strict mode.</summary>
    public void Done()
    {
        foreach (var (name, (keyNode, _)) in _entries)
        {
            if (!_used.Contains(name))
            {
                Ctx.TypeError(keyNode, KeyPath(name), $"field {name} not found in type {_goType}");
                Ctx.MarkUndecoded(_entries[name].Value);
            }
        }
    }
}
