using System.Globalization;
using System.Text.RegularExpressions;
using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;
using Alerting.Core.PromQL;

namespace Alerting.Tooling.PromQL;

public enum CaseStatus
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>The outcome of one <c>eval</c> command; <see cref="Message"/> explains failures and skips.</summary>
public sealed record CaseOutcome(int Line, string Command, CaseStatus Status, string? Message);

public sealed record TestFileResult(string Name, IReadOnlyList<CaseOutcome> Cases)
{
    public int Passed => Cases.Count(c => c.Status == CaseStatus.Passed);

    public int Failed => Cases.Count(c => c.Status == CaseStatus.Failed);

    public int Skipped => Cases.Count(c => c.Status == CaseStatus.Skipped);
}

/// <summary>
/// Runs Prometheus' PromQL test scripts (promql/promqltest format): <c>load</c> / <c>load_with_nhcb</c> blocks
/// (floats and native histograms), <c>clear</c>, <c>eval instant|range</c> with expected results (histograms
/// compared as promqltest does) and <c>expect</c> directives, warning and info annotations included. Like
/// promqltest, the engine runs with experimental functions (limitk, limit_ratio) enabled. A function this
/// engine does not know is reported as skipped with the reason, never as passed.
/// </summary>
public static partial class PromQlTestRunner
{
    /// <summary>Functions that only exist behind Prometheus feature flags and that this engine does not implement.</summary>
    private static readonly HashSet<string> UnsupportedFlaggedFunctions = new(StringComparer.Ordinal) { "info" };

    private static readonly PromQlEngine Engine = new(new PromQlEngineOptions { EnableExperimentalFunctions = true });

    public static TestFileResult RunFile(string path, CancellationToken ct = default) =>
        Run(Path.GetFileName(path), File.ReadAllText(path), ct);

