using System.Globalization;
using Alerting.Core.Config;
using Alerting.Core.Model;
using Alerting.Core.PromQL;
using Alerting.Core.Templating;

namespace Alerting.Core.Rules;

/// <summary>The outcome of reading one rule file: every error promtool would print, or the rules.</summary>
public sealed record RuleFileCheck(string File, RuleFile? Rules, IReadOnlyList<ConfigError> Problems)
{
    public bool Ok => Problems.Count == 0 && Rules is not null;

    public int RuleCount => Rules?.Groups.Sum(g => g.Rules.Count) ?? 0;

    /// <summary>The problems as <c>promtool check rules</c> prints them: <c>FILE: message</c>.</summary>
    public IReadOnlyList<string> Errors => Problems.Select(p => p.File + ": " + p.Message).ToArray();
}

/// <summary>
/// Loads Prometheus rule files as Prometheus' rulefmt.ParseFile does, for the app and for
/// <c>alerting check rules</c> alike: a strict yaml.v3 decode (unknown fields, type errors and repeated
/// keys listed together; a bad duration aborting), then Validate, which reports every rule problem (not
/// just the first) at the YAML position of the offending node, parsing each expression and each alerting
/// rule's label and annotation templates. Only a file with no problems yields rules.
/// </summary>
public static class RuleFileLoader
{
    public static readonly IReadOnlySet<string> GroupKeys = new HashSet<string>(StringComparer.Ordinal) { "name", "interval", "query_offset", "limit", "rules", "labels" };

    public static readonly IReadOnlySet<string> RuleKeys = new HashSet<string>(StringComparer.Ordinal) { "record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations" };

    private const string TemplateDefs = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

    /// <summary>The rules of a file that loads; a <see cref="ConfigException"/> with the first problem otherwise.</summary>
    public static RuleFile Load(string path) => Parse(File.ReadAllText(path), path);

    public static RuleFile Parse(string yaml, string fileName, TimeSpan? defaultInterval = null)
    {
        var check = CheckText(yaml, fileName, defaultInterval);
        return check.Ok ? check.Rules! : throw new ConfigException(check.Problems[0]);
    }

    public static RuleFileCheck Check(string path, TimeSpan? defaultInterval = null) =>
        CheckText(File.ReadAllText(path), path, defaultInterval);

    public static RuleFileCheck CheckText(string yaml, string fileName, TimeSpan? defaultInterval = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var problems = new List<ConfigError>();
        YamlNode? root;
        try
        {
            root = YamlLoader.Load(yaml, fileName, YamlDialect.GoYamlV3);
        }
        catch (ConfigException e)
        {
            // rulefmt decodes twice (strict into the types, loose into nodes), so a syntax error appears twice.
            return new RuleFileCheck(fileName, null, [e.Error, e.Error]);
        }
        if (root is null || YamlScalars.IsNull(root))
        {
            return new RuleFileCheck(fileName, new RuleFile(fileName, []), []);
        }
        if (root is not YamlMapping rootMap)
        {
            var kind = YamlScalars.ResolvedTag(root);
            return new RuleFileCheck(fileName, null, [
                new ConfigError(fileName, root.Start.Line, root.Start.Column, string.Empty, $"yaml: unmarshal errors:\n  line {root.Start.Line}: cannot unmarshal {kind} into rulefmt.RuleGroups"),
                new ConfigError(fileName, root.Start.Line, root.Start.Column, string.Empty, $"yaml: unmarshal errors:\n  line {root.Start.Line}: cannot unmarshal {kind} into rulefmt.ruleGroups"),
            ]);
        }
        var ctx = new YamlContext(fileName, YamlDialect.GoYamlV3);
        List<RuleGroup> groups;
        try
        {
            groups = Decode(ctx, rootMap, defaultInterval ?? TimeSpan.FromMinutes(1));
            ctx.ThrowIfTypeErrors();
        }
        catch (ConfigException e)
        {
            return new RuleFileCheck(fileName, null, [e.Error]);
        }
        problems.AddRange(Validate(ctx, rootMap));
        return problems.Count > 0 ? new RuleFileCheck(fileName, null, problems) : new RuleFileCheck(fileName, new RuleFile(fileName, groups), []);
    }

