using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;

namespace Alerting.Core.PromQL;

/// <summary>
/// Evaluates one query. Every selector's series are fetched once for the whole query window (computed
/// up front like Prometheus' FindMinMaxTime), then each evaluation step only binary-searches arrays.
/// </summary>
internal sealed partial class Evaluator
{
    private readonly ISeriesSource _source;
    private readonly long _startMs;
    private readonly long _endMs;
    private readonly long _stepMs;
    private readonly long _lookbackMs;
    private readonly long _defaultSubqueryStepMs;
    private readonly CancellationToken _ct;
    private readonly Dictionary<VectorSelector, (long Min, long Max)> _windows = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<VectorSelector, SelectedSeries[]> _selected = new(ReferenceEqualityComparer.Instance);

    /// <summary>Warnings and infos collected over all steps of the query.</summary>
    public PromQlAnnotations Annotations { get; } = new();

    public Evaluator(ISeriesSource source, long startMs, long endMs, long stepMs, PromQlEngineOptions options, CancellationToken ct)
    {
        _source = source;
        _startMs = startMs;
        _endMs = endMs;
        _stepMs = stepMs;
        _lookbackMs = (long)options.LookbackDelta.TotalMilliseconds;
        // Like Prometheus, subqueries without a step use the evaluation interval, not the query step.
        _defaultSubqueryStepMs = (long)options.DefaultSubqueryStep.TotalMilliseconds;
        _ct = ct;
    }

    private bool _rewritesLabels;

    public void Prepare(Expr expr) => Walk(expr, _startMs, _endMs);

    private (long Lo, long Hi) EvalRange(AtKind at, long atMs, long lo, long hi, long offset) => at switch
    {
        AtKind.Timestamp => (atMs - offset, atMs - offset),
        AtKind.Start => (_startMs - offset, _startMs - offset),
        AtKind.End => (_endMs - offset, _endMs - offset),
        _ => (lo - offset, hi - offset),
    };

    private void Walk(Expr e, long lo, long hi)
    {
        switch (e)
        {
            case VectorSelector vs:
                {
                    var (a, b) = EvalRange(vs.At, vs.AtMs, lo, hi, vs.OffsetMs);
                    Widen(vs, a - _lookbackMs, b);
                    break;
                }
            case MatrixSelector ms:
                {
                    var vs = ms.Vector;
                    var (a, b) = EvalRange(vs.At, vs.AtMs, lo, hi, vs.OffsetMs);
                    Widen(vs, a - ms.RangeMs, b);
                    break;
                }
            case SubqueryExpr sq:
                {
                    var (a, b) = EvalRange(sq.At, sq.AtMs, lo, hi, sq.OffsetMs);
                    Walk(sq.Inner, a - sq.RangeMs, b);
                    break;
                }
            case ParenExpr p:
                Walk(p.Inner, lo, hi);
                break;
            case UnaryExpr u:
                Walk(u.Operand, lo, hi);
                break;
            case BinaryExpr b2:
                Walk(b2.Lhs, lo, hi);
                Walk(b2.Rhs, lo, hi);
                break;
            case AggregateExpr ag:
                Walk(ag.Inner, lo, hi);
                if (ag.Param is not null)
                {
                    Walk(ag.Param, lo, hi);
                }
                break;
            case Call c:
                _rewritesLabels |= c.Function.Name is "label_replace" or "label_join" or "histogram_quantiles";
                foreach (var a2 in c.Args)
                {
                    Walk(a2, lo, hi);
                }
                break;
        }
    }

    private void Widen(VectorSelector vs, long min, long max)
    {
        if (_windows.TryGetValue(vs, out var w))
        {
            _windows[vs] = (Math.Min(w.Min, min), Math.Max(w.Max, max));
        }
        else
        {
            _windows[vs] = (min, max);
        }
    }

    private SelectedSeries[] Select(VectorSelector vs)
    {
        if (_selected.TryGetValue(vs, out var sel))
        {
            return sel;
        }
        var (min, max) = _windows.TryGetValue(vs, out var w) ? w : (long.MinValue / 4, long.MaxValue / 4);
        var list = new List<SelectedSeries>();
        foreach (var s in _source.Select(vs.Matchers, min, max))
        {
            var arr = s.Samples as Sample[] ?? [.. s.Samples];
            var hist = s.Histograms as HistogramSample[] ?? [.. s.Histograms];
            list.Add(new SelectedSeries(s.Labels, arr, hist));
        }
        // Prometheus' storage returns series sorted by labels; results and error texts depend on it.
        var sorted = true;
        for (var i = 1; i < list.Count && sorted; i++)
        {
            sorted = LabelOps.Compare(list[i - 1].Labels, list[i].Labels) <= 0;
        }
        if (!sorted)
        {
            list.Sort(static (a, b) => LabelOps.Compare(a.Labels, b.Labels));
        }
        sel = [.. list];
        _selected[vs] = sel;
        return sel;
    }