    public static TestFileResult Run(string name, string content, CancellationToken ct = default)
    {
        var lines = content.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var l = lines[i].Trim();
            lines[i] = l.StartsWith('#') ? string.Empty : l;
        }
        var state = new ScriptState();
        var outcomes = new List<CaseOutcome>();
        for (var i = 0; i < lines.Length; i++)
        {
            ct.ThrowIfCancellationRequested();
            var line = lines[i];
            if (line.Length == 0)
            {
                continue;
            }
            var block = new List<(int Line, string Text)>();
            var j = i + 1;
            while (j < lines.Length && lines[j].Length > 0)
            {
                block.Add((j + 1, lines[j]));
                j++;
            }
            if (line == "clear")
            {
                state.Clear();
                continue;
            }
            if (line.StartsWith("load", StringComparison.Ordinal))
            {
                state.Load(line, block);
                i = j - 1;
                continue;
            }
            if (line.StartsWith("eval", StringComparison.Ordinal))
            {
                outcomes.Add(RunEval(state, i + 1, line, block, ct));
                i = j - 1;
                continue;
            }
            outcomes.Add(new CaseOutcome(i + 1, line, CaseStatus.Failed, "unknown command"));
        }
        return new TestFileResult(name, outcomes);
    }

    private sealed class ScriptState
    {
        public MemorySeriesStore Store { get; } = new();

        public void Clear() => Store.Clear();

        public void Load(string command, List<(int Line, string Text)> block)
        {
            var parts = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var step = ParseTime(parts[1]);
            var nhcb = parts[0] == "load_with_nhcb";
            var converters = new Dictionary<Labels, SortedDictionary<long, ClassicHistogramConverter>>();
            var converterOrder = new List<Labels>();
            foreach (var (_, text) in block)
            {
                var (desc, values) = SeriesNotation.SplitLine(text);
                var labels = SeriesNotation.ParseLabels(desc);
                var seq = SeriesNotation.ParseValues(values);
                for (var k = 0; k < seq.Count; k++)
                {
                    var v = seq[k];
                    if (v.Histogram is { } h)
                    {
                        Store.Append(labels, new HistogramSample(k * step, h));
                    }
                    else if (!v.Omitted)
                    {
                        Store.Append(labels, new Sample(k * step, v.Value));
                    }
                }
                if (nhcb)
                {
                    Classic(labels, seq, step, converters, converterOrder);
                }
            }
            foreach (var labels in converterOrder)
            {
                foreach (var (t, converter) in converters[labels])
                {
                    var (h, error) = converter.Convert();
                    if (h is null)
                    {
                        throw new FormatException($"converting {labels} to a native histogram at {t / 1000.0}: {error}");
                    }
                    Store.Append(labels, new HistogramSample(t, h));
                }
            }
        }

        /// <summary>load_with_nhcb: the classic series also feed a native histogram with custom buckets, as promqltest does.</summary>
        private static void Classic(Labels labels, List<SequenceValue> seq, long step, Dictionary<Labels, SortedDictionary<long, ClassicHistogramConverter>> converters, List<Labels> order)
        {
            var name = labels.Name ?? string.Empty;
            string? suffix = null;
            foreach (var sfx in new[] { "_bucket", "_sum", "_count" })
            {
                if (name.EndsWith(sfx, StringComparison.Ordinal))
                {
                    suffix = sfx;
                    break;
                }
            }
            if (suffix is null)
            {
                return;
            }
            double le = 0;
            if (suffix == "_bucket" && (!Evaluator.TryParseGoFloat(labels.Get("le") ?? string.Empty, out le) || double.IsNaN(le)))
            {
                return;
            }
            var baseLabels = LabelOps.Set(LabelOps.Set(labels, "le", string.Empty), Labels.MetricName, name[..^suffix.Length]);
            if (!converters.TryGetValue(baseLabels, out var byTime))
            {
                byTime = [];
                converters[baseLabels] = byTime;
                order.Add(baseLabels);
            }
            for (var k = 0; k < seq.Count; k++)
            {
                if (seq[k].Omitted || seq[k].Histogram is not null)
                {
                    continue;
                }
                var t = k * step;
                if (!byTime.TryGetValue(t, out var c))
                {
                    c = new ClassicHistogramConverter();
                    byTime[t] = c;
                }
                var f = seq[k].Value;
                switch (suffix)
                {
                    case "_bucket":
                        c.SetBucketCount(le, f);
                        break;
                    case "_count":
                        c.SetCount(f);
                        break;
                    default:
                        c.SetSum(f);
                        break;
                }
            }
        }
    }

    /// <summary>A test-script time: a duration from 0 (<c>50m</c>), <c>0</c>, or seconds; may be negative.</summary>
    public static long ParseTime(string text)
    {
        if (text == "0")
        {
            return 0;
        }
        var neg = text.StartsWith('-');
        var body = neg ? text[1..] : text;
        long ms;
        if (PromQlParser.TryParseDuration(body, out var d))
        {
            ms = d;
        }
        else if (double.TryParse(body, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            ms = (long)Math.Round(seconds * 1000);
        }
        else
        {
            throw new FormatException($"invalid time \"{text}\"");
        }
        return neg ? -ms : ms;
    }

    private sealed class EvalCase
    {
        public bool Range;
        public long Start;
        public long End;
        public long Step;
        public string Query = string.Empty;
        public bool ExpectFail;
        public string? FailMessage;
        public Regex? FailRegex;
        public bool Ordered;
        public string? ExpectedString;
        public (long Start, long End, long Step)? RangeVector;
        public bool Warn;
        public bool Info;
        public bool NoWarn;
        public bool NoInfo;
        public List<(bool Warning, Regex? Pattern, string? Message)> ExpectedAnnotations { get; } = [];
        public List<(string Description, string Values)> Expected { get; } = [];
    }

    [GeneratedRegex(@"^eval(?:_(?<mod>fail|ordered|warn|info))?\s+instant\s+at\s+(?<at>\S+)\s+(?<q>.+)$")]
    private static partial Regex InstantRegex();

    [GeneratedRegex(@"^eval(?:_(?<mod>fail|ordered|warn|info))?\s+range\s+from\s+(?<from>\S+)\s+to\s+(?<to>\S+)\s+step\s+(?<step>\S+)\s+(?<q>.+)$")]
    private static partial Regex RangeRegex();

    [GeneratedRegex(@"^expect\s+range\s+vector\s+from\s+(?<from>\S+)\s+to\s+(?<to>\S+)\s+step\s+(?<step>\S+)$")]
    private static partial Regex RangeVectorRegex();

    [GeneratedRegex(@"^expect\s+(?<type>warn|no_warn|info|no_info)(?:\s+(?<kind>regex|msg):(?<text>.+))?$")]
    private static partial Regex AnnotationRegex();

    private static CaseOutcome RunEval(ScriptState state, int lineNo, string line, List<(int Line, string Text)> block, CancellationToken ct)
    {
        var c = new EvalCase();
        Match m;
        if ((m = InstantRegex().Match(line)).Success)
        {
            c.Start = c.End = ParseTime(m.Groups["at"].Value);
        }
        else if ((m = RangeRegex().Match(line)).Success)
        {
            c.Range = true;
            c.Start = ParseTime(m.Groups["from"].Value);
            c.End = ParseTime(m.Groups["to"].Value);
            c.Step = ParseTime(m.Groups["step"].Value);
        }
        else
        {
            return new CaseOutcome(lineNo, line, CaseStatus.Failed, "cannot parse eval command");
        }
        c.Query = m.Groups["q"].Value;
        switch (m.Groups["mod"].Value)
        {
            case "fail":
                c.ExpectFail = true;
                break;
            case "ordered":
                c.Ordered = true;
                break;
            case "warn":
                c.Warn = true;
                break;
            case "info":
                c.Info = true;
                break;
        }
        foreach (var (_, text) in block)
        {
            if (text.StartsWith("expect ", StringComparison.Ordinal))
            {
                var rest = text["expect ".Length..].Trim();
                if (rest.StartsWith("fail", StringComparison.Ordinal))
                {
                    c.ExpectFail = true;
                    var detail = rest["fail".Length..].Trim();
                    if (detail.StartsWith("msg:", StringComparison.Ordinal))
                    {
                        c.FailMessage = detail["msg:".Length..].Trim();
                    }
                    else if (detail.StartsWith("regex:", StringComparison.Ordinal))
                    {
                        c.FailRegex = new Regex(detail["regex:".Length..].Trim(), RegexOptions.None, TimeSpan.FromSeconds(1));
                    }
                }
                else if (rest == "ordered")
                {
                    c.Ordered = true;
                }
                else if (rest.StartsWith("string", StringComparison.Ordinal))
                {
                    var lit = rest["string".Length..].Trim();
                    c.ExpectedString = ((StringLiteral)PromQlParser.Parse(lit)).Value;
                }
                else if (RangeVectorRegex().Match(text) is { Success: true } rv)
                {
                    c.RangeVector = (ParseTime(rv.Groups["from"].Value), ParseTime(rv.Groups["to"].Value), ParseTime(rv.Groups["step"].Value));
                }
                else if (AnnotationRegex().Match(text) is { Success: true } an)
                {
                    var type = an.Groups["type"].Value;
                    switch (type)
                    {
                        case "no_warn":
                            c.NoWarn = true;
                            break;
                        case "no_info":
                            c.NoInfo = true;
                            break;
                        default:
                            var body = an.Groups["text"].Value.Trim();
                            if (an.Groups["kind"].Value == "regex")
                            {
                                c.ExpectedAnnotations.Add((type == "warn", new Regex(body, RegexOptions.None, TimeSpan.FromSeconds(1)), null));
                            }
                            else if (an.Groups["kind"].Value == "msg")
                            {
                                c.ExpectedAnnotations.Add((type == "warn", null, body));
                            }
                            else if (type == "warn")
                            {
                                c.Warn = true;
                            }
                            else
                            {
                                c.Info = true;
                            }
                            break;
                    }
                }
                continue;
            }
            c.Expected.Add(SeriesNotation.SplitLine(text));
        }

        var skip = SkipReason(c);
        if (skip is not null)
        {
            return new CaseOutcome(lineNo, line, CaseStatus.Skipped, skip);
        }
        try
        {
            var error = Execute(state, c, ct);
            return error is null
                ? new CaseOutcome(lineNo, line, CaseStatus.Passed, null)
                : new CaseOutcome(lineNo, line, CaseStatus.Failed, error);
        }
        catch (Exception ex) when (ex is FormatException or InvalidCastException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or NullReferenceException or KeyNotFoundException or NotSupportedException or RegexMatchTimeoutException)
        {
            return new CaseOutcome(lineNo, line, CaseStatus.Failed, "runner error: " + ex.GetType().Name + ": " + ex.Message);
        }
    }

    private static string? SkipReason(EvalCase c)
    {
        try
        {
            PromQlParser.Parse(c.Query);
        }
        catch (PromQlParseException ex)
        {
            foreach (var f in UnsupportedFlaggedFunctions)
            {
                if (ex.Message.Contains($"unknown function with name \"{f}\"", StringComparison.Ordinal))
                {
                    return $"{f}() is behind a Prometheus feature flag and not implemented";
                }
            }
        }
        return null;
    }

    private static void Visit(Expr e, Action<Expr> visit)
    {
        visit(e);
        switch (e)
        {
            case MatrixSelector ms:
                Visit(ms.Vector, visit);
                break;
            case SubqueryExpr sq:
                Visit(sq.Inner, visit);
                break;
            case ParenExpr p:
                Visit(p.Inner, visit);
                break;
            case UnaryExpr u:
                Visit(u.Operand, visit);
                break;
            case BinaryExpr b:
                Visit(b.Lhs, visit);
                Visit(b.Rhs, visit);
                break;
            case AggregateExpr a:
                Visit(a.Inner, visit);
                if (a.Param is not null)
                {
                    Visit(a.Param, visit);
                }
                break;
            case Call call:
                foreach (var arg in call.Args)
                {
                    Visit(arg, visit);
                }
                break;
        }
    }

    private static string? Execute(ScriptState state, EvalCase c, CancellationToken ct)
    {
        var engine = Engine;
        QueryValue result;
        try
        {
            var expr = PromQlParser.Parse(c.Query);
            result = c.Range
                ? engine.Range(expr, state.Store, c.Start, c.End, c.Step, ct)
                : engine.Instant(expr, state.Store, c.Start, ct);
        }
        catch (Exception ex) when (ex is PromQlParseException or PromQlEvaluationException or ArgumentException)
        {
            if (!c.ExpectFail)
            {
                return "unexpected error: " + ex.Message;
            }
            if (c.FailMessage is not null && ex.Message != c.FailMessage)
            {
                return $"expected error message \"{c.FailMessage}\", got \"{ex.Message}\"";
            }
            if (c.FailRegex is not null && !c.FailRegex.IsMatch(ex.Message))
            {
                return $"expected error matching {c.FailRegex}, got \"{ex.Message}\"";
            }
            return null;
        }
        if (c.ExpectFail)
        {
            return "expected an error, got a result";
        }
        var annotationError = CheckAnnotations(c, result.Annotations);
        if (annotationError is not null)
        {
            return annotationError;
        }
        if (c.Range)
        {
            return CompareRange(c, result);
        }
        var error = CompareInstant(c, result);
        if (error is not null || result is not (VectorValue or ScalarValue) || DependsOnQueryBounds(c.Query))
        {
            return error;
        }
        error = CheckRangeMode(engine, state, c, PromQlParser.Parse(c.Query), c.Start, ct);
        if (error is not null)
        {
            return error;
        }
        // Like promqltest: pinning every selector to the evaluation time with @ must give the same
        // result whenever the query is evaluated.
        var pinned = PromQlParser.Parse(c.Query);
        if (!PinToTime(pinned, c.Start))
        {
            return null;
        }
        long[] times = c.Start == 0 ? [-1000, 0, 1000] : [-10 * c.Start, 0, c.Start / 5, c.Start, 10 * c.Start];
        foreach (var t in times)
        {
            var r = engine.Instant(pinned, state.Store, t, ct);
            var e = CompareInstant(c, r) ?? CheckRangeMode(engine, state, c, pinned, t, ct);
            if (e is not null)
            {
                return $"with @ {c.Start / 1000.0} evaluated at {t / 1000.0}: {e}";
            }
        }
        return null;
    }

    private static readonly HashSet<string> AtUnsafeFunctions = new(StringComparer.Ordinal)
    {
        "days_in_month", "day_of_month", "day_of_week", "day_of_year", "hour", "minute", "month", "year",
        "predict_linear", "time", "timestamp", "step", "range", "start", "end",
    };

    /// <summary>Sets <c>@ t</c> on selectors and outermost subqueries lacking one; false if the query reads the clock.</summary>
    private static bool PinToTime(Expr e, long t)
    {
        switch (e)
        {
            case VectorSelector vs:
                if (vs.At == AtKind.None)
                {
                    vs.At = AtKind.Timestamp;
                    vs.AtMs = t;
                }
                return true;
            case MatrixSelector ms:
                return PinToTime(ms.Vector, t);
            case SubqueryExpr sq:
                if (sq.At == AtKind.None)
                {
                    sq.At = AtKind.Timestamp;
                    sq.AtMs = t;
                }
                return !ContainsUnsafe(sq.Inner);
            case ParenExpr p:
                return PinToTime(p.Inner, t);
            case UnaryExpr u:
                return PinToTime(u.Operand, t);
            case BinaryExpr b:
                return PinToTime(b.Lhs, t) & PinToTime(b.Rhs, t);
            case AggregateExpr a:
                return PinToTime(a.Inner, t) & (a.Param is null || PinToTime(a.Param, t));
            case Call call:
                var safe = !AtUnsafeFunctions.Contains(call.Function.Name);
                foreach (var arg in call.Args)
                {
                    safe &= PinToTime(arg, t);
                }
                return safe;
            default:
                return true;
        }
    }

    private static bool ContainsUnsafe(Expr e)
    {
        var found = false;
        Visit(e, x => found |= x is Call call && AtUnsafeFunctions.Contains(call.Function.Name));
        return found;
    }

    /// <summary>Like Prometheus' promqltest: the same query as a range query around t must agree at t.</summary>
    private static string? CheckRangeMode(PromQlEngine engine, ScriptState state, EvalCase c, Expr expr, long at, CancellationToken ct)
    {
        var range = (MatrixValue)engine.Range(expr, state.Store, at - 60_000, at + 60_000, 60_000, ct);
        var middle = new List<VectorSample>();
        foreach (var series in range.Series)
        {
            foreach (var p in series.Samples)
            {
                if (p.TimestampMs == at)
                {
                    middle.Add(new VectorSample(series.Labels, p.TimestampMs, p.Value));
                }
            }
            foreach (var p in series.Histograms)
            {
                if (p.TimestampMs == at)
                {
                    middle.Add(new VectorSample(series.Labels, p.TimestampMs, p.Histogram));
                }
            }
        }
        var expectScalar = expr.Type == PromQlValueType.Scalar;
        QueryValue asInstant = expectScalar && middle.Count == 1 ? new ScalarValue(at, middle[0].Value) : new VectorValue(middle);
        var ordered = c.Ordered;
        c.Ordered = false;
        var rangeError = CompareInstant(c, asInstant);
        c.Ordered = ordered;
        return rangeError is null ? null : "range-mode evaluation differs: " + rangeError;
    }

    /// <summary>step(), range(), start() and end() read the query's own bounds, so a wider range query must differ.</summary>
    private static bool DependsOnQueryBounds(string query)
    {
        var found = false;
        Visit(PromQlParser.Parse(query), e => found |= e is Call { Function.Name: "step" or "range" or "start" or "end" });
        return found;
    }

    /// <summary>promqltest's checkAnnotations: eval_warn/eval_info need some, expect lines must match each one both ways.</summary>
    private static string? CheckAnnotations(EvalCase c, PromQlAnnotations annotations)
    {
        var (warnings, infos) = annotations.AsStrings(c.Query);
        if (c.Warn && warnings.Count == 0)
        {
            return "expected warnings but got none";
        }
        if (c.Info && infos.Count == 0)
        {
            return "expected info annotations but got none";
        }
        var error = Validate(true, warnings) ?? Validate(false, infos);
        if (error is not null)
        {
            return error;
        }
        if (c.NoWarn && warnings.Count > 0)
        {
            return "unexpected warning annotations: " + string.Join("; ", warnings);
        }
        if (c.NoInfo && infos.Count > 0)
        {
            return "unexpected info annotations: " + string.Join("; ", infos);
        }
        return null;

        string? Validate(bool warning, IReadOnlyList<string> actual)
        {
            var expected = c.ExpectedAnnotations.Where(e => e.Warning == warning).ToList();
            if (expected.Count == 0)
            {
                return null;
            }
            var kind = warning ? "warn" : "info";
            if (actual.Count == 0)
            {
                return $"expected {kind} annotations but none were found";
            }
            foreach (var e in expected)
            {
                if (!actual.Any(a => Matches(e, a)))
                {
                    return $"expected {kind} annotation {(e.Message is not null ? "\"" + e.Message + "\"" : "matching " + e.Pattern)} but found: {string.Join("; ", actual)}";
                }
            }
            foreach (var a in actual)
            {
                if (!expected.Any(e => Matches(e, a)))
                {
                    return $"unexpected {kind} annotation \"{a}\"";
                }
            }
            return null;
        }

        static bool Matches((bool Warning, Regex? Pattern, string? Message) e, string actual) =>
            e.Message is not null ? e.Message == actual : e.Pattern!.IsMatch(actual);
    }

    /// <summary>One expected value against a float or histogram result, as promqltest compares them.</summary>
    private static string? CompareValue(SequenceValue expected, double f, FloatHistogram? h)
    {
        if (expected.Histogram is { } eh)
        {
            if (h is null)
            {
                return $"expected histogram {eh.TestExpression()} but got float value {f.ToString(CultureInfo.InvariantCulture)}";
            }
            return HistogramsMatch(eh.Compact(), h.Compact(), expected.HintSet) ? null : $"expected {eh.TestExpression()} but got {h.TestExpression()}";
        }
        if (h is not null)
        {
            return $"expected float value {expected.Value.ToString(CultureInfo.InvariantCulture)} but got histogram {h.TestExpression()}";
        }
        return ValueEqual(expected.Value, f) ? null : $"expected {expected.Value.ToString(CultureInfo.InvariantCulture)}, got {f.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>promqltest's compareNativeHistogram: float fields within 1e-6, the hint only when the test names one.</summary>
    private static bool HistogramsMatch(FloatHistogram exp, FloatHistogram cur, bool hintSet)
    {
        if (exp.Schema != cur.Schema || !ValueEqual(exp.Count, cur.Count) || !ValueEqual(exp.Sum, cur.Sum))
        {
            return false;
        }
        if (exp.UsesCustomBuckets && !(exp.CustomValues ?? []).SequenceEqual(cur.CustomValues ?? []))
        {
            return false;
        }
        if (exp.ZeroThreshold != cur.ZeroThreshold || !ValueEqual(exp.ZeroCount, cur.ZeroCount))
        {
            return false;
        }
        if (!BucketsMatch(exp.Negative, cur.Negative) || !BucketsMatch(exp.Positive, cur.Positive))
        {
            return false;
        }
        return !hintSet || exp.CounterResetHint == cur.CounterResetHint;

        static bool BucketsMatch(HistogramBucket[] a, HistogramBucket[] b)
        {
            if (a.Length != b.Length)
            {
                return false;
            }
            for (var i = 0; i < a.Length; i++)
            {
                if (a[i].Index != b[i].Index || !ValueEqual(a[i].Count, b[i].Count))
                {
                    return false;
                }
            }
            return true;
        }
    }

    private static bool ValueEqual(double expected, double actual)
    {
        if (double.IsNaN(expected) && double.IsNaN(actual))
        {
            return true;
        }
        return Evaluator.AlmostEqual(expected, actual, 1e-6);
    }

    private static string? CompareInstant(EvalCase c, QueryValue result)
    {
        switch (result)
        {
            case StringValue s:
                if (c.ExpectedString is null)
                {
                    return "got string result \"" + s.Value + "\"";
                }
                return s.Value == c.ExpectedString ? null : $"expected string \"{c.ExpectedString}\", got \"{s.Value}\"";
            case ScalarValue sc:
                {
                    if (c.Expected.Count != 1)
                    {
                        return $"expected {c.Expected.Count} series, got scalar {sc.Value}";
                    }
                    var (desc, values) = c.Expected[0];
                    var text = desc.Length > 0 && values.Length == 0 ? desc : values;
                    var exp = SeriesNotation.ParseFloat(text.Trim());
                    return ValueEqual(exp, sc.Value) ? null : $"expected scalar {exp}, got {sc.Value}";
                }
            case VectorValue v:
                {
                    if (c.RangeVector is not null)
                    {
                        return "expected a range vector, got an instant vector";
                    }
                    var expected = new List<(Labels Labels, SequenceValue Value)>();
                    foreach (var (desc, values) in c.Expected)
                    {
                        var seq = SeriesNotation.ParseValues(values);
                        if (seq.Count != 1)
                        {
                            return "expected line must have exactly one value: " + desc + " " + values;
                        }
                        expected.Add((SeriesNotation.ParseLabels(desc), seq[0]));
                    }
                    if (expected.Count != v.Samples.Count)
                    {
                        return $"expected {expected.Count} samples, got {v.Samples.Count}: {Describe(v)}";
                    }
                    for (var i = 0; i < expected.Count; i++)
                    {
                        var (labels, value) = expected[i];
                        var idx = -1;
                        for (var k = 0; k < v.Samples.Count; k++)
                        {
                            if (v.Samples[k].Labels == labels)
                            {
                                idx = k;
                                break;
                            }
                        }
                        if (idx < 0)
                        {
                            return $"expected series {labels} not in result: {Describe(v)}";
                        }
                        if (c.Ordered && idx != i)
                        {
                            return $"expected {labels} at position {i}, found at {idx}: {Describe(v)}";
                        }
                        var err = CompareValue(value, v.Samples[idx].Value, v.Samples[idx].Histogram);
                        if (err is not null)
                        {
                            return $"{labels}: {err}";
                        }
                    }
                    return null;
                }
            case MatrixValue mv:
                {
                    if (c.RangeVector is not { } rv)
                    {
                        return "got a range vector result without 'expect range vector'";
                    }
                    return CompareMatrix(c.Expected, mv, rv.Start, rv.Step);
                }
            default:
                return "unexpected result type";
        }
    }

    private static string Describe(VectorValue v) =>
        string.Join(", ", v.Samples.Take(6).Select(s => s.Labels + " " + (s.Histogram?.TestExpression() ?? s.Value.ToString(CultureInfo.InvariantCulture)))) + (v.Samples.Count > 6 ? ", ..." : string.Empty);

    private static string? CompareRange(EvalCase c, QueryValue result)
    {
        if (result is not MatrixValue mv)
        {
            return "range query did not return a matrix";
        }
        return CompareMatrix(c.Expected, mv, c.Start, c.Step);
    }

    private static string? CompareMatrix(List<(string Description, string Values)> expectedLines, MatrixValue mv, long start, long step)
    {
        var expected = new Dictionary<Labels, List<(long T, SequenceValue V)>>();
        foreach (var (desc, values) in expectedLines)
        {
            var labels = SeriesNotation.ParseLabels(desc);
            var seq = SeriesNotation.ParseValues(values);
            var points = new List<(long T, SequenceValue V)>();
            for (var k = 0; k < seq.Count; k++)
            {
                if (!seq[k].Omitted)
                {
                    points.Add((start + (k * step), seq[k]));
                }
            }
            expected[labels] = points;
        }
        var actual = mv.Series.Where(s => s.Samples.Count + s.Histograms.Count > 0).ToList();
        if (actual.Count != expected.Count)
        {
            return $"expected {expected.Count} series, got {actual.Count}: {string.Join(", ", actual.Select(s => s.Labels.ToString()))}";
        }
        foreach (var s in actual)
        {
            if (!expected.TryGetValue(s.Labels, out var exp))
            {
                return $"unexpected series {s.Labels}";
            }
            var expFloats = exp.Where(p => p.V.Histogram is null).ToList();
            var expHists = exp.Where(p => p.V.Histogram is not null).ToList();
            if (expFloats.Count != s.Samples.Count || expHists.Count != s.Histograms.Count)
            {
                return $"{s.Labels}: expected {expFloats.Count} float points and {expHists.Count} histogram points, got {s.Samples.Count} float points {Points(s.Samples)} and {s.Histograms.Count} histogram points";
            }
            for (var k = 0; k < expFloats.Count; k++)
            {
                if (expFloats[k].T != s.Samples[k].TimestampMs || !ValueEqual(expFloats[k].V.Value, s.Samples[k].Value))
                {
                    return $"{s.Labels}: expected {string.Join(" ", expFloats.Select(p => $"{p.V.Value.ToString(CultureInfo.InvariantCulture)}@{p.T / 1000.0}"))}, got {Points(s.Samples)}";
                }
            }
            for (var k = 0; k < expHists.Count; k++)
            {
                var a = s.Histograms[k];
                if (expHists[k].T != a.TimestampMs)
                {
                    return $"{s.Labels}: expected a histogram at {expHists[k].T / 1000.0}, got one at {a.TimestampMs / 1000.0}";
                }
                var err = CompareValue(expHists[k].V, 0, a.Histogram);
                if (err is not null)
                {
                    return $"{s.Labels} at {a.TimestampMs / 1000.0}: {err}";
                }
            }
        }
        return null;
    }

    private static string Points(IReadOnlyList<Sample> samples) =>
        string.Join(" ", samples.Take(12).Select(p => $"{p.Value.ToString(CultureInfo.InvariantCulture)}@{p.TimestampMs / 1000.0}"));
}
