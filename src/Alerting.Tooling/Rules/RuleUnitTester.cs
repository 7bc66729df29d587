using Alerting.Core.Config;
using System.Text;
using System.Text.RegularExpressions;
using Alerting.Core.Model;
using Alerting.Core.PromQL;
using Alerting.Tooling.PromQL;
using Alerting.Core.Templating;

using Alerting.Core.Rules;

namespace Alerting.Tooling.Rules;

/// <summary>The errors one test file produced (empty when it passed), each worded as promtool prints it.</summary>
public sealed record UnitTestFileResult(string File, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings)
{
    public bool Passed => Errors.Count == 0;
}

/// <summary>
/// <c>promtool test rules</c>: loads the input series, then evaluates every rule group at each
/// evaluation_interval from 0 to the latest eval_time (recorded series and ALERTS feed later
/// evaluations, vanished series get stale markers), checks firing alerts at each alert test's time
/// against the evaluation at or just before it, and finally runs the PromQL expression tests.
/// </summary>
public sealed partial class RuleUnitTester(PromQlEngine? engine = null)
{
    /// <summary>
    /// Prometheus disallows hexadecimal numbers in series values, so <c>0x10</c> means "0 repeated ten
    /// times"; the shared notation parser reads it as hex 16, so spell it unambiguously first.
    /// </summary>
    [GeneratedRegex(@"(?<=^|\s)([+-]?)0[xX]([0-9]+)(?=\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex HexFreeValues();

    private readonly PromQlEngine _engine = engine ?? new PromQlEngine();

    /// <summary>Runs the files and writes promtool's report; returns its exit code (0 all passed, 1 otherwise).</summary>
    public int Run(IEnumerable<string> files, TextWriter stdout, TextWriter stderr, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var failed = false;
        foreach (var file in files)
        {
            stdout.WriteLine("Unit Testing:  " + file);
            var result = RunFile(file, ct);
            foreach (var w in result.Warnings)
            {
                stderr.WriteLine(w);
            }
            if (result.Passed)
            {
                stdout.WriteLine("  SUCCESS");
            }
            else
            {
                stderr.WriteLine("  FAILED:");
                foreach (var e in result.Errors)
                {
                    stderr.WriteLine(e);
                    stdout.WriteLine();
                }
                failed = true;
            }
            stdout.WriteLine();
        }
        return failed ? 1 : 0;
    }

    public UnitTestFileResult RunFile(string path, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        var warnings = new List<string>();
        UnitTestFile file;
        try
        {
            file = UnitTestFileParser.Parse(File.ReadAllText(path), path);
        }
        catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException)
        {
            return new UnitTestFileResult(path, [e is ConfigException c ? c.Detail : e.Message], warnings);
        }
        var ruleFiles = ResolveRuleFiles(Path.GetDirectoryName(path) ?? "", file.RuleFiles, warnings);
        var evalInterval = file.EvaluationInterval > TimeSpan.Zero ? file.EvaluationInterval : TimeSpan.FromMinutes(1);
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < file.GroupEvalOrder.Count; i++)
        {
            if (!order.TryAdd(file.GroupEvalOrder[i], i))
            {
                return new UnitTestFileResult(path, [$"group name repeated in evaluation order: {file.GroupEvalOrder[i]}"], warnings);
            }
        }
        var errors = new List<string>();
        foreach (var tg in file.Tests)
        {
            // A group without its own interval loads its series at the evaluation interval.
            var group = tg.Interval > TimeSpan.Zero ? tg : tg with { Interval = evalInterval };
            try
            {
                errors.AddRange(RunGroup(group, evalInterval, order, ruleFiles, ct));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A bug or unsupported feature on our side fails this group, not the whole run.
                var name = tg.Name.Length > 0 ? $"    name: {tg.Name},\n" : "";
                errors.Add($"{name}    error: {e.GetType().Name}: {e.Message}");
            }
        }
        return new UnitTestFileResult(path, errors, warnings);
    }

    /// <summary>Runs one test group; returns its failures in promtool's words.</summary>
    public IReadOnlyList<string> RunGroup(
        UnitTestGroup tg,
        TimeSpan evalInterval,
        IReadOnlyDictionary<string, int> groupOrder,
        IReadOnlyList<string> ruleFiles,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tg);
        ArgumentNullException.ThrowIfNull(groupOrder);
        ArgumentNullException.ThrowIfNull(ruleFiles);
        var store = new MemorySeriesStore();
        List<(Labels Labels, Sample Sample)> input;
        try
        {
            input = LoadSeries(tg);
        }
        catch (Exception e) when (e is FormatException or PromQlParseException)
        {
            return [e.Message];
        }

