using Alerting.Core.Model;
using YamlDotNet.RepresentationModel;

namespace Alerting.Core.Escalation;

/// <summary>
/// Reads <c>escalation.yml</c>:
/// <code>
/// policies:
///   - name: critical
///     matchers: ['severity="critical"']     # or match: { severity: critical }
///     steps:
///       - after: 0m
///         notify: [reliability-team]
///       - after: 5m
///         notify: ['oncall:engineer']
///     repeat: { count: 2, interval: 30m }
/// </code>
/// </summary>
public static class EscalationPolicyLoader
{
    public static EscalationPolicySet LoadFile(string path) => Parse(File.ReadAllText(path), path);

    public static EscalationPolicySet Parse(string yaml, string fileName = "escalation.yml")
    {
        var root = YamlNodes.Load(yaml, fileName);
        root.Mapping("policies");
        var policies = new List<EscalationPolicy>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in root.Require("policies").Items())
        {
            p.Mapping("name", "match", "matchers", "steps", "repeat");
            var nameNode = p.Require("name");
            var name = nameNode.NonEmptyString();
            if (!names.Add(name))
            {
                throw nameNode.Error($"duplicate policy name '{name}'");
            }
            var matchers = new List<LabelMatcher>();
            if (p.Get("match") is { } match)
            {
                // Alertmanager's older form: a map of label name to exact value.
                foreach (var (k, _) in match.Mapping(KeysOf(match)).Children)
                {
                    var label = (k as YamlScalarNode)?.Value ?? throw new ConfigException(fileName, (int)k.Start.Line, (int)k.Start.Column, "match", "label names must be strings");
                    var valueNode = match.Get(label);
                    matchers.Add(new LabelMatcher(MatcherType.Equal, label, valueNode?.String() ?? string.Empty));
                }
            }
            matchers.AddRange(p.Get("matchers")?.Items().Select(m => m.Matcher()) ?? []);
            var stepsNode = p.Require("steps");
            var steps = new List<EscalationStep>();
            foreach (var s in stepsNode.Items())
            {
                s.Mapping("after", "notify");
                var afterNode = s.Require("after");
                var after = afterNode.Duration();
                if (steps.Count > 0 && after < steps[^1].After)
                {
                    throw afterNode.Error($"steps must be in time order: {after} comes before the previous step's {steps[^1].After}");
                }
                var notifyNode = s.Require("notify");
                var targets = notifyNode.Items().Select(Target).ToArray();
                if (targets.Length == 0)
                {
                    throw notifyNode.Error("a step must notify at least one target");
                }
                steps.Add(new EscalationStep(after, targets));
            }
            if (steps.Count == 0)
            {
                throw stepsNode.Error("a policy needs at least one step");
            }
            var repeat = EscalationRepeat.None;
            if (p.Get("repeat") is { } r)
            {
                r.Mapping("count", "interval");
                var count = r.Require("count").Int(0);
                var intervalNode = r.Require("interval");
                var interval = intervalNode.Duration();
                if (count > 0 && interval <= TimeSpan.Zero)
                {
                    throw intervalNode.Error("a repeat interval must be greater than zero");
                }
                repeat = new EscalationRepeat(count, interval);
            }
            policies.Add(new EscalationPolicy(name, matchers, steps, repeat));
        }
        return new EscalationPolicySet(policies);
    }

    internal static string[] KeysOf(YamlNodes node) =>
        node.Node is YamlMappingNode m ? m.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? string.Empty).ToArray() : [];

    private static EscalationTarget Target(YamlNodes node)
    {
        var text = node.NonEmptyString().Trim();
        var target = EscalationTarget.Parse(text);
        if (target.Name.Length == 0 || target.Schedule is { Length: 0 })
        {
            throw node.Error($"'{text}' names no on-call role (write oncall:<role> or oncall:<schedule>/<role>)");
        }
        return target;
    }
}
