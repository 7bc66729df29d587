using Alerting.Core.Model;

namespace Alerting.Core.Config;

/// <summary>
/// The state of one decode, with go-yaml's strict-mode rules. Type problems (unknown fields, a string
/// where a list belongs) are collected across the whole document and reported together ("yaml:
/// unmarshal errors:\n  line N: ..."), while a validation error or a bad duration aborts at once. In
/// the <see cref="YamlDialect.Own"/> dialect the first problem of either kind is reported, in plain words.
/// </summary>
public sealed class YamlContext(string file, YamlDialect dialect)
{
    private readonly List<TypeProblem> _typeErrors = [];

    public string File { get; } = file;

    public YamlDialect Dialect { get; } = dialect;

    public int TypeErrorCount => _typeErrors.Count;

    /// <summary>Loads <paramref name="text"/> and opens a context for decoding it.</summary>
    public static (YamlContext Context, YamlNode? Root) Load(string text, string file, YamlDialect dialect) =>
        (new YamlContext(file, dialect), YamlLoader.Load(text, file, dialect));

    /// <summary>Records a type problem at <paramref name="node"/> (throws at once in the Own dialect).</summary>
    public void TypeError(YamlNode node, string keyPath, string text)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (Dialect == YamlDialect.Own)
        {
            throw Error(node, keyPath, text);
        }
        _typeErrors.Add(new TypeProblem(node.Start, keyPath, text));
    }

    /// <summary>"cannot unmarshal X into T", or in the Own dialect "expected a list".</summary>
    public void Mismatch(YamlNode node, string keyPath, string goType) =>
        TypeError(node, keyPath, Dialect == YamlDialect.Own ? $"expected {Friendly(goType)}" : $"cannot unmarshal {YamlScalars.Describe(node)} into {goType}");

    private static string Friendly(string goType) => goType switch
    {
        "string" or "config.plain" => "a string",
        "bool" => "true or false",
        "int" or "int64" or "uint64" => "a whole number",
        "float64" => "a number",
        _ when goType.StartsWith("[]", StringComparison.Ordinal) => "a list",
        _ => "a mapping",
    };

    /// <summary>Whether a type problem was recorded inside <paramref name="node"/>'s span.</summary>
    public bool HasTypeErrorsWithin(YamlNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var (start, end) = (node.Start, node.End);
        return _typeErrors.Exists(e => e.At >= start && e.At < end);
    }

    public void ThrowIfTypeErrors()
    {
        if (_typeErrors.Count == 0)
        {
            return;
        }
        var sorted = _typeErrors.OrderBy(e => e.At).ToList();
        var detail = "yaml: unmarshal errors:\n" + string.Join('\n', sorted.Select(e => $"  line {e.At.Line}: {e.Text}"));
        throw new ConfigException(File, sorted[0].At.Line, sorted[0].At.Column, sorted[0].KeyPath, detail);
    }

    public ConfigException Error(YamlNode? node, string keyPath, string detail) =>
        new(File, node?.Start.Line ?? 0, node?.Start.Column ?? 0, keyPath, detail);

    // ------------------------------------------------------------ typed values of single nodes

    /// <summary>A scalar as text, null when absent or null; <paramref name="goType"/> names the type in a type error (Secrets say <c>config.plain</c>).</summary>
    public string? String(YamlNode? node, string keyPath, string goType = "string")
    {
        if (YamlScalars.IsNull(node))
        {
            return null;
        }
        if (node is YamlScalar s)
        {
            return s.Value;
        }
        Mismatch(node!, keyPath, goType);
        return null;
    }

    public bool? Bool(YamlNode? node, string keyPath)
    {
        if (YamlScalars.IsNull(node))
        {
            return null;
        }
        if (node is YamlScalar { IsPlain: true } s && YamlScalars.ParseBool(s.Value) is { } b)
        {
            return b;
        }
        Mismatch(node!, keyPath, "bool");
        return null;
    }

    public long? Int(YamlNode? node, string keyPath, string goType = "int")
    {
        if (YamlScalars.IsNull(node))
        {
            return null;
        }
        if (node is YamlScalar s && YamlScalars.TryParseInt(s, out var v) && !(goType.StartsWith('u') && v < 0))
        {
            return v;
        }
        Mismatch(node!, keyPath, goType);
        return null;
    }

    public double? Float(YamlNode? node, string keyPath)
    {
        if (YamlScalars.IsNull(node))
        {
            return null;
        }
        if (node is YamlScalar s && YamlScalars.TryParseFloat(s.Value, out var v))
        {
            return v;
        }
        Mismatch(node!, keyPath, "float64");
        return null;
    }

    /// <summary>A Prometheus duration (<c>30s</c>, <c>1h30m</c>, <c>1d</c>); a bad one aborts the decode, as model.Duration's unmarshaller does.</summary>
    public TimeSpan? Duration(YamlNode? node, string keyPath)
    {
        var text = String(node, keyPath);
        if (text is null)
        {
            return null;
        }
        return PromDuration.TryParse(text, out var d, out var error) ? d : throw Error(node, keyPath, error);
    }

    public List<string>? StringList(YamlNode? node, string keyPath, string goType = "[]string")
    {
        if (YamlScalars.IsNull(node))
        {
            return null;
        }
        if (node is not YamlSequence seq)
        {
            Mismatch(node!, keyPath, goType);
            return null;
        }
        var list = new List<string>();
        var i = 0;
        foreach (var item in seq.Children)
        {
            if (item is YamlScalar s)
            {
                list.Add(YamlScalars.IsNull(s) ? string.Empty : s.Value);
            }
            else
            {
                Mismatch(item, $"{keyPath}[{i}]", "string");
            }
            i++;
        }
        return list;
    }

    /// <summary>A string-to-string map in document order; a repeated key is go-yaml's "key already set in map".</summary>
    public List<(string Key, string Value, YamlNode Node)>? StringMap(YamlNode? node, string keyPath, string goType = "map[string]string")
    {
        if (YamlScalars.IsNull(node))
        {
            return null;
        }
        if (node is not YamlMapping m)
        {
            Mismatch(node!, keyPath, goType);
            return null;
        }
        var list = new List<(string, string, YamlNode)>();
        var seen = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (k, v) in m.Children)
        {
            var name = (k as YamlScalar)?.Value ?? string.Empty;
            if (!seen.TryAdd(name, k))
            {
                TypeError(k, keyPath + "." + name, DuplicateKey(name, seen[name], map: true));
                continue;
            }
            if (YamlScalars.IsNull(v))
            {
                list.Add((name, string.Empty, k));
            }
            else if (v is YamlScalar s)
            {
                list.Add((name, s.Value, k));
            }
            else
            {
                Mismatch(v, keyPath + "." + name, "string");
            }
        }
        return list;
    }

    /// <summary>The items of a list with their key paths; a non-list is a type error and yields nothing.</summary>
    public IEnumerable<(YamlNode Node, string KeyPath)> Items(YamlNode? node, string keyPath, string goType)
    {
        if (YamlScalars.IsNull(node))
        {
            yield break;
        }
        if (node is not YamlSequence seq)
        {
            Mismatch(node!, keyPath, goType);
            yield break;
        }
        var i = 0;
        foreach (var item in seq.Children)
        {
            yield return (item, $"{keyPath}[{i++}]");
        }
    }

    /// <summary>The text of a repeated key in this dialect's words.</summary>
    internal string DuplicateKey(string name, YamlNode first, bool map, string goType = "config.plain") => Dialect switch
    {
        YamlDialect.GoYamlV3 => $"mapping key \"{name}\" already defined at line {first.Start.Line}",
        YamlDialect.Own => $"duplicate key '{name}' (first at line {first.Start.Line})",
        _ => map ? $"key \"{name}\" already set in map" : $"field {name} already set in type {goType}",
    };

    private readonly record struct TypeProblem(YamlMark At, string KeyPath, string Text);
}
