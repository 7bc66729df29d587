using System.Globalization;
using System.Text.RegularExpressions;
using Alerting.Core.Model;

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
/// Runs Prometheus' PromQL test scripts (promql/promqltest format): <c>load</c> blocks, <c>clear</c>,
/// <c>eval instant|range</c> with expected results and <c>expect</c> directives. Native histograms and
/// feature-flagged features are reported as skipped with the reason, never as passed.
/// </summary>
public static partial class PromQlTestRunner
{
    /// <summary>Functions that only exist behind Prometheus feature flags and that this engine does not implement.</summary>
    private static readonly HashSet<string> UnsupportedFlaggedFunctions = new(StringComparer.Ordinal) { "info", "limit_ratio" };

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

        public List<Labels> HistogramSeries { get; } = [];

        public List<Labels> NhcbSeries { get; } = [];

        public void Clear()
        {
            Store.Clear();
            HistogramSeries.Clear();
            NhcbSeries.Clear();
        }

        public void Load(string command, List<(int Line, string Text)> block)
        {
            var parts = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var step = ParseTime(parts[1]);
            var nhcb = parts[0] == "load_with_nhcb";
            foreach (var (_, text) in block)
            {
                var (desc, values) = SeriesNotation.SplitLine(text);
                var labels = SeriesNotation.ParseLabels(desc);
                var seq = SeriesNotation.ParseValues(values);
                var isHistogram = false;
                for (var k = 0; k < seq.Count; k++)
                {
                    var v = seq[k];
                    if (v.IsHistogram)
                    {
                        isHistogram = true;
                        continue;
                    }
                    if (!v.Omitted)
                    {
                        Store.Append(labels, new Sample(k * step, v.Value));
                    }
                }
                if (isHistogram)
                {
                    HistogramSeries.Add(labels);
                }
                if (nhcb && labels.Name is { } n)
                {
                    foreach (var suffix in new[] { "_bucket", "_count", "_sum" })
                    {
                        if (n.EndsWith(suffix, StringComparison.Ordinal))
                        {
                            // The conversion adds a native histogram named without the suffix and without "le".
                            var converted = LabelOps.Set(LabelOps.Set(labels, "le", string.Empty), Labels.MetricName, n[..^suffix.Length]);
                            if (!NhcbSeries.Contains(converted))
                            {
                                NhcbSeries.Add(converted);
                            }
                        }
                    }
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
        public List<(string Description, string Values)> Expected { get; } = [];
    }

    [GeneratedRegex(@"^eval(?:_(?<mod>fail|ordered|warn|info))?\s+instant\s+at\s+(?<at>\S+)\s+(?<q>.+)$")]
    private static partial Regex InstantRegex();

    [GeneratedRegex(@"^eval(?:_(?<mod>fail|ordered|warn|info))?\s+range\s+from\s+(?<from>\S+)\s+to\s+(?<to>\S+)\s+step\s+(?<step>\S+)\s+(?<q>.+)$")]
    private static partial Regex RangeRegex();

    [GeneratedRegex(@"^expect\s+range\s+vector\s+from\s+(?<from>\S+)\s+to\s+(?<to>\S+)\s+step\s+(?<step>\S+)$")]
    private static partial Regex RangeVectorRegex();

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
                // warn / info / no_warn / no_info annotations are not modelled by this engine.
                continue;
            }
            c.Expected.Add(SeriesNotation.SplitLine(text));
        }

        var skip = SkipReason(state, c);
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

    private static string? SkipReason(ScriptState state, EvalCase c)
    {
        foreach (var (desc, values) in c.Expected)
        {
            if (values.Contains("{{", StringComparison.Ordinal) || desc.StartsWith("{{", StringComparison.Ordinal))
            {
                return "native histogram in expected result";
            }
        }
        Expr expr;
        try
        {
            expr = PromQlParser.Parse(c.Query);
        }
        catch (PromQlParseException ex)
        {
            foreach (var f in UnsupportedFlaggedFunctions)
            {
                if (ex.Message.Contains($"unknown function with name \"{f}\"", StringComparison.Ordinal))
                {
                    return $"{f}() is behind a Prometheus feature flag";
                }
            }
            return null;
        }
        string? reason = null;
        Visit(expr, e =>
        {
            switch (e)
            {
                case VectorSelector vs:
                    foreach (var h in state.HistogramSeries)
                    {
                        if (vs.Matchers.All(m => m.Matches(h)))
                        {
                            reason ??= "native histograms: the query reads histogram series " + h;
                        }
                    }
                    foreach (var h in state.NhcbSeries)
                    {
                        if (vs.Matchers.All(m => m.Matches(h)))
                        {
                            reason ??= "native histogram with custom buckets (load_with_nhcb conversion): " + h;
                        }
                    }
                    break;
                case AggregateExpr { Op: AggregateOp.LimitRatio }:
                    reason ??= "limit_ratio is behind a Prometheus feature flag (hash-based sampling)";
                    break;
            }
        });
        return reason;
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
        var engine = new PromQlEngine();
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
                    var expected = new List<(Labels Labels, double Value)>();
                    foreach (var (desc, values) in c.Expected)
                    {
                        var seq = SeriesNotation.ParseValues(values);
                        if (seq.Count != 1)
                        {
                            return "expected line must have exactly one value: " + desc + " " + values;
                        }
                        expected.Add((SeriesNotation.ParseLabels(desc), seq[0].Value));
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
                        if (!ValueEqual(value, v.Samples[idx].Value))
                        {
                            return $"{labels}: expected {value.ToString(CultureInfo.InvariantCulture)}, got {v.Samples[idx].Value.ToString(CultureInfo.InvariantCulture)}";
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
        string.Join(", ", v.Samples.Take(6).Select(s => s.Labels + " " + s.Value.ToString(CultureInfo.InvariantCulture))) + (v.Samples.Count > 6 ? ", ..." : string.Empty);

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
        var expected = new Dictionary<Labels, List<Sample>>();
        foreach (var (desc, values) in expectedLines)
        {
            var labels = SeriesNotation.ParseLabels(desc);
            var seq = SeriesNotation.ParseValues(values);
            var samples = new List<Sample>();
            for (var k = 0; k < seq.Count; k++)
            {
                if (!seq[k].Omitted)
                {
                    samples.Add(new Sample(start + (k * step), seq[k].Value));
                }
            }
            expected[labels] = samples;
        }
        var actual = mv.Series.Where(s => s.Samples.Count > 0).ToList();
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
            if (exp.Count != s.Samples.Count)
            {
                return $"{s.Labels}: expected {exp.Count} points, got {s.Samples.Count}: {Points(s.Samples)}";
            }
            for (var k = 0; k < exp.Count; k++)
            {
                if (exp[k].TimestampMs != s.Samples[k].TimestampMs || !ValueEqual(exp[k].Value, s.Samples[k].Value))
                {
                    return $"{s.Labels}: expected {Points(exp)}, got {Points(s.Samples)}";
                }
            }
        }
        return null;
    }

    private static string Points(IReadOnlyList<Sample> samples) =>
        string.Join(" ", samples.Take(12).Select(p => $"{p.Value.ToString(CultureInfo.InvariantCulture)}@{p.TimestampMs / 1000.0}"));
}