    /// <summary>yaml.v3's strict decode into rulefmt.RuleGroups, building the groups as it goes.</summary>
    private static List<RuleGroup> Decode(YamlContext ctx, YamlMapping rootMap, TimeSpan defaultInterval)
    {
        var root = YamlMap.Open(ctx, rootMap, string.Empty, "rulefmt.RuleGroups")!;
        var groups = new List<RuleGroup>();
        foreach (var (g, gp) in root.Items("groups", "[]rulefmt.RuleGroup"))
        {
            var gm = YamlMap.Open(ctx, g, gp, "rulefmt.RuleGroup");
            if (gm is null)
            {
                continue;
            }
            var name = gm.String("name") ?? string.Empty;
            var interval = gm.Duration("interval");
            var offset = gm.Duration("query_offset");
            var limit = gm.Int("limit");
            gm.StringMap("labels");
            var rules = new List<Rule>();
            var index = 0;
            foreach (var (r, rp) in gm.Items("rules", "[]rulefmt.RuleNode"))
            {
                index++;
                var rm = YamlMap.Open(ctx, r, rp, "rulefmt.RuleNode");
                if (rm is null)
                {
                    continue;
                }
                if (DecodeRule(rm) is { } rule)
                {
                    rules.Add(rule);
                }
            }
            gm.Done();
            groups.Add(new RuleGroup(name, ctx.File, interval is { } i && i != TimeSpan.Zero ? i : defaultInterval, (int)(limit ?? 0), offset ?? TimeSpan.Zero, rules));
        }
        root.Done();
        return groups;
    }

    private static Rule? DecodeRule(YamlMap rm)
    {
        var record = rm.String("record");
        var alert = rm.String("alert");
        var exprText = rm.String("expr") ?? string.Empty;
        var forDuration = rm.Duration("for") ?? TimeSpan.Zero;
        var keepFiring = rm.Duration("keep_firing_for") ?? TimeSpan.Zero;
        var labels = Map(rm.StringMap("labels"));
        var annotations = Map(rm.StringMap("annotations"));
        rm.Done();
        Expr expr;
        try
        {
            expr = PromQlParser.Parse(exprText);
        }
        catch (PromQlParseException)
        {
            return null; // reported by Validate
        }
        var line = rm.Node.Start.Line;
        return !string.IsNullOrEmpty(record)
            ? new RecordingRule(record, exprText, expr, labels, line)
            : new AlertingRule(alert ?? string.Empty, exprText, expr, forDuration, keepFiring, labels, annotations, line);

        static Dictionary<string, string> Map(List<(string Key, string Value, YamlNode Node)>? entries) =>
            (entries ?? []).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
    }

