using System.Globalization;
using Alerting.Core.Model;
using Alerting.Core.PromQL;
using Alerting.Core.Templating;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

using Alerting.Core.Rules;

namespace Alerting.Tooling.Rules;

/// <summary>The outcome of reading one rule file the way promtool does: every error it would print, or the rules.</summary>
public sealed record RuleFileCheck(string File, RuleFile? Rules, IReadOnlyList<string> Errors)
{
    public bool Ok => Errors.Count == 0 && Rules is not null;

    public int RuleCount => Rules?.Groups.Sum(g => g.Rules.Count) ?? 0;
}

/// <summary>
/// Prometheus' rulefmt.ParseFile as promtool reports it: a strict YAML decode (unknown fields and type
/// errors listed together, a bad duration aborting the decode), then Validate, which reports every
/// rule problem (not just the first) with the YAML position of the offending node and parses each
/// alerting rule's label and annotation templates. Only a file with no errors is handed to
/// <see cref="RuleFileLoader"/> to build the rule model.
/// </summary>
public static class RuleFileValidator
{
    private static readonly HashSet<string> GroupKeys = ["name", "interval", "query_offset", "limit", "rules", "labels"];
    private static readonly HashSet<string> RuleKeys = ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"];
    private const string TemplateDefs = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

    public static RuleFileCheck Check(string path, TimeSpan? defaultInterval = null) =>
        CheckText(File.ReadAllText(path), path, defaultInterval);

    public static RuleFileCheck CheckText(string yaml, string fileName, TimeSpan? defaultInterval = null)
    {
        var errors = Validate(yaml).Select(e => fileName + ": " + e).ToList();
        if (errors.Count > 0)
        {
            return new RuleFileCheck(fileName, null, errors);
        }
        try
        {
            return new RuleFileCheck(fileName, RuleFileLoader.Parse(WithEmptyMapsForNulls(yaml), fileName, defaultInterval), []);
        }
        catch (RuleFileException e)
        {
            // The loader is stricter than Prometheus on something we did not anticipate; report its words.
            return new RuleFileCheck(fileName, null, [e.Message]);
        }
    }

