using Alerting.Core.Config;

using Alerting.Core.Rules;

using Alerting.Core.PromQL;

namespace Alerting.Tooling.Rules;

/// <summary>A <c>promtool test rules</c> file: rule files under test and groups of test cases.</summary>
public sealed record UnitTestFile(
    IReadOnlyList<string> RuleFiles,
    TimeSpan EvaluationInterval,
    IReadOnlyList<string> GroupEvalOrder,
    IReadOnlyList<UnitTestGroup> Tests);

public sealed record UnitTestGroup(
    string Name,
    TimeSpan Interval,
    IReadOnlyList<InputSeries> InputSeries,
    IReadOnlyList<AlertTestCase> AlertRuleTests,
    IReadOnlyList<PromQlTestCase> PromQlExprTests,
    IReadOnlyDictionary<string, string> ExternalLabels,
    string ExternalUrl);

/// <summary>One <c>input_series</c> entry: a series description and its values in test notation (<c>0+10x5 _ stale</c>).</summary>
public sealed record InputSeries(string Series, string Values);

public sealed record AlertTestCase(TimeSpan EvalTime, string AlertName, IReadOnlyList<ExpectedAlert> ExpAlerts);

public sealed record ExpectedAlert(IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations);

public sealed record PromQlTestCase(string Expr, TimeSpan EvalTime, IReadOnlyList<ExpectedSample> ExpSamples);

public sealed record ExpectedSample(string Labels, double Value);

/// <summary>
/// Reads unit-test files with promtool's strict yaml.v3 decoding through the shared reader: unknown fields
/// are errors listed with their line ("field histogram not found in type main.sample"), and durations use
/// Prometheus' syntax. A file promtool would refuse is a <see cref="ConfigException"/> whose detail is
/// promtool's message.
/// </summary>
public static class UnitTestFileParser
{
    public static UnitTestFile Parse(string yaml, string fileName = "<test file>")
    {
        var (ctx, root) = YamlContext.Load(yaml, fileName, YamlDialect.GoYamlV3);
        var m = YamlMap.Open(ctx, root, string.Empty, "main.unitTestFile") ?? Empty(ctx);
        var file = new UnitTestFile(
            m.StringList("rule_files") ?? [],
            m.Duration("evaluation_interval") ?? TimeSpan.Zero,
            m.StringList("group_eval_order") ?? [],
            Seq(m, "tests", "main.testGroup", Group));
        m.Done();
        ctx.ThrowIfTypeErrors();
        return file;
    }

    private static YamlMap Empty(YamlContext ctx) => YamlMap.Open(ctx, YamlLoader.Load("{}", ctx.File, YamlDialect.GoYamlV3), string.Empty)!;

    private static UnitTestGroup Group(YamlMap m) => new(
        m.String("name") ?? string.Empty,
        m.Duration("interval") ?? TimeSpan.Zero,
        Seq(m, "input_series", "main.series", s => new InputSeries(s.String("series") ?? string.Empty, s.String("values") ?? string.Empty)),
        Seq(m, "alert_rule_test", "main.alertTestCase", a => new AlertTestCase(
            a.Duration("eval_time") ?? TimeSpan.Zero,
            a.String("alertname") ?? string.Empty,
            Seq(a, "exp_alerts", "main.alert", e => new ExpectedAlert(Map(e, "exp_labels"), Map(e, "exp_annotations"))))),
        Seq(m, "promql_expr_test", "main.promqlTestCase", p => new PromQlTestCase(
            p.String("expr") ?? string.Empty,
            p.Duration("eval_time") ?? TimeSpan.Zero,
            Seq(p, "exp_samples", "main.sample", s => new ExpectedSample(s.String("labels") ?? string.Empty, s.Float("value") ?? 0)))),
        Map(m, "external_labels"),
        m.String("external_url") ?? string.Empty);

    /// <summary>A list of structs; a null item decodes as an empty struct, as in Go.</summary>
    private static List<T> Seq<T>(YamlMap parent, string key, string goType, Func<YamlMap, T> item)
    {
        var result = new List<T>();
        foreach (var (node, path) in parent.Items(key, "[]" + goType))
        {
            var m = YamlScalars.IsNull(node) ? YamlMap.Open(parent.Ctx, YamlLoader.Load("{}", parent.Ctx.File, YamlDialect.GoYamlV3), path, goType) : YamlMap.Open(parent.Ctx, node, path, goType);
            if (m is null)
            {
                continue;
            }
            result.Add(item(m));
            m.Done();
        }
        return result;
    }

    private static Dictionary<string, string> Map(YamlMap m, string key) =>
        (m.StringMap(key) ?? []).GroupBy(e => e.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
}