    private long ResolveAt(AtKind at, long atMs, long ts) => at switch
    {
        AtKind.Timestamp => atMs,
        AtKind.Start => _startMs,
        AtKind.End => _endMs,
        _ => ts,
    };

    public EvalValue Eval(Expr e, long ts)
    {
        switch (e)
        {
            case NumberLiteral n:
                return new ScalarResult(n.Value);
            case StringLiteral s:
                return new StringResult(s.Value);
            case ParenExpr p:
                return Eval(p.Inner, ts);
            case VectorSelector vs:
                return new VectorResult(EvalVectorSelector(vs, ts));
            case MatrixSelector ms:
                return EvalMatrixSelector(ms, ts);
            case SubqueryExpr sq:
                return EvalSubquery(sq, ts);
            case UnaryExpr u:
                return EvalUnary(u, ts);
            case BinaryExpr b:
                return EvalBinary(b, ts);
            case AggregateExpr a:
                return EvalAggregate(a, ts);
            case Call c:
                return EvalCall(c, ts);
            default:
                throw new PromQlEvaluationException("unhandled expression type " + e.GetType().Name);
        }
    }

    private List<VSample> EvalVectorSelector(VectorSelector vs, long ts)
    {
        var t = ResolveAt(vs.At, vs.AtMs, ts) - vs.OffsetMs;
        var series = Select(vs);
        var result = new List<VSample>(series.Length);
        foreach (var s in series)
        {
            var i = SelectedSeries.LastAtOrBefore(s.All, t);
            var hi = s.Histograms.Length == 0 ? -1 : SelectedSeries.LastAtOrBefore(s.Histograms, t);
            if (hi >= 0 && (i < 0 || s.Histograms[hi].TimestampMs > s.All[i].TimestampMs))
            {
                var h = s.Histograms[hi];
                if (h.TimestampMs <= t - _lookbackMs || h.Histogram.IsStale)
                {
                    continue;
                }
                result.Add(new VSample(s.Labels, 0, h.TimestampMs, false, h.Histogram));
                continue;
            }
            if (i < 0)
            {
                continue;
            }
            var sample = s.All[i];
            // Lookback is left-open in Prometheus 3: a sample exactly lookback ago is out of reach.
            if (sample.TimestampMs <= t - _lookbackMs || sample.IsStale)
            {
                continue;
            }
            result.Add(new VSample(s.Labels, sample.Value, sample.TimestampMs, false));
        }
        return result;
    }

    private MatrixResult EvalMatrixSelector(MatrixSelector ms, long ts)
    {
        var vs = ms.Vector;
        var t = ResolveAt(vs.At, vs.AtMs, ts) - vs.OffsetMs;
        var series = Select(vs);
        var result = new List<RangeSeries>(series.Length);
        foreach (var s in series)
        {
            var arr = s.NonStale;
            var hi = SelectedSeries.LastAtOrBefore(arr, t);
            var lo = SelectedSeries.LastAtOrBefore(arr, t - ms.RangeMs) + 1;
            var harr = s.Histograms;
            var hhi = harr.Length == 0 ? -1 : SelectedSeries.LastAtOrBefore(harr, t);
            var hlo = harr.Length == 0 ? 0 : SelectedSeries.LastAtOrBefore(harr, t - ms.RangeMs) + 1;
            if (hi < lo && hhi < hlo)
            {
                continue;
            }
            var floats = hi < lo ? new ArraySegment<Sample>([]) : new ArraySegment<Sample>(arr, lo, hi - lo + 1);
            var hists = hhi < hlo ? new ArraySegment<HistogramSample>([]) : new ArraySegment<HistogramSample>(harr, hlo, hhi - hlo + 1);
            result.Add(new RangeSeries(s.Labels, floats, false, hists));
        }
        return new MatrixResult(result);
    }

