using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;

namespace Alerting.Core.PromQL;

/// <summary>
/// Evaluates PromQL with Prometheus' semantics (lookback, staleness, extrapolation, vector matching)
/// over any <see cref="ISeriesSource"/>. Stateless and thread-safe: each call builds its own evaluator.
/// </summary>
public sealed class PromQlEngine
{
    private readonly PromQlEngineOptions _options;

    public PromQlEngine(PromQlEngineOptions? options = null) => _options = options ?? new PromQlEngineOptions();

    public QueryValue Instant(Expr expr, ISeriesSource source, long timeMs, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(expr);
        ArgumentNullException.ThrowIfNull(source);
        CheckExperimental(expr);
        var ev = new Evaluator(source, timeMs, timeMs, 0, _options, ct);
        ev.Prepare(expr);
        var v = ev.Eval(expr, timeMs);
        switch (v)
        {
            case ScalarResult s:
                return new ScalarValue(timeMs, s.Value) { Annotations = ev.Annotations };
            case StringResult str:
                return new StringValue(timeMs, str.Value) { Annotations = ev.Annotations };
            case VectorResult vec:
                {
                    var cleaned = ev.Cleanup(vec.Samples);
                    var result = new VectorSample[cleaned.Count];
                    for (var i = 0; i < result.Length; i++)
                    {
                        result[i] = cleaned[i].H is { } h
                            ? new VectorSample(cleaned[i].Metric, timeMs, h)
                            : new VectorSample(cleaned[i].Metric, timeMs, cleaned[i].F);
                    }
                    return new VectorValue(result) { Annotations = ev.Annotations };
                }
            case MatrixResult m:
                {
                    var list = new List<Series>(m.Series.Count);
                    var seen = new HashSet<Labels>();
                    foreach (var s in m.Series)
                    {
                        var labels = s.DropName ? LabelOps.DropMetricName(s.Metric) : s.Metric;
                        if (!seen.Add(labels))
                        {
                            throw new PromQlEvaluationException("vector cannot contain metrics with the same labelset");
                        }
                        list.Add(new Series(labels, s.Samples.ToArray(), s.Histograms.Count == 0 ? [] : s.Histograms.ToArray()));
                    }
                    list.Sort(static (a, b) => LabelOps.Compare(a.Labels, b.Labels));
                    return new MatrixValue(list) { Annotations = ev.Annotations };
                }
            default:
                throw new PromQlEvaluationException("unexpected result type");
        }
    }

    public QueryValue Range(Expr expr, ISeriesSource source, long startMs, long endMs, long stepMs, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(expr);
        ArgumentNullException.ThrowIfNull(source);
        if (stepMs <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(stepMs), "zero or negative query resolution step widths are not accepted");
        }
        if (endMs < startMs)
        {
            throw new ArgumentException("end timestamp must not be before start time", nameof(endMs));
        }
        if (expr.Type is not (PromQlValueType.Scalar or PromQlValueType.Vector))
        {
            throw new PromQlEvaluationException($"invalid expression type \"{TypeName(expr.Type)}\" for range query, must be Scalar or instant Vector");
        }
        CheckExperimental(expr);
        var ev = new Evaluator(source, startMs, endMs, stepMs, _options, ct);
        ev.Prepare(expr);
        var series = new Dictionary<Labels, (List<Sample> Floats, List<HistogramSample> Histograms)>();
        for (var ts = startMs; ts <= endMs; ts += stepMs)
        {
            ct.ThrowIfCancellationRequested();
            var v = ev.Eval(expr, ts);
            if (v is ScalarResult s)
            {
                Get(series, Labels.Empty).Floats.Add(new Sample(ts, s.Value));
                continue;
            }
            foreach (var sample in ev.Cleanup(((VectorResult)v).Samples))
            {
                var entry = Get(series, sample.Metric);
                if (sample.H is { } h)
                {
                    entry.Histograms.Add(new HistogramSample(ts, h));
                }
                else
                {
                    entry.Floats.Add(new Sample(ts, sample.F));
                }
            }
        }
        var result = new List<Series>(series.Count);
        foreach (var (labels, (floats, histograms)) in series)
        {
            result.Add(new Series(labels, floats, histograms));
        }
        result.Sort(static (a, b) => LabelOps.Compare(a.Labels, b.Labels));
        return new MatrixValue(result) { Annotations = ev.Annotations };

        static (List<Sample> Floats, List<HistogramSample> Histograms) Get(Dictionary<Labels, (List<Sample>, List<HistogramSample>)> series, Labels labels)
        {
            if (!series.TryGetValue(labels, out var entry))
            {
                entry = ([], []);
                series[labels] = entry;
            }
            return entry;
        }
    }

    /// <summary>Rejects limitk/limit_ratio unless enabled, with Prometheus' parse error text.</summary>
    private void CheckExperimental(Expr expr)
    {
        if (_options.EnableExperimentalFunctions)
        {
            return;
        }
        var found = FindLimit(expr);
        if (found is not null)
        {
            throw new PromQlEvaluationException($"{found.Op.ToString().ToLowerInvariant() switch { "limitk" => "limitk", _ => "limit_ratio" }}() is experimental and must be enabled with --enable-feature=promql-experimental-functions");
        }

        static AggregateExpr? FindLimit(Expr e) => e switch
        {
            AggregateExpr { Op: AggregateOp.LimitK or AggregateOp.LimitRatio } a => a,
            AggregateExpr a => FindLimit(a.Inner) ?? (a.Param is null ? null : FindLimit(a.Param)),
            ParenExpr p => FindLimit(p.Inner),
            UnaryExpr u => FindLimit(u.Operand),
            BinaryExpr b => FindLimit(b.Lhs) ?? FindLimit(b.Rhs),
            SubqueryExpr sq => FindLimit(sq.Inner),
            Call c => c.Args.Select(FindLimit).FirstOrDefault(x => x is not null),
            _ => null,
        };
    }

    private static string TypeName(PromQlValueType t) => t switch
    {
        PromQlValueType.Matrix => "range vector",
        PromQlValueType.String => "string",
        _ => t.ToString().ToLowerInvariant(),
    };
}
