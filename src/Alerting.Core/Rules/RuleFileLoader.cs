using Alerting.Core.Model;
using Alerting.Core.PromQL;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Alerting.Core.Rules;

/// <summary>
/// Loads Prometheus rule files unchanged, with promtool's strictness: unknown keys, bad durations,
/// unparsable PromQL and duplicate names are errors that name file, line, column and key.
/// </summary>
public static class RuleFileLoader
{
    private static readonly HashSet<string> GroupKeys = ["name", "interval", "query_offset", "limit", "rules", "labels"];
    private static readonly HashSet<string> RuleKeys = ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"];

    public static RuleFile Load(string path) => Parse(File.ReadAllText(path), path);

    public static IReadOnlyList<RuleFile> LoadAll(IEnumerable<string> paths) => paths.Select(Load).ToArray();

    public static RuleFile Parse(string yaml, string fileName, TimeSpan? defaultInterval = null)
    {
        var interval = defaultInterval ?? TimeSpan.FromMinutes(1);
        var stream = new YamlStream();
        if (Yaml.YamlDepth.FindTooDeep(yaml) is { } deep)
        {
            throw new RuleFileException(fileName, deep.Line, deep.Column, "yaml", $"exceeded max depth of {Yaml.YamlDepth.Max}");
        }
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new RuleFileException(fileName, (int)e.Start.Line, (int)e.Start.Column, "yaml", e.InnerException?.Message ?? e.Message);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet throws these on a few malformed documents instead of a YamlException.
            throw new RuleFileException(fileName, 0, 0, "yaml", "the file is not valid YAML (check for a key without a name, such as a line that starts with ':')");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return new RuleFile(fileName, []);
        }
        var root = stream.Documents[0].RootNode as YamlMappingNode
            ?? throw Error(fileName, stream.Documents[0].RootNode, "yaml", "rule file must be a mapping with a 'groups' key");
        foreach (var (k, _) in root.Children)
        {
            var key = KeyOf(fileName, k);
            if (key != "groups")
            {
                throw Error(fileName, k, key, $"field {key} not found in type rulefmt.RuleGroups");
            }
        }
        if (!root.Children.TryGetValue(new YamlScalarNode("groups"), out var groupsNode) || groupsNode is not YamlSequenceNode groups)
        {
            return new RuleFile(fileName, []);
        }