    /// <summary>rulefmt's RuleGroups.Validate: every problem, each at its node's line:column.</summary>
    private static List<ConfigError> Validate(YamlContext ctx, YamlMapping root)
    {
        var errors = new List<ConfigError>();
        if (root.Get("groups") is not YamlSequence groups)
        {
            return errors;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        var gi = 0;
        foreach (var g in groups.Children)
        {
            var gp = $"groups[{gi++}]";
            if (g is not YamlMapping gm)
            {
                continue;
            }
            var name = Text(gm.Get("name"));
            if (name.Length == 0)
            {
                errors.Add(Problem(ctx, gm, gp + ".name", $"{Pos(gm)}: Groupname must not be empty"));
            }
            if (!names.Add(name))
            {
                errors.Add(Problem(ctx, gm, gp + ".name", $"{Pos(gm)}: groupname: \"{name}\" is repeated in the same file"));
            }
            if (gm.Get("rules") is not YamlSequence rules)
            {
                continue;
            }
            var index = 0;
            foreach (var r in rules.Children)
            {
                if (r is not YamlMapping rm)
                {
                    continue;
                }
                index++;
                var alert = Text(rm.Get("alert"));
                var ruleName = alert.Length > 0 ? alert : Text(rm.Get("record"));
                foreach (var (at, key, position, message) in ValidateRule(rm))
                {
                    errors.Add(Problem(ctx, at ?? rm, $"{gp}.rules[{index - 1}].{key}", $"{position}group \"{name}\", rule {index}, \"{ruleName}\": {message}"));
                }
            }
        }
        return errors;
    }

    private static ConfigError Problem(YamlContext ctx, YamlNode at, string keyPath, string message) =>
        new(ctx.File, at.Start.Line, at.Start.Column, keyPath, message);

    private static List<(YamlNode? At, string Key, string Position, string Message)> ValidateRule(YamlMapping r)
    {
        var problems = new List<(YamlNode?, string, string, string)>();
        var recordNode = r.Get("record");
        var alertNode = r.Get("alert");
        var exprNode = r.Get("expr");
        var record = Text(recordNode);
        var alert = Text(alertNode);
        var expr = Text(exprNode);
        if (record.Length > 0 && alert.Length > 0)
        {
            problems.Add((recordNode, "record", $"{Pos(recordNode)}: {Pos(alertNode)}: ", "only one of 'record' and 'alert' must be set"));
        }
        if (record.Length == 0 && alert.Length == 0)
        {
            problems.Add((recordNode, "alert", $"{Pos(recordNode)}: ", "one of 'record' or 'alert' must be set"));
        }
        if (expr.Length == 0)
        {
            problems.Add((exprNode, "expr", $"{Pos(exprNode)}: ", "field 'expr' must be set in rule"));
        }
        else
        {
            try
            {
                PromQlParser.Parse(expr);
            }
            catch (PromQlParseException e)
            {
                problems.Add((exprNode, "expr", $"{Pos(exprNode)}: ", "could not parse expression: " + e.Message));
            }
        }
        var labels = StringMap(r.Get("labels"));
        var annotations = StringMap(r.Get("annotations"));
        if (record.Length > 0)
        {
            if (annotations.Count > 0)
            {
                problems.Add((recordNode, "annotations", $"{Pos(recordNode)}: ", "invalid field 'annotations' in recording rule"));
            }
            if (NonZeroDuration(r.Get("for")))
            {
                problems.Add((recordNode, "for", $"{Pos(recordNode)}: ", "invalid field 'for' in recording rule"));
            }
            if (NonZeroDuration(r.Get("keep_firing_for")))
            {
                problems.Add((recordNode, "keep_firing_for", $"{Pos(recordNode)}: ", "invalid field 'keep_firing_for' in recording rule"));
            }
            if (!IsValidMetricName(record))
            {
                problems.Add((recordNode, "record", $"{Pos(recordNode)}: ", "invalid recording rule name: " + record));
            }
        }
        // Prometheus ranges over Go maps here, so its order is random; sorting keeps ours stable.
        foreach (var k in labels.Keys.Order(StringComparer.Ordinal))
        {
            if (!PromNames.IsValidLabelName(k) || k == Labels.MetricName)
            {
                problems.Add((r.Get("labels"), "labels", "", "invalid label name: " + k));
            }
        }
        foreach (var k in annotations.Keys.Order(StringComparer.Ordinal))
        {
            if (!PromNames.IsValidLabelName(k))
            {
                problems.Add((r.Get("annotations"), "annotations", "", "invalid annotation name: " + k));
            }
        }
        if (alert.Length > 0)
        {
            foreach (var (k, v) in labels.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (TemplateError(alert, v) is { } err)
                {
                    problems.Add((r.Get("labels"), "labels." + k, "", $"label \"{k}\": {err}"));
                }
            }
            foreach (var (k, v) in annotations.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (TemplateError(alert, v) is { } err)
                {
                    problems.Add((r.Get("annotations"), "annotations." + k, "", $"annotation \"{k}\": {err}"));
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

    public static bool IsValidMetricName(string name) =>
        name.Length > 0
        && (char.IsAsciiLetter(name[0]) || name[0] is '_' or ':')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    private static bool NonZeroDuration(YamlNode? n) =>
        n is YamlScalar { Value.Length: > 0 } s && PromDuration.TryParse(s.Value, out var d) && d != TimeSpan.Zero;

    private static Dictionary<string, string> StringMap(YamlNode? n)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (n is YamlMapping m)
        {
            foreach (var (k, v) in m.Children)
            {
                result[Text(k)] = Text(v);
            }
        }
        return result;
    }

    /// <summary>A node's position as yaml.v3 gives it; a missing node is Go's zero yaml.Node, hence 0:0.</summary>
    private static string Pos(YamlNode? n) =>
        n is null ? "0:0" : string.Create(CultureInfo.InvariantCulture, $"{n.Start.Line}:{n.Start.Column}");

    private static string Text(YamlNode? n) => n is YamlScalar s && !YamlScalars.IsNull(s) ? s.Value : "";
}
