using Alerting.Core.Alertmanager;
using Alerting.Core.Config;
using Alerting.Core.Model;

namespace Alerting.Core.Escalation;

/// <summary>
/// Reads <c>escalation.yml</c> into <see cref="EscalationPolicySet"/> with the shared strict reader
/// (unknown or repeated keys are errors: a typo like <c>notfy</c> must not silently drop a page):
/// <code>
/// policies:
///   - name: critical
///     matchers: ['severity="critical"']     # Alertmanager matchers, or match: { severity: critical }
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
        var (ctx, rootNode) = YamlContext.Load(yaml, fileName, YamlDialect.Own);
        var root = YamlMap.Open(ctx, rootNode, string.Empty)?.Known("policies")
            ?? throw ctx.Error(rootNode, "(document)", "the file is empty");
        var policies = new List<EscalationPolicy>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (node, path) in ctx.Items(root.Require("policies"), "policies", "[]policy"))
        {
            var p = YamlMap.Open(ctx, node, path)?.Known("name", "match", "matchers", "steps", "repeat")
                ?? throw ctx.Error(node, path, "expected a mapping");
            var nameNode = p.Require("name");
            var name = NonEmpty(p, "name");
            if (!names.Add(name))
            {
                throw ctx.Error(nameNode, p.KeyPath("name"), $"duplicate policy name '{name}'");
            }
            // Alertmanager's older form: a map of label name to exact value.
            var matchers = (p.StringMap("match") ?? []).Select(m => new LabelMatcher(MatcherType.Equal, m.Key, m.Value)).ToList();
            foreach (var (m, mp) in p.Items("matchers", "[]string"))
            {
                var text = ctx.String(m, mp) ?? string.Empty;
                try
                {
                    matchers.AddRange(MatcherParser.ParseList(text));
                }
                catch (MatcherParseException e)
                {
                    throw ctx.Error(m, mp, e.Message);
                }
            }
            var stepsNode = p.Require("steps");
            var steps = new List<EscalationStep>();
            foreach (var (sn, sp) in ctx.Items(stepsNode, p.KeyPath("steps"), "[]step"))
            {
                var s = YamlMap.Open(ctx, sn, sp)?.Known("after", "notify") ?? throw ctx.Error(sn, sp, "expected a mapping");
                s.Require("after");
                var after = s.Duration("after")!.Value;
                if (steps.Count > 0 && after < steps[^1].After)
                {
                    throw ctx.Error(s.At("after"), s.KeyPath("after"), $"steps must be in time order: {PromDuration.Format(after)} comes before the previous step's {PromDuration.Format(steps[^1].After)}");
                }
                var notifyNode = s.Require("notify");
                var targets = ctx.Items(notifyNode, s.KeyPath("notify"), "[]string").Select(t => Target(ctx, t.Node, t.KeyPath)).ToArray();
                if (targets.Length == 0)
                {
                    throw ctx.Error(notifyNode, s.KeyPath("notify"), "a step must notify at least one target");
                }
                steps.Add(new EscalationStep(after, targets));
            }
            if (steps.Count == 0)
            {
                throw ctx.Error(stepsNode, p.KeyPath("steps"), "a policy needs at least one step");
            }
            var repeat = EscalationRepeat.None;
            if (p.Map("repeat")?.Known("count", "interval") is { } r)
            {
                r.Require("count");
                var count = r.Int("count")!.Value;
                if (count < 0)
                {
                    throw ctx.Error(r.At("count"), r.KeyPath("count"), "expected a whole number >= 0");
                }
                r.Require("interval");
                var interval = r.Duration("interval")!.Value;
                if (count > 0 && interval <= TimeSpan.Zero)
                {
                    throw ctx.Error(r.At("interval"), r.KeyPath("interval"), "a repeat interval must be greater than zero");
                }
                repeat = new EscalationRepeat((int)count, interval);
            }
            policies.Add(new EscalationPolicy(name, matchers, steps, repeat));
        }
        return new EscalationPolicySet(policies);
    }

    /// <summary>A required string that is more than white space.</summary>
    internal static string NonEmpty(YamlMap m, string key)
    {
        m.Require(key);
        var s = m.String(key) ?? string.Empty;
        return s.Trim().Length == 0 ? throw m.Ctx.Error(m.At(key), m.KeyPath(key), "must not be empty") : s;
    }

    private static EscalationTarget Target(YamlContext ctx, YamlNode node, string path)
    {
        var text = (ctx.String(node, path) ?? string.Empty).Trim();
        if (text.Length == 0)
        {
            throw ctx.Error(node, path, "must not be empty");
        }
        var target = EscalationTarget.Parse(text);
        if (target.Name.Length == 0 || target.Schedule is { Length: 0 })
        {
            throw ctx.Error(node, path, $"'{text}' names no on-call role (write oncall:<role> or oncall:<schedule>/<role>)");
        }
        return target;
    }
}