        var groups = new List<RuleGroup>();
        // Prometheus keys groups by file and name, so a rule file listed twice is loaded once.
        foreach (var rf in ruleFiles.Distinct(StringComparer.Ordinal))
        {
            var check = RuleFileLoader.Check(rf, tg.Interval);
            if (!check.Ok)
            {
                return check.Errors;
            }
            groups.AddRange(check.Rules!.Groups);
        }
        groups = [.. groups.OrderBy(g => groupOrder.GetValueOrDefault(g.Name))];

        var alertTests = new SortedDictionary<TimeSpan, List<AlertTestCase>>();
        foreach (var a in tg.AlertRuleTests)
        {
            if (a.AlertName.Length == 0)
            {
                var inGroup = tg.Name.Length > 0 ? $" (in TestGroup {tg.Name})" : "";
                return [$"an item under alert_rule_test misses required attribute alertname at eval_time {PromDuration.Format(a.EvalTime)}{inGroup}"];
            }
            if (!alertTests.TryGetValue(a.EvalTime, out var list))
            {
                alertTests[a.EvalTime] = list = [];
            }
            list.Add(a);
        }
        var alertTimes = alertTests.Keys.ToList();
        var maxt = tg.AlertRuleTests.Select(a => a.EvalTime).Concat(tg.PromQlExprTests.Select(p => p.EvalTime)).DefaultIfEmpty(TimeSpan.Zero).Max();

        var ctx = new RuleEvaluationContext(Labels.From(tg.ExternalLabels), tg.ExternalUrl, TimeSpan.FromMinutes(1));
        var evaluator = new RuleGroupEvaluator(_engine);
        // One evaluator call per rule (not per group) so that, as in Prometheus, a series a rule stopped
        // producing is marked stale before the next rule of the same group reads it.
        var rules = groups.Select(g => g.Rules.Select(r => g with { Rules = [r] }).ToArray()).ToArray();
        var state = rules.Select(g => g.Select(_ => (IReadOnlyList<ActiveAlert>)[]).ToArray()).ToArray();
        var previous = rules.Select(g => g.Select(_ => new HashSet<Labels>()).ToArray()).ToArray();
        var errs = new List<string>();
        var next = 0;
        var curr = 0;
        for (var ts = TimeSpan.Zero; ts <= maxt; ts += evalInterval)
        {
            ct.ThrowIfCancellationRequested();
            var tsMs = (long)ts.TotalMilliseconds;
            // Like promtool's lazy loader: only samples up to this evaluation exist in storage.
            for (; next < input.Count && input[next].Sample.TimestampMs <= tsMs; next++)
            {
                store.Append(input[next].Labels, input[next].Sample);
            }
            var evalErrs = new List<string>();
            for (var g = 0; g < groups.Count; g++)
            {
                for (var r = 0; r < rules[g].Length; r++)
                {
                    var rule = rules[g][r].Rules[0];
                    var res = evaluator.Evaluate(rules[g][r], store, DateTimeOffset.UnixEpoch + ts, state[g][r], ctx, ct);
                    state[g][r] = res.State;
                    if (rule is RecordingRule && groups[g].Limit > 0 && res.Recorded.Count > groups[g].Limit)
                    {
                        // Prometheus applies the group limit to recording rules too and then stores nothing.
                        evalErrs.Add($"    rule: {rule.Name}, time: {GoTime.DurationString(ts)}, err: exceeded limit of {groups[g].Limit} with {res.Recorded.Count} series");
                        continue;
                    }
                    var current = new HashSet<Labels>();
                    foreach (var s in res.Recorded)
                    {
                        store.Append(s);
                        current.Add(s.Labels);
                    }
                    // Prometheus marks series a rule stopped producing as stale, so they vanish at once.
                    foreach (var gone in previous[g][r].Where(l => !current.Contains(l)))
                    {
                        store.Append(gone, new Sample(tsMs, Sample.StaleNaN));
                    }
                    previous[g][r] = current;
                    foreach (var h in res.Health.Where(h => h.Health == RuleHealth.Err))
                    {
                        evalErrs.Add($"    rule: {h.Rule}, time: {GoTime.DurationString(ts)}, err: {h.LastError}");
                    }
                }
            }
            errs.AddRange(evalErrs);
            if (evalErrs.Count > 0)
            {
                return errs;
            }
            // An alert test at time t is checked against the evaluation at ts <= t < ts + interval.
            while (curr < alertTimes.Count && ts <= alertTimes[curr] && alertTimes[curr] < ts + evalInterval)
            {
                var t = alertTimes[curr];
                foreach (var testCase in alertTests[t])
                {
                    var got = FiringAlerts(rules, state, testCase.AlertName);
                    var exp = testCase.ExpAlerts
                        .Select(a => new LabelsAndAnnotations(
                            Labels.From(a.Labels.Where(l => l.Key != "alertname").Select(l => new Label(l.Key, l.Value)).Append(new Label("alertname", testCase.AlertName))),
                            Labels.AnnotationsFrom(a.Annotations.Select(kv => new Label(kv.Key, kv.Value)))))
                        .ToList();
                    exp.Sort(CompareAlerts);
                    if (!exp.SequenceEqual(got))
                    {
                        var name = tg.Name.Length > 0 ? $"    name: {tg.Name},\n" : "";
                        errs.Add($"{name}    alertname: {testCase.AlertName}, time: {PromDuration.Format(testCase.EvalTime)}, \n" +
                            $"        exp:{Indent(AlertsText(exp), "            ")}, \n" +
                            $"        got:{Indent(AlertsText(got), "            ")}");
                    }
                }
                curr++;
            }
        }

