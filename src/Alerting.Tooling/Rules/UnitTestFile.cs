using System.Globalization;
using Alerting.Core.Templating;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

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

/// <summary>A test file promtool would refuse to read; the message is promtool's.</summary>
public sealed class UnitTestFileException(string message) : Exception(message);

/// <summary>
/// Reads unit-test files with promtool's strict decoding: unknown fields are errors listed with their
/// line ("field histogram not found in type main.sample"), and durations use Prometheus' syntax.
/// </summary>
public static class UnitTestFileParser
{
    public static UnitTestFile Parse(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new UnitTestFileException($"yaml: line {Math.Max(1, e.Start.Line - 1)}: {RuleFileValidator.YamlProblem(e.InnerException?.Message ?? e.Message)}");
        }
        var errors = new List<string>();
        var reader = new Reader(errors);
        UnitTestFile result;
        var rootNode = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        if (rootNode is YamlMappingNode root)
        {
            result = reader.File(root);
        }
        else
        {
            if (rootNode is not null && !Reader.IsNull(rootNode))
            {
                errors.Add(Reader.Mismatch(rootNode, "main.unitTestFile"));
            }
            result = new UnitTestFile([], TimeSpan.Zero, [], []);
        }
        if (errors.Count > 0)
        {
            // yaml.v3 decodes in document order, so its list reads top to bottom.
            var ordered = errors.OrderBy(LineOf);
            throw new UnitTestFileException("yaml: unmarshal errors:\n" + string.Join("\n", ordered.Select(e => "  " + e)));
        }
        return result;
    }

    private static int LineOf(string error) =>
        int.TryParse(error.AsSpan(5, error.IndexOf(':', StringComparison.Ordinal) - 5), NumberStyles.None, CultureInfo.InvariantCulture, out var line) ? line : 0;

    private sealed class Reader(List<string> errors)
    {
        public UnitTestFile File(YamlMappingNode m)
        {
            var f = Fields(m, "main.unitTestFile", "rule_files", "evaluation_interval", "group_eval_order", "tests");
            return new UnitTestFile(
                Strings(f.GetValueOrDefault("rule_files")),
                Duration(f.GetValueOrDefault("evaluation_interval")),
                Strings(f.GetValueOrDefault("group_eval_order")),
                Seq(f.GetValueOrDefault("tests"), "main.testGroup", Group));
        }

        private UnitTestGroup Group(YamlMappingNode m)
        {
            var f = Fields(m, "main.testGroup", "interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels", "external_url", "name");
            return new UnitTestGroup(
                Str(f.GetValueOrDefault("name")),
                Duration(f.GetValueOrDefault("interval")),
                Seq(f.GetValueOrDefault("input_series"), "main.series", s =>
                {
                    var sf = Fields(s, "main.series", "series", "values");
                    return new InputSeries(Str(sf.GetValueOrDefault("series")), Str(sf.GetValueOrDefault("values")));
                }),
                Seq(f.GetValueOrDefault("alert_rule_test"), "main.alertTestCase", a =>
                {
                    var af = Fields(a, "main.alertTestCase", "eval_time", "alertname", "exp_alerts");
                    return new AlertTestCase(
                        Duration(af.GetValueOrDefault("eval_time")),
                        Str(af.GetValueOrDefault("alertname")),
                        Seq(af.GetValueOrDefault("exp_alerts"), "main.alert", e =>
                        {
                            var ef = Fields(e, "main.alert", "exp_labels", "exp_annotations");
                            return new ExpectedAlert(Map(ef.GetValueOrDefault("exp_labels")), Map(ef.GetValueOrDefault("exp_annotations")));
                        }));
                }),
                Seq(f.GetValueOrDefault("promql_expr_test"), "main.promqlTestCase", p =>
                {
                    var pf = Fields(p, "main.promqlTestCase", "expr", "eval_time", "exp_samples");
                    return new PromQlTestCase(
                        Str(pf.GetValueOrDefault("expr")),
                        Duration(pf.GetValueOrDefault("eval_time")),
                        Seq(pf.GetValueOrDefault("exp_samples"), "main.sample", s =>
                        {
                            var sf = Fields(s, "main.sample", "labels", "value");
                            return new ExpectedSample(Str(sf.GetValueOrDefault("labels")), Float(sf.GetValueOrDefault("value")));
                        }));
                }),
                Map(f.GetValueOrDefault("external_labels")),
                Str(f.GetValueOrDefault("external_url")));
        }

        private Dictionary<string, YamlNode> Fields(YamlMappingNode m, string type, params string[] known)
        {
            var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (k, v) in m.Children)
            {
                var key = (k as YamlScalarNode)?.Value ?? "";
                if (Array.IndexOf(known, key) < 0)
                {
                    errors.Add($"line {k.Start.Line}: field {key} not found in type {type}");
                    continue;
                }
                result[key] = v;
            }
            return result;
        }

        private List<T> Seq<T>(YamlNode? n, string type, Func<YamlMappingNode, T> item)
        {
            var result = new List<T>();
            if (n is null || IsNull(n))
            {
                return result;
            }
            if (n is not YamlSequenceNode seq)
            {
                errors.Add(Mismatch(n, "[]" + type));
                return result;
            }
            foreach (var c in seq.Children)
            {
                if (c is YamlMappingNode m)
                {
                    result.Add(item(m));
                }
                else if (c is YamlScalarNode s && IsNull(s))
                {
                    result.Add(item(new YamlMappingNode()));
                }
                else
                {
                    errors.Add(Mismatch(c, type));
                }
            }
            return result;
        }

        private List<string> Strings(YamlNode? n)
        {
            var result = new List<string>();
            if (n is YamlSequenceNode seq)
            {
                result.AddRange(seq.Children.Select(Str));
            }
            else if (n is not null && !IsNull(n))
            {
                errors.Add(Mismatch(n, "[]string"));
            }
            return result;
        }

        private Dictionary<string, string> Map(YamlNode? n)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (n is YamlMappingNode m)
            {
                foreach (var (k, v) in m.Children)
                {
                    result[Str(k)] = Str(v);
                }
            }
            else if (n is not null && !IsNull(n))
            {
                errors.Add(Mismatch(n, "map[string]string"));
            }
            return result;
        }

        private string Str(YamlNode? n)
        {
            if (n is null || IsNull(n))
            {
                return "";
            }
            if (n is YamlScalarNode s)
            {
                return s.Value ?? "";
            }
            errors.Add(Mismatch(n, "string"));
            return "";
        }

        private double Float(YamlNode? n)
        {
            var text = Str(n);
            if (text.Length == 0)
            {
                return 0;
            }
            var t = text.ToLowerInvariant();
            if (t is ".nan")
            {
                return double.NaN;
            }
            if (t is ".inf" or "+.inf")
            {
                return double.PositiveInfinity;
            }
            if (t is "-.inf")
            {
                return double.NegativeInfinity;
            }
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                return v;
            }
            errors.Add($"line {n!.Start.Line}: cannot unmarshal !!str `{text}` into float64");
            return 0;
        }

        private TimeSpan Duration(YamlNode? n)
        {
            var text = Str(n);
            if (text.Length == 0)
            {
                return TimeSpan.Zero;
            }
            try
            {
                return PrometheusRuleTemplates.ParseDuration(text);
            }
            catch (InvalidOperationException e)
            {
                // model.Duration's unmarshaller aborts the whole decode, as in promtool.
                throw new UnitTestFileException(e.Message);
            }
        }

        /// <summary>yaml.v3's type error: scalars are quoted in backticks, collections are not.</summary>
        public static string Mismatch(YamlNode n, string target) => n switch
        {
            YamlSequenceNode => $"line {n.Start.Line}: cannot unmarshal !!seq into {target}",
            YamlMappingNode => $"line {n.Start.Line}: cannot unmarshal !!map into {target}",
            YamlScalarNode sc => $"line {n.Start.Line}: cannot unmarshal {ScalarTag(sc)} `{sc.Value}` into {target}",
            _ => $"line {n.Start.Line}: cannot unmarshal into {target}",
        };

        private static string ScalarTag(YamlScalarNode s) =>
            s.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted ? "!!str"
            : long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? "!!int"
            : double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? "!!float"
            : s.Value is "true" or "false" ? "!!bool"
            : "!!str";

        public static bool IsNull(YamlNode n) =>
            n is YamlScalarNode { Style: not (ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted) } s
            && (s.Value is null or "" or "~" or "null" or "Null" or "NULL");
    }
}