    /// <summary>
    /// Prometheus reads a bare <c>labels:</c> or <c>annotations:</c> (YAML null) as an empty map, while
    /// RuleFileLoader rejects it; spell such keys <c>{}</c> on their own line so line numbers are kept.
    /// </summary>
    private static string WithEmptyMapsForNulls(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root
            || Child(root, "groups") is not YamlSequenceNode groups)
        {
            return yaml;
        }
        var nullKeys = new List<YamlNode>();
        foreach (var g in groups.Children.OfType<YamlMappingNode>())
        {
            if (Child(g, "labels") is { } gl && IsNull(gl))
            {
                nullKeys.Add(g.Children.Keys.First(k => KeyText(k) == "labels"));
            }
            if (Child(g, "rules") is not YamlSequenceNode rules)
            {
                continue;
            }
            foreach (var r in rules.Children.OfType<YamlMappingNode>())
            {
                nullKeys.AddRange(r.Children.Where(kv => KeyText(kv.Key) is "labels" or "annotations" && IsNull(kv.Value)).Select(kv => kv.Key));
            }
        }
        if (nullKeys.Count == 0)
        {
            return yaml;
        }
        var lines = yaml.Split('\n');
        foreach (var key in nullKeys)
        {
            var i = (int)key.Start.Line - 1;
            var col = (int)key.Start.Column - 1;
            var name = KeyText(key);
            if (i < lines.Length && col + name.Length <= lines[i].Length && lines[i].AsSpan(col).StartsWith(name + ":", StringComparison.Ordinal))
            {
                lines[i] = lines[i][..col] + name + ": {}";
            }
        }
        return string.Join('\n', lines);
    }

    /// <summary>The errors rulefmt.Parse returns for this text, without the file name prefix.</summary>
    public static IReadOnlyList<string> Validate(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            // rulefmt decodes twice (strict into the types, loose into nodes) so syntax errors appear twice.
            var msg = $"yaml: line {Math.Max(1, e.Start.Line - 1)}: {YamlProblem(e.InnerException?.Message ?? e.Message)}";
            return [msg, msg];
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return [];
        }
        var root = stream.Documents[0].RootNode;
        if (root is not YamlMappingNode rootMap)
        {
            var kind = Tag(root);
            return [
                $"yaml: unmarshal errors:\n  line {root.Start.Line}: cannot unmarshal {kind} into rulefmt.RuleGroups",
                $"yaml: unmarshal errors:\n  line {root.Start.Line}: cannot unmarshal {kind} into rulefmt.ruleGroups",
            ];
        }

        var decode = new List<string>();
        try
        {
            Decode(rootMap, decode);
        }
        catch (AbortDecodeException e)
        {
            return [e.Message];
        }
        if (decode.Count > 0)
        {
            return ["yaml: unmarshal errors:\n" + string.Join("\n", decode.Select(d => "  " + d))];
        }
        return ValidateGroups(rootMap);
    }

    /// <summary>
    /// libyaml (and so go-yaml) reports only the problem ("did not find expected '-' indicator");
    /// YamlDotNet prefixes its context ("While parsing a block collection, ") and ends with a period.
    /// </summary>
    internal static string YamlProblem(string message)
    {
        var s = message;
        var nl = s.IndexOf('\n', StringComparison.Ordinal);
        s = nl < 0 ? s : s[..nl];
        if (s.StartsWith("While ", StringComparison.Ordinal) && s.IndexOf(", ", StringComparison.Ordinal) is var comma and > 0)
        {
            s = s[(comma + 2)..];
        }
        return s.TrimEnd('.');
    }

    private static string Tag(YamlNode n) => n switch
    {
        YamlSequenceNode => "!!seq",
        YamlMappingNode => "!!map",
        YamlScalarNode s when long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) => "!!int",
        YamlScalarNode s when double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) => "!!float",
        YamlScalarNode { Value: "true" or "false" } => "!!bool",
        _ => "!!str",
    };

    private sealed class AbortDecodeException(string message) : Exception(message);

    /// <summary>yaml.v3's strict decode into rulefmt.RuleGroups: collects type errors, aborts on a bad duration.</summary>
    private static void Decode(YamlMappingNode root, List<string> errors)
    {
        foreach (var (k, v) in root.Children)
        {
            var key = KeyText(k);
            if (key != "groups")
            {
                errors.Add($"line {k.Start.Line}: field {key} not found in type rulefmt.RuleGroups");
                continue;
            }
            if (IsNull(v))
            {
                continue;
            }
            if (v is not YamlSequenceNode groups)
            {
                errors.Add($"line {v.Start.Line}: cannot unmarshal {Tag(v)} into []rulefmt.RuleGroup");
                continue;
            }
            foreach (var g in groups.Children)
            {
                if (g is not YamlMappingNode gm)
                {
                    errors.Add($"line {g.Start.Line}: cannot unmarshal {Tag(g)} into rulefmt.RuleGroup");
                    continue;
                }
                DecodeGroup(gm, errors);
            }
        }
    }

    private static void DecodeGroup(YamlMappingNode gm, List<string> errors)
    {
        foreach (var (k, v) in gm.Children)
        {
            var key = KeyText(k);
            if (!GroupKeys.Contains(key))
            {
                errors.Add($"line {k.Start.Line}: field {key} not found in type rulefmt.RuleGroup");
                continue;
            }
            switch (key)
            {
                case "interval" or "query_offset":
                    DecodeDuration(v);
                    break;
                case "limit":
                    if (v is YamlScalarNode ls && !IsNull(v) && !int.TryParse(ls.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                    {
                        errors.Add($"line {v.Start.Line}: cannot unmarshal {Tag(v)} `{ls.Value}` into int");
                    }
                    break;
                case "labels":
                    DecodeStringMap(v, errors);
                    break;
                case "rules":
                    if (v is YamlSequenceNode rules)
                    {
                        foreach (var r in rules.Children)
                        {
                            if (r is YamlMappingNode rm)
                            {
                                DecodeRule(rm, errors);
                            }
                            else
                            {
                                errors.Add($"line {r.Start.Line}: cannot unmarshal {Tag(r)} into rulefmt.RuleNode");
                            }
                        }
                    }
                    else if (!IsNull(v))
                    {
                        errors.Add($"line {v.Start.Line}: cannot unmarshal {Tag(v)} into []rulefmt.RuleNode");
                    }
                    break;
            }
        }
    }

    private static void DecodeRule(YamlMappingNode rm, List<string> errors)
    {
        foreach (var (k, v) in rm.Children)
        {
            var key = KeyText(k);
            if (!RuleKeys.Contains(key))
            {
                errors.Add($"line {k.Start.Line}: field {key} not found in type rulefmt.RuleNode");
                continue;
            }
            switch (key)
            {
                case "for" or "keep_firing_for":
                    DecodeDuration(v);
                    break;
                case "labels" or "annotations":
                    DecodeStringMap(v, errors);
                    break;
            }
        }
    }

    private static void DecodeDuration(YamlNode v)
    {
        if (v is YamlScalarNode { Value: { Length: > 0 } text })
        {
            try
            {
                PrometheusRuleTemplates.ParseDuration(text);
            }
            catch (InvalidOperationException e)
            {
                throw new AbortDecodeException(e.Message);
            }
        }
    }

    private static void DecodeStringMap(YamlNode v, List<string> errors)
    {
        if (IsNull(v))
        {
            return;
        }
        if (v is not YamlMappingNode m)
        {
            errors.Add($"line {v.Start.Line}: cannot unmarshal {Tag(v)} into map[string]string");
            return;
        }
        foreach (var (_, value) in m.Children)
        {
            if (value is not YamlScalarNode)
            {
                errors.Add($"line {value.Start.Line}: cannot unmarshal {Tag(value)} into string");
            }
        }
    }

    private static List<string> ValidateGroups(YamlMappingNode root)
    {
        var errors = new List<string>();
        if (Child(root, "groups") is not YamlSequenceNode groups)
        {
            return errors;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in groups.Children.OfType<YamlMappingNode>())
        {
            var name = Text(Child(g, "name"));
            if (name.Length == 0)
            {
                errors.Add($"{Pos(g)}: Groupname must not be empty");
            }
            if (!names.Add(name))
            {
                errors.Add($"{Pos(g)}: groupname: \"{name}\" is repeated in the same file");
            }
            if (Child(g, "rules") is not YamlSequenceNode rules)
            {
                continue;
            }
            var index = 0;
            foreach (var r in rules.Children.OfType<YamlMappingNode>())
            {
                index++;
                var alert = Text(Child(r, "alert"));
                var ruleName = alert.Length > 0 ? alert : Text(Child(r, "record"));
                foreach (var problem in ValidateRule(r))
                {
                    errors.Add($"{problem.Position}group \"{name}\", rule {index}, \"{ruleName}\": {problem.Message}");
                }
            }
        }
        return errors;
    }

    private readonly record struct Problem(string Position, string Message);

    private static List<Problem> ValidateRule(YamlMappingNode r)
    {
        var problems = new List<Problem>();
        var recordNode = Child(r, "record");
        var alertNode = Child(r, "alert");
        var exprNode = Child(r, "expr");
        var record = Text(recordNode);
        var alert = Text(alertNode);
        var expr = Text(exprNode);
        if (record.Length > 0 && alert.Length > 0)
        {
            problems.Add(new($"{Pos(recordNode)}: {Pos(alertNode)}: ", "only one of 'record' and 'alert' must be set"));
        }
        if (record.Length == 0 && alert.Length == 0)
        {
            problems.Add(new($"{Pos(recordNode)}: ", "one of 'record' or 'alert' must be set"));
        }
        if (expr.Length == 0)
        {
            problems.Add(new($"{Pos(exprNode)}: ", "field 'expr' must be set in rule"));
        }
        else
        {
            try
            {
                PromQlParser.Parse(expr);
            }
            catch (PromQlParseException e)
            {
                problems.Add(new($"{Pos(exprNode)}: ", "could not parse expression: " + e.Message));
            }
        }
        var labels = StringMap(Child(r, "labels"));
        var annotations = StringMap(Child(r, "annotations"));
        if (record.Length > 0)
        {
            if (annotations.Count > 0)
            {
                problems.Add(new($"{Pos(recordNode)}: ", "invalid field 'annotations' in recording rule"));
            }
            if (NonZeroDuration(Child(r, "for")))
            {
                problems.Add(new($"{Pos(recordNode)}: ", "invalid field 'for' in recording rule"));
            }
            if (NonZeroDuration(Child(r, "keep_firing_for")))
            {
                problems.Add(new($"{Pos(recordNode)}: ", "invalid field 'keep_firing_for' in recording rule"));
            }
            if (!RuleFileLoader.IsValidMetricName(record))
            {
                problems.Add(new($"{Pos(recordNode)}: ", "invalid recording rule name: " + record));
            }
        }
        // Prometheus ranges over Go maps here, so its order is random; sorting keeps ours stable.
        foreach (var (k, v) in labels.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!IsValidLabelName(k) || k == Labels.MetricName)
            {
                problems.Add(new("", "invalid label name: " + k));
            }
            _ = v;
        }
        foreach (var k in annotations.Keys.Order(StringComparer.Ordinal))
        {
            if (!IsValidLabelName(k))
            {
                problems.Add(new("", "invalid annotation name: " + k));
            }
        }
        if (alert.Length > 0)
        {
            foreach (var (k, v) in labels.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (TemplateError(alert, v) is { } err)
                {
                    problems.Add(new("", $"label \"{k}\": {err}"));
                }
            }
            foreach (var (k, v) in annotations.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (TemplateError(alert, v) is { } err)
                {
                    problems.Add(new("", $"annotation \"{k}\": {err}"));
                }
            }
        }
        return problems;
    }

    /// <summary>Parses (does not execute) a template the way rulefmt's testTemplateParsing does.</summary>
    public static string? TemplateError(string alertName, string text)
    {
        try
        {
            var set = TemplateSet.Create(PrometheusRuleTemplates.Functions(""), MissingKeyMode.Zero);
            set.AddFile("__alert_" + alertName, TemplateDefs + text);
            return null;
        }
        catch (TemplateParseException e)
        {
            return e.Message;
        }
    }

    public static bool IsValidLabelName(string name) =>
        name.Length > 0
        && (char.IsAsciiLetter(name[0]) || name[0] == '_')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static bool NonZeroDuration(YamlNode? n) =>
        n is YamlScalarNode { Value: { Length: > 0 } t } && PrometheusRuleTemplates.ParseDuration(t) != TimeSpan.Zero;

    private static Dictionary<string, string> StringMap(YamlNode? n)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (n is YamlMappingNode m)
        {
            foreach (var (k, v) in m.Children)
            {
                result[KeyText(k)] = Text(v);
            }
        }
        return result;
    }

    /// <summary>A node's position as yaml.v3 gives it; a missing node is Go's zero yaml.Node, hence 0:0.</summary>
    private static string Pos(YamlNode? n) =>
        n is null ? "0:0" : string.Create(CultureInfo.InvariantCulture, $"{n.Start.Line}:{n.Start.Column}");

    private static YamlNode? Child(YamlMappingNode m, string key) =>
        m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static string Text(YamlNode? n) => n is YamlScalarNode s && !IsNull(s) ? s.Value ?? "" : "";

    private static string KeyText(YamlNode k) => (k as YamlScalarNode)?.Value ?? k.ToString();

    private static bool IsNull(YamlNode n) =>
        n is YamlScalarNode { Style: not (ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted) } s
        && (s.Value is null or "" or "~" or "null" or "Null" or "NULL");
}