        foreach (var testCase in tg.PromQlExprTests)
        {
            errs.AddRange(CheckExpression(testCase, store, ct));
        }
        return errs;
    }

    private IEnumerable<string> CheckExpression(PromQlTestCase testCase, ISeriesSource store, CancellationToken ct)
    {
        var prefix = $"    expr: {GoQuote.Quote(testCase.Expr)}, time: {PromDuration.Format(testCase.EvalTime)}";
        List<(Labels Labels, double Value)> got;
        try
        {
            var value = _engine.Instant(PromQlParser.Parse(testCase.Expr), store, (long)testCase.EvalTime.TotalMilliseconds, ct);
            got = value switch
            {
                VectorValue v => v.Samples.Select(s => (s.Labels, s.Value)).ToList(),
                ScalarValue s => [(Labels.Empty, s.Value)],
                _ => throw new PromQlEvaluationException("rule result is not a vector or scalar"),
            };
        }
        catch (Exception e) when (e is PromQlParseException or PromQlEvaluationException)
        {
            return [$"{prefix}, err: {e.Message}"];
        }
        var exp = new List<(Labels Labels, double Value)>();
        foreach (var s in testCase.ExpSamples)
        {
            try
            {
                exp.Add((SeriesNotation.ParseLabels(s.Labels), s.Value));
            }
            catch (Exception e) when (e is PromQlParseException or FormatException)
            {
                return [$"{prefix}, err: labels {GoQuote.Quote(s.Labels)}: {e.Message}"];
            }
        }
        exp.Sort((a, b) => LabelOps.Compare(a.Labels, b.Labels));
        got.Sort((a, b) => LabelOps.Compare(a.Labels, b.Labels));
        // Exact float equality, as promtool's reflect.DeepEqual: NaN never matches.
        var same = exp.Count == got.Count && exp.Zip(got).All(p => p.First.Labels == p.Second.Labels && p.First.Value == p.Second.Value);
        return same ? [] : [$"{prefix},\n        exp: {SamplesText(exp)}\n        got: {SamplesText(got)}"];
    }

    private static string SamplesText(List<(Labels Labels, double Value)> samples) =>
        samples.Count == 0 ? "nil" : string.Join(", ", samples.Select(s => PromtoolText.LabelSet(s.Labels) + " " + PromtoolText.GoFloatE(s.Value)));

    private sealed record LabelsAndAnnotations(Labels Labels, Labels Annotations)
    {
        public override string ToString() => "Labels:" + PromtoolText.LabelSet(Labels) + "\nAnnotations:" + PromtoolText.LabelSet(Annotations);
    }

    private static int CompareAlerts(LabelsAndAnnotations a, LabelsAndAnnotations b)
    {
        var c = LabelOps.Compare(a.Labels, b.Labels);
        return c != 0 ? c : LabelOps.Compare(a.Annotations, b.Annotations);
    }

    private static List<LabelsAndAnnotations> FiringAlerts(RuleGroup[][] rules, IReadOnlyList<ActiveAlert>[][] state, string alertName)
    {
        // The same alert name may be defined by several rules, in one group or several; all of them count.
        var got = new List<LabelsAndAnnotations>();
        for (var g = 0; g < rules.Length; g++)
        {
            for (var r = 0; r < rules[g].Length; r++)
            {
                if (rules[g][r].Rules[0] is AlertingRule ar && ar.Alert == alertName)
                {
                    got.AddRange(state[g][r]
                        .Where(a => a.State == AlertState.Firing)
                        .Select(a => new LabelsAndAnnotations(a.Labels, a.Annotations)));
                }
            }
        }
        got.Sort(CompareAlerts);
        return got;
    }

    private static string AlertsText(List<LabelsAndAnnotations> alerts)
    {
        if (alerts.Count == 0)
        {
            return "[]";
        }
        var sb = new StringBuilder("[\n0:").Append(Indent("\n" + alerts[0], "  "));
        for (var i = 1; i < alerts.Count; i++)
        {
            sb.Append(",\n").Append(i).Append(':').Append(Indent("\n" + alerts[i], "  "));
        }
        return sb.Append("\n]").ToString();
    }

    /// <summary>promtool's indentLines: every line but the first gets the prefix.</summary>
    private static string Indent(string text, string indent) => text.Replace("\n", "\n" + indent, StringComparison.Ordinal);

    private static List<(Labels Labels, Sample Sample)> LoadSeries(UnitTestGroup tg)
    {
        var result = new List<(Labels, Sample)>();
        var step = (long)tg.Interval.TotalMilliseconds;
        for (var i = 0; i < tg.InputSeries.Count; i++)
        {
            var line = tg.InputSeries[i].Series + " " + tg.InputSeries[i].Values;
            if (SeriesDescriptionCheck.Problem(line) is { } problem)
            {
                throw new FormatException(problem);
            }
            var (description, valuesText) = SeriesNotation.SplitLine(line);
            var labels = SeriesNotation.ParseLabels(description);
            var values = SeriesNotation.ParseValues(HexFreeValues().Replace(valuesText, "${1}0+0x$2"));
            for (var k = 0; k < values.Count; k++)
            {
                if (values[k].IsHistogram)
                {
                    throw new FormatException($"series {description}: native histogram values are not supported");
                }
                if (!values[k].Omitted)
                {
                    result.Add((labels, new Sample(k * step, values[k].Value)));
                }
            }
        }
        result.Sort((a, b) => a.Item2.TimestampMs.CompareTo(b.Item2.TimestampMs));
        return result;
    }

    private static List<string> ResolveRuleFiles(string baseDir, IReadOnlyList<string> patterns, List<string> warnings)
    {
        var result = new List<string>();
        foreach (var p in patterns)
        {
            var full = p.Length > 0 && !Path.IsPathRooted(p) ? GoPathJoin(baseDir, p) : p;
            var matches = Glob(full);
            if (matches.Count == 0)
            {
                warnings.Add("  WARNING: no file match pattern " + full);
            }
            result.AddRange(matches);
        }
        return result;
    }

    private static List<string> Glob(string pattern)
    {
        if (pattern.IndexOfAny(['*', '?', '[']) < 0)
        {
            return File.Exists(pattern) ? [pattern] : [];
        }
        var dir = Path.GetDirectoryName(pattern) ?? "";
        var name = Path.GetFileName(pattern);
        var searchDir = dir.Length == 0 ? "." : dir;
        if (!Directory.Exists(searchDir))
        {
            return [];
        }
        return [.. Directory.GetFiles(searchDir, name).Select(f => dir.Length == 0 ? Path.GetFileName(f) : Path.Combine(dir, Path.GetFileName(f))).Order(StringComparer.Ordinal)];
    }

    /// <summary>Go's filepath.Join: joins then cleans "." and ".." so reported file names match promtool's.</summary>
    internal static string GoPathJoin(string dir, string file)
    {
        var joined = dir.Length == 0 ? file : dir + "/" + file;
        var rooted = joined.StartsWith('/');
        var parts = new List<string>();
        foreach (var part in joined.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }
            if (part == ".." && parts.Count > 0 && parts[^1] != "..")
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else if (part != ".." || !rooted)
            {
                parts.Add(part);
            }
        }
        var text = string.Join('/', parts);
        return rooted ? "/" + text : text.Length == 0 ? "." : text;
    }
}