    private MatrixResult EvalSubquery(SubqueryExpr sq, long ts)
    {
        var end = ResolveAt(sq.At, sq.AtMs, ts) - sq.OffsetMs;
        var step = sq.StepMs > 0 ? sq.StepMs : _defaultSubqueryStepMs;
        var from = end - sq.RangeMs;
        var start = step * (from / step);
        if (start <= from)
        {
            start += step;
        }
        var map = new Dictionary<Labels, (List<Sample> Samples, List<HistogramSample>? Histograms, bool DropName)>();
        var order = new List<Labels>();
        for (var t = start; t <= end; t += step)
        {
            _ct.ThrowIfCancellationRequested();
            var v = Eval(sq.Inner, t);
            if (v is ScalarResult sc)
            {
                AddPoint(Labels.Empty, sc.Value, null, false);
                continue;
            }
            foreach (var s in ((VectorResult)v).Samples)
            {
                AddPoint(s.Metric, s.F, s.H, s.DropName);
            }

            void AddPoint(Labels l, double f, FloatHistogram? h, bool drop)
            {
                if (!map.TryGetValue(l, out var entry))
                {
                    entry = ([], null, drop);
                    map[l] = entry;
                    order.Add(l);
                }
                if (h is null)
                {
                    entry.Samples.Add(new Sample(t, f));
                    return;
                }
                if (h.CounterResetHint is CounterResetHint.NotCounterReset or CounterResetHint.CounterReset)
                {
                    // As Prometheus: a subquery may skip or repeat the sample a hint refers to, so hints become unknown.
                    h = h with { CounterResetHint = CounterResetHint.Unknown };
                }
                if (entry.Histograms is null)
                {
                    entry = entry with { Histograms = [] };
                    map[l] = entry;
                }
                entry.Histograms!.Add(new HistogramSample(t, h));
            }
        }
        var result = new List<RangeSeries>(order.Count);
        foreach (var l in order)
        {
            var (samples, hists, drop) = map[l];
            result.Add(new RangeSeries(l, new ArraySegment<Sample>([.. samples]), drop, new ArraySegment<HistogramSample>(hists is null ? [] : [.. hists])));
        }
        result.Sort(static (a, b) => LabelOps.Compare(a.Metric, b.Metric));
        return new MatrixResult(result);
    }

    private EvalValue EvalUnary(UnaryExpr u, long ts)
    {
        var v = Eval(u.Operand, ts);
        if (u.Op == '+')
        {
            return v;
        }
        if (v is ScalarResult s)
        {
            return new ScalarResult(-s.Value);
        }
        var vec = ((VectorResult)v).Samples;
        var result = new List<VSample>(vec.Count);
        foreach (var x in vec)
        {
            result.Add(x.H is null ? x with { F = -x.F, DropName = true } : x with { H = x.H.Mul(-1), DropName = true });
        }
        return new VectorResult(result);
    }

    /// <summary>
    /// Applies delayed name removal to a step's final vector and rejects duplicate label sets. Only
    /// dropped names and label_replace/label_join can create duplicates, so other results skip the check.
    /// </summary>
    public List<VSample> Cleanup(List<VSample> samples) => Cleanup(samples, _rewritesLabels);

    public static List<VSample> Cleanup(List<VSample> samples, bool checkDuplicates = true)
    {
        var any = false;
        foreach (var s in samples)
        {
            if (s.DropName && s.Metric.Has(Labels.MetricName))
            {
                any = true;
                break;
            }
        }
        List<VSample> result;
        if (!any)
        {
            result = samples;
        }
        else
        {
            result = new List<VSample>(samples.Count);
            foreach (var s in samples)
            {
                result.Add(s.DropName ? s with { Metric = LabelOps.DropMetricName(s.Metric), DropName = false } : s);
            }
        }
        if (result.Count > 1 && (any || checkDuplicates))
        {
            var seen = new HashSet<Labels>();
            foreach (var s in result)
            {
                if (!seen.Add(s.Metric))
                {
                    throw new PromQlEvaluationException("vector cannot contain metrics with the same labelset");
                }
            }
        }
        return result;
    }

    private double EvalScalarArg(Expr e, long ts) => Eval(e, ts) switch
    {
        ScalarResult s => s.Value,
        _ => throw new PromQlEvaluationException("expected scalar"),
    };

    private List<VSample> EvalVectorArg(Expr e, long ts) => Eval(e, ts) switch
    {
        VectorResult v => v.Samples,
        _ => throw new PromQlEvaluationException("expected instant vector"),
    };
}