        var result = new List<RuleGroup>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in groups.Children)
        {
            if (g is not YamlMappingNode gm)
            {
                throw Error(fileName, g, "groups", "each group must be a mapping");
            }
            CheckKeys(fileName, gm, GroupKeys, "rulefmt.RuleGroup");
            var name = Scalar(gm, "name") ?? throw Error(fileName, gm, "name", "groupname must not be empty");
            if (!names.Add(name))
            {
                throw Error(fileName, gm, "name", $"groupname: \"{name}\" is repeated in the same file");
            }
            var groupInterval = Duration(fileName, gm, "interval") ?? interval;
            var offset = Duration(fileName, gm, "query_offset") ?? TimeSpan.Zero;
            var limitText = Scalar(gm, "limit");
            var limit = limitText is null ? 0 : int.TryParse(limitText, out var l) ? l : throw Error(fileName, Node(gm, "limit")!, "limit", $"cannot unmarshal !!str `{limitText}` into int");
            var rules = new List<Rule>();
            if (Node(gm, "rules") is YamlSequenceNode rs)
            {
                var index = 0;
                foreach (var r in rs.Children)
                {
                    index++;
                    rules.Add(ParseRule(fileName, name, index, r));
                }
            }
            result.Add(new RuleGroup(name, fileName, groupInterval, limit, offset, rules));
        }
        return new RuleFile(fileName, result);
    }

    private static Rule ParseRule(string file, string group, int index, YamlNode node)
    {
        if (node is not YamlMappingNode m)
        {
            throw Error(file, node, "rules", "each rule must be a mapping");
        }
        CheckKeys(file, m, RuleKeys, "rulefmt.Rule");
        var record = Scalar(m, "record");
        var alert = Scalar(m, "alert");
        var exprNode = Node(m, "expr");
        var exprText = Scalar(m, "expr");
        var where = $"group \"{group}\", rule {index}";
        if (record is not null && alert is not null)
        {
            throw Error(file, m, "record", $"{where}: only one of 'record' and 'alert' must be set");
        }
        if (record is null && alert is null)
        {
            throw Error(file, m, "alert", $"{where}: one of 'record' or 'alert' must be set");
        }
        var name = record ?? alert!;
        if (string.IsNullOrWhiteSpace(exprText))
        {
            throw Error(file, m, "expr", $"{where}, \"{name}\": field 'expr' must be set in rule");
        }
        Expr expr;
        try
        {
            expr = PromQlParser.Parse(exprText);
        }
        catch (PromQlParseException e)
        {
            throw Error(file, exprNode!, "expr", $"{where}, \"{name}\": could not parse expression: {e.Message}");
        }
        var labels = Map(file, m, "labels");
        var line = (int)m.Start.Line;
        if (record is not null)
        {
            if (Node(m, "annotations") is not null || Node(m, "for") is not null || Node(m, "keep_firing_for") is not null)
            {
                throw Error(file, m, "record", $"{where}, \"{name}\": invalid field 'annotations', 'for' or 'keep_firing_for' in recording rule");
            }
            if (!IsValidMetricName(record))
            {
                throw Error(file, Node(m, "record")!, "record", $"{where}, \"{name}\": invalid recording rule name: {record}");
            }
            return new RecordingRule(record, exprText, expr, labels, line);
        }
        return new AlertingRule(
            alert!,
            exprText,
            expr,
            Duration(file, m, "for") ?? TimeSpan.Zero,
            Duration(file, m, "keep_firing_for") ?? TimeSpan.Zero,
            labels,
            Map(file, m, "annotations"),
            line);
    }

    public static bool IsValidMetricName(string name) =>
        name.Length > 0
        && (char.IsAsciiLetter(name[0]) || name[0] is '_' or ':')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    /// <summary>A mapping key; a sequence or mapping used as a key is refused in go-yaml's words, as promtool does.</summary>
    private static string KeyOf(string file, YamlNode k) => k switch
    {
        YamlScalarNode s => s.Value ?? string.Empty,
        YamlSequenceNode => throw Error(file, k, "yaml", "cannot unmarshal !!seq into string"),
        _ => throw Error(file, k, "yaml", "cannot unmarshal !!map into string"),
    };

    private static void CheckKeys(string file, YamlMappingNode m, HashSet<string> allowed, string type)
    {
        foreach (var (k, _) in m.Children)
        {
            var key = KeyOf(file, k);
            if (!allowed.Contains(key))
            {
                throw Error(file, k, key, $"field {key} not found in type {type}");
            }
        }
    }

    private static YamlNode? Node(YamlMappingNode m, string key) =>
        m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static string? Scalar(YamlMappingNode m, string key) => Node(m, key) is YamlScalarNode s ? s.Value : null;

    private static TimeSpan? Duration(string file, YamlMappingNode m, string key)
    {
        var node = Node(m, key);
        if (node is not YamlScalarNode { Value: { } text })
        {
            return null;
        }
        return PromDuration.TryParse(text, out var d) ? d : throw Error(file, node, key, $"not a valid duration string: \"{text}\"");
    }

    private static Dictionary<string, string> Map(string file, YamlMappingNode m, string key)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (Node(m, key))
        {
            case null:
                return result;
            case YamlMappingNode map:
                foreach (var (k, v) in map.Children)
                {
                    result[KeyOf(file, k)] = (v as YamlScalarNode)?.Value ?? throw Error(file, v, key, "values must be strings");
                }
                return result;
            case var other:
                throw Error(file, other, key, $"{key} must be a mapping");
        }
    }

    private static RuleFileException Error(string file, YamlNode node, string key, string detail) =>
        new(file, (int)node.Start.Line, (int)node.Start.Column, key, detail);
}
