namespace Alerting.Core.Config;

/// <summary>
/// Reads one YAML mapping that stands for a struct: every key read is recorded, and <see cref="Done"/>
/// reports the rest as unknown ("field x not found in type config.plain"). A repeated key keeps its
/// first value, as go-yaml does.
/// </summary>
public sealed class YamlMap
{
    private readonly Dictionary<string, (YamlNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);
    private readonly List<(string Name, YamlNode Key)> _repeated = [];
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly string _goType;
    private readonly int _errorsAtStart;
    private string[]? _known;

    private YamlMap(YamlContext ctx, YamlMapping node, string path, string goType)
    {
        Ctx = ctx;
        Node = node;
        Path = path;
        _goType = goType;
        _errorsAtStart = ctx.TypeErrorCount;
        foreach (var (k, v) in node.Children)
        {
            if (k is not YamlScalar key)
            {
                ctx.Mismatch(k, path, "string");
                continue;
            }
            if (!_entries.TryAdd(key.Value, (key, v)))
            {
                if (ctx.Dialect == YamlDialect.GoYamlV2)
                {
                    // Whether it is "already set" or "not found" depends on whether the key is a field.
                    _repeated.Add((key.Value, key));
                }
                else
                {
                    ctx.TypeError(key, Join(path, key.Value), ctx.DuplicateKey(key.Value, _entries[key.Value].Key, map: false, goType));
                }
            }
        }
    }

    public YamlContext Ctx { get; }

    public YamlMapping Node { get; }

    public string Path { get; }

    /// <summary>True when this block (or anything under it) had a type error, so Go would skip its validation.</summary>
    public bool HadTypeErrors => _repeated.Count > 0 || Ctx.TypeErrorCount > _errorsAtStart || Ctx.HasTypeErrorsWithin(Node);

    /// <summary>
    /// Opens <paramref name="node"/> as a struct. Null yields null (Go leaves the pointer nil); a scalar
    /// or list is a type error and yields null too.
    /// </summary>
    public static YamlMap? Open(YamlContext ctx, YamlNode? node, string path, string goType = "config.plain")
    {
        ArgumentNullException.ThrowIfNull(ctx);
        if (YamlScalars.IsNull(node))
        {
            return null;
        }
        if (node is not YamlMapping mapping)
        {
            ctx.Mismatch(node!, path, goType);
            return null;
        }
        return new YamlMap(ctx, mapping, path, goType);
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    public string KeyPath(string key) => Join(Path, key);

    /// <summary>
    /// Declares the keys this block may have and reports any other at once, before the values are read
    /// (our own formats: a typo like <c>notfy</c> is named before "missing notify" could be).
    /// </summary>
    public YamlMap Known(params string[] keys)
    {
        _known = keys;
        foreach (var (name, (key, _)) in _entries)
        {
            if (Array.IndexOf(keys, name) < 0)
            {
                Ctx.TypeError(key, KeyPath(name), Unknown(name));
            }
        }
        return this;
    }

    public bool Has(string key) => _entries.TryGetValue(key, out var e) && !YamlScalars.IsNull(e.Value);

    /// <summary>The names of the keys present, in document order.</summary>
    public IEnumerable<string> Keys => Node.Children.Select(kv => (kv.Key as YamlScalar)?.Value).OfType<string>().Distinct(StringComparer.Ordinal);

    /// <summary>The raw value node of <paramref name="key"/>, marking the key as known.</summary>
    public YamlNode? Get(string key)
    {
        _used.Add(key);
        return _entries.TryGetValue(key, out var e) ? e.Value : null;
    }

    public YamlNode? KeyNode(string key) => _entries.TryGetValue(key, out var e) ? e.Key : null;

    /// <summary>Where an error about <paramref name="key"/> should point: its value, else the block itself.</summary>
    public YamlNode At(string key) => _entries.TryGetValue(key, out var e) ? e.Value : Node;

    /// <summary>Marks keys as known without reading them (valid upstream fields with no effect here).</summary>
    public void Accept(params string[] keys)
    {
        foreach (var k in keys)
        {
            _used.Add(k);
        }
    }

    public string? String(string key, string goType = "string") => Ctx.String(Get(key), KeyPath(key), goType);

    public bool? Bool(string key) => Ctx.Bool(Get(key), KeyPath(key));

    public long? Int(string key, string goType = "int") => Ctx.Int(Get(key), KeyPath(key), goType);

    public double? Float(string key) => Ctx.Float(Get(key), KeyPath(key));

    public TimeSpan? Duration(string key) => Ctx.Duration(Get(key), KeyPath(key));

    public List<string>? StringList(string key, string goType = "[]string") => Ctx.StringList(Get(key), KeyPath(key), goType);

    public List<(string Key, string Value, YamlNode Node)>? StringMap(string key, string goType = "map[string]string") =>
        Ctx.StringMap(Get(key), KeyPath(key), goType);

    public IEnumerable<(YamlNode Node, string KeyPath)> Items(string key, string goType) => Ctx.Items(Get(key), KeyPath(key), goType);

    /// <summary>A nested struct under <paramref name="key"/>.</summary>
    public YamlMap? Map(string key, string goType = "config.plain") => Open(Ctx, Get(key), KeyPath(key), goType);

    /// <summary>The value of a required key; its absence is an error pointing at this block.</summary>
    public YamlNode Require(string key) =>
        Has(key) ? Get(key)! : throw Ctx.Error(Node, Path.Length == 0 ? "(document)" : Path, $"missing required key '{key}'");

    /// <summary>Reports every key that was never read as unknown, and repeated keys, like go-yaml's strict mode.</summary>
    public void Done()
    {
        foreach (var (name, (keyNode, _)) in _entries)
        {
            if (_known is null && !_used.Contains(name))
            {
                Ctx.TypeError(keyNode, KeyPath(name), Unknown(name));
            }
        }
        foreach (var (name, keyNode) in _repeated)
        {
            Ctx.TypeError(keyNode, KeyPath(name), _used.Contains(name) ? Ctx.DuplicateKey(name, _entries[name].Key, map: false, _goType) : Unknown(name));
        }
    }

    private string Unknown(string name) => Ctx.Dialect == YamlDialect.Own
        ? $"unknown key '{name}'" + (_known is null ? string.Empty : $" (expected one of: {string.Join(", ", _known)})")
        : $"field {name} not found in type {_goType}";
}
