using System.Globalization;
using Alerting.Core.Model;
using YamlDotNet.RepresentationModel;

namespace Alerting.Core.Scrape.Config;

/// <summary>
/// Small typed accessors over YamlDotNet's node tree that turn every type or value problem into a
/// <see cref="ScrapeConfigException"/> pointing at the node's line and the key path.
/// </summary>
internal sealed class YamlReader(string file)
{
    public string File { get; } = file;

    public ScrapeConfigException Error(YamlNode node, string path, string reason) =>
        new(File, (int)node.Start.Line, (int)node.Start.Column, path, reason);

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode s && s.Style == YamlDotNet.Core.ScalarStyle.Plain && s.Value is null or "" or "~" or "null" or "Null" or "NULL";

    /// <summary>Each key of a mapping with its path; a null node is an empty mapping.</summary>
    public IEnumerable<(string Key, YamlNode Value, string Path)> Entries(YamlNode node, string path)
    {
        if (IsNull(node))
        {
            yield break;
        }
        if (node is not YamlMappingNode map)
        {
            throw Error(node, path, "expected a mapping");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            if (k is not YamlScalarNode { Value: { } key })
            {
                throw Error(k, path, "expected a string key");
            }
            var childPath = path.Length == 0 ? key : path + "." + key;
            if (!seen.Add(key))
            {
                throw Error(k, childPath, $"key \"{key}\" already set in map");
            }
            yield return (key, v, childPath);
        }
    }

    public IEnumerable<(YamlNode Item, string Path)> Items(YamlNode node, string path)
    {
        if (IsNull(node))
        {
            yield break;
        }
        if (node is not YamlSequenceNode seq)
        {
            throw Error(node, path, "expected a list");
        }
        var i = 0;
        foreach (var item in seq.Children)
        {
            yield return (item, $"{path}[{i++}]");
        }
    }

    public string String(YamlNode node, string path)
    {
        if (node is YamlScalarNode s)
        {
            return IsNull(node) ? string.Empty : s.Value ?? string.Empty;
        }
        throw Error(node, path, "expected a string");
    }

    public bool Bool(YamlNode node, string path)
    {
        var s = String(node, path);
        return s.ToLowerInvariant() switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw Error(node, path, $"cannot parse \"{s}\" as a boolean"),
        };
    }

    public long Int(YamlNode node, string path, long min = long.MinValue)
    {
        var s = String(node, path);
        if (!long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
        {
            throw Error(node, path, $"cannot parse \"{s}\" as an integer");
        }
        if (v < min)
        {
            throw Error(node, path, $"must be at least {min}");
        }
        return v;
    }

    public double Double(YamlNode node, string path)
    {
        var s = String(node, path);
        return Exposition.ExpositionLineParser.ParseFloat(s) ?? throw Error(node, path, $"cannot parse \"{s}\" as a number");
    }

    public TimeSpan Duration(YamlNode node, string path)
    {
        var s = String(node, path);
        return PromDuration.TryParse(s, out var d) ? d : throw Error(node, path, s.Length == 0 ? "empty duration string" : $"not a valid duration string: \"{s}\"");
    }

    public IReadOnlyList<string> StringList(YamlNode node, string path)
    {
        if (node is YamlScalarNode && !IsNull(node))
        {
            throw Error(node, path, "expected a list of strings");
        }
        return Items(node, path).Select(x => String(x.Item, x.Path)).ToArray();
    }

    public IReadOnlyDictionary<string, string> StringMap(YamlNode node, string path) =>
        Entries(node, path).ToDictionary(e => e.Key, e => String(e.Value, e.Path), StringComparer.Ordinal);

    /// <summary>A label set as Prometheus validates it: legal names, UTF-8 values.</summary>
    public Labels LabelSet(YamlNode node, string path)
    {
        var list = new List<Label>();
        foreach (var (key, value, childPath) in Entries(node, path))
        {
            if (!PromNames.IsValidLabelName(key))
            {
                throw Error(value, childPath, $"\"{key}\" is not a valid label name");
            }
            list.Add(new Label(key, String(value, childPath)));
        }
        return Labels.From(list);
    }
}
