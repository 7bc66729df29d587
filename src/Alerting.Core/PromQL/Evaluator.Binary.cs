using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;

namespace Alerting.Core.PromQL;

internal sealed partial class Evaluator
{
    private EvalValue EvalBinary(BinaryExpr b, long ts)
    {
        var lhs = Eval(b.Lhs, ts);
        var rhs = Eval(b.Rhs, ts);
        if (lhs is ScalarResult ls && rhs is ScalarResult rs)
        {
            var (v, keep) = ElemOp(b.Op, ls.Value, rs.Value);
            if (b.ReturnBool)
            {
                v = keep ? 1 : 0;
            }
            return new ScalarResult(v);
        }
        if (lhs is VectorResult lv && rhs is VectorResult rv)
        {
            var m = b.Matching ?? new VectorMatching();
            return new VectorResult(b.Op switch
            {
                BinaryOp.And => And(lv.Samples, rv.Samples, m),
                BinaryOp.Or => Or(lv.Samples, rv.Samples, m),
                BinaryOp.Unless => Unless(lv.Samples, rv.Samples, m),
                _ => VectorVector(b, lv.Samples, rv.Samples, m),
            });
        }
        if (lhs is VectorResult lvec && rhs is ScalarResult rsc)
        {
            return new VectorResult(VectorScalar(b, lvec.Samples, rsc.Value, false));
        }
        if (lhs is ScalarResult lsc && rhs is VectorResult rvec)
        {
            return new VectorResult(VectorScalar(b, rvec.Samples, lsc.Value, true));
        }
        throw new PromQlEvaluationException("invalid binary operation operands");
    }

    private static bool DropsName(BinaryOp op) => op is BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Div or BinaryOp.Mod or BinaryOp.Pow or BinaryOp.Atan2;

    internal static (double Value, bool Keep) ElemOp(BinaryOp op, double l, double r) => op switch
    {
        BinaryOp.Add => (l + r, true),
        BinaryOp.Sub => (l - r, true),
        BinaryOp.Mul => (l * r, true),
        BinaryOp.Div => (l / r, true),
        BinaryOp.Pow => (Math.Pow(l, r), true),
        BinaryOp.Mod => (GoMod(l, r), true),
        BinaryOp.Atan2 => (Math.Atan2(l, r), true),
        BinaryOp.Eql => (l, l == r),
        BinaryOp.Neq => (l, l != r),
        BinaryOp.Gtr => (l, l > r),
        BinaryOp.Lss => (l, l < r),
        BinaryOp.Gte => (l, l >= r),
        BinaryOp.Lte => (l, l <= r),
        _ => throw new PromQlEvaluationException("operator not allowed for scalar operations"),
    };

    /// <summary>Go's math.Mod and .NET's % agree: the result takes the dividend's sign, NaN for a zero divisor.</summary>
    private static double GoMod(double x, double y) => x % y;

    private List<VSample> VectorScalar(BinaryExpr b, List<VSample> vec, double scalar, bool swap)
    {
        var result = new List<VSample>(vec.Count);
        var isCmp = BinaryExpr.IsComparison(b.Op);
        Annotation? lastErr = null;
        foreach (var s in vec)
        {
            var lv = s.F;
            var rv = scalar;
            var lh = s.H;
            FloatHistogram? rh = null;
            if (swap)
            {
                (lv, rv) = (rv, lv);
                (lh, rh) = (rh, lh);
            }
            var (value, hist, keep, _, err) = VectorElemOp(b.Op, lv, rv, lh, rh, b.Position);
            if (err is not null && !err.IsWarning)
            {
                lastErr = err;
                continue;
            }
            if (isCmp && swap)
            {
                value = rv;
                hist = rh;
            }
            if (b.ReturnBool)
            {
                value = keep ? 1 : 0;
                hist = null;
                keep = true;
            }
            if (keep)
            {
                result.Add(new VSample(s.Metric, value, s.T, s.DropName || DropsName(b.Op) || b.ReturnBool, hist));
            }
        }
        if (lastErr is not null)
        {
            Annotations.Add(lastErr);
        }
        return result;
    }

    /// <summary>The identity two samples match on: the <c>on</c> labels, or all but <c>ignoring</c> ones and the name.</summary>
    private static Labels Signature(Labels l, VectorMatching m) =>
        m.On ? LabelOps.Keep(l, m.MatchingLabels) : LabelOps.Drop(l, m.MatchingLabels, true);

    private static ulong SignatureHash(Labels l, VectorMatching m) => LabelOps.Hash(l, m.MatchingLabels, m.On);

    private List<VSample> And(List<VSample> lhs, List<VSample> rhs, VectorMatching m)
    {
        var sigs = new HashSet<ulong>(rhs.Count);
        foreach (var r in rhs)
        {
            sigs.Add(SignatureHash(r.Metric, m));
        }
        var result = new List<VSample>();
        foreach (var l in lhs)
        {
            if (sigs.Contains(SignatureHash(l.Metric, m)))
            {
                result.Add(l);
            }
        }
        return result;
    }

    private List<VSample> Or(List<VSample> lhs, List<VSample> rhs, VectorMatching m)
    {
        var sigs = new HashSet<ulong>(lhs.Count);
        var result = new List<VSample>(lhs.Count + rhs.Count);
        foreach (var l in lhs)
        {
            sigs.Add(SignatureHash(l.Metric, m));
            result.Add(l);
        }
        foreach (var r in rhs)
        {
            if (!sigs.Contains(SignatureHash(r.Metric, m)))
            {
                result.Add(r);
            }
        }
        return result;
    }

    private List<VSample> Unless(List<VSample> lhs, List<VSample> rhs, VectorMatching m)
    {
        var sigs = new HashSet<ulong>(rhs.Count);
        foreach (var r in rhs)
        {
            sigs.Add(SignatureHash(r.Metric, m));
        }
        var result = new List<VSample>();
        foreach (var l in lhs)
        {
            if (!sigs.Contains(SignatureHash(l.Metric, m)))
            {
                result.Add(l);
            }
        }
        return result;
    }

    private List<VSample> VectorVector(BinaryExpr b, List<VSample> lhs, List<VSample> rhs, VectorMatching m)
    {
        var result = new List<VSample>();
        if (lhs.Count == 0 || rhs.Count == 0)
        {
            return result;
        }
        var card = m.Card;
        if (card == Cardinality.OneToMany)
        {
            (lhs, rhs) = (rhs, lhs);
        }
        var oneSide = new Dictionary<ulong, VSample>(rhs.Count);
        foreach (var r in rhs)
        {
            var sig = SignatureHash(r.Metric, m);
            if (oneSide.TryGetValue(sig, out var dup))
            {
                var side = card == Cardinality.OneToMany ? "left" : "right";
                throw new PromQlEvaluationException(
                    $"found duplicate series for the match group {LabelOps.Format(Signature(r.Metric, m))} on the {side} hand-side of the operation: [{LabelOps.Format(dup.Metric)}, {LabelOps.Format(r.Metric)}];many-to-many matching not allowed: matching labels must be unique on one side");
            }
            oneSide[sig] = r;
        }
        var matchedOneToOne = card == Cardinality.OneToOne ? new HashSet<ulong>() : null;
        var matchedMany = card != Cardinality.OneToOne ? new Dictionary<ulong, HashSet<Labels>>() : null;
        Annotation? lastErr = null;
        foreach (var l in lhs)
        {
            var sig = SignatureHash(l.Metric, m);
            if (!oneSide.TryGetValue(sig, out var r))
            {
                continue;
            }
            var vl = l.F;
            var vr = r.F;
            var hl = l.H;
            var hr = r.H;
            if (card == Cardinality.OneToMany)
            {
                (vl, vr) = (vr, vl);
                (hl, hr) = (hr, hl);
            }
            var (value, hist, keep, info, err) = VectorElemOp(b.Op, vl, vr, hl, hr, b.Position);
            if (err is not null)
            {
                // Prometheus drops the pair and reports the problem as an annotation.
                lastErr = err;
                continue;
            }
            if (info is not null)
            {
                lastErr = info;
            }
            // Cardinality is checked before filtering so an error does not depend on the values.
            if (matchedOneToOne is not null && !matchedOneToOne.Add(sig))
            {
                throw new PromQlEvaluationException("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
            }
            if (b.ReturnBool)
            {
                value = keep ? 1 : 0;
                hist = null;
            }
            else if (!keep)
            {
                if (matchedOneToOne is null)
                {
                    var metric0 = ResultMetric(l.Metric, r.Metric, m);
                    MarkMany(sig, l.DropName || DropsName(b.Op) ? LabelOps.DropMetricName(metric0) : metric0);
                }
                continue;
            }
            var metric = ResultMetric(l.Metric, r.Metric, m);
            var drop = l.DropName || DropsName(b.Op) || b.ReturnBool;
            if (matchedOneToOne is null)
            {
                MarkMany(sig, drop ? LabelOps.DropMetricName(metric) : metric);
            }
            result.Add(new VSample(metric, value, l.T, drop, hist));
        }
        if (lastErr is not null)
        {
            Annotations.Add(lastErr);
        }
        return result;

        void MarkMany(ulong sig, Labels key)
        {
            if (!matchedMany!.TryGetValue(sig, out var inserted))
            {
                inserted = [];
                matchedMany[sig] = inserted;
            }
            if (!inserted.Add(key))
            {
                throw new PromQlEvaluationException("multiple matches for labels: grouping labels must ensure unique matches");
            }
        }
    }

    private static Annotation IncompatibleTypes(string lhs, BinaryOp op, string rhs, PositionRange pos)
    {
        var o = BinaryExpr.OpText(op);
        return new Annotation(false, $"PromQL info: incompatible sample types encountered for binary operator \"{o}\": {lhs} {o} {rhs}", pos);
    }

    /// <summary>
    /// Prometheus' vectorElemBinop: the result of one element pair with floats, histograms or both. An
    /// unsupported combination yields no sample and an info annotation (returned as <c>Err</c>, as Prometheus does).
    /// </summary>
    private static (double F, FloatHistogram? H, bool Keep, Annotation? Info, Annotation? Err) VectorElemOp(BinaryOp op, double lf, double rf, FloatHistogram? lh, FloatHistogram? rh, PositionRange pos)
    {
        if (lh is null && rh is null)
        {
            var (v, keep) = ElemOp(op, lf, rf);
            return (v, null, keep, null, null);
        }
        if (lh is null)
        {
            return op == BinaryOp.Mul
                ? (0, rh!.Mul(lf).Compact(), true, null, null)
                : (0, null, false, null, IncompatibleTypes("float", op, "histogram", pos));
        }
        if (rh is null)
        {
            return op switch
            {
                BinaryOp.Mul => (0, lh.Mul(rf).Compact(), true, null, null),
                BinaryOp.Div => (0, lh.Div(rf).Compact(), true, null, null),
                _ => (0, null, false, null, IncompatibleTypes("histogram", op, "float", pos)),
            };
        }
        switch (op)
        {
            case BinaryOp.Add or BinaryOp.Sub:
                {
                    FloatHistogram res;
                    bool collision, reconciled;
                    try
                    {
                        (res, collision, reconciled) = op == BinaryOp.Add ? lh.Add(rh) : lh.Sub(rh);
                    }
                    catch (HistogramException)
                    {
                        return (0, null, false, null, new Annotation(true, $"PromQL warning: incompatible bucket layout encountered for binary operator {BinaryExpr.OpText(op)}", pos));
                    }
                    if (op == BinaryOp.Sub)
                    {
                        res = res with { CounterResetHint = CounterResetHint.Gauge };
                    }
                    var what = op == BinaryOp.Add ? "addition" : "subtraction";
                    Annotation? info = reconciled ? new Annotation(false, "PromQL info: mismatched custom buckets were reconciled during " + what, pos) : null;
                    Annotation? err = collision ? new Annotation(true, "PromQL warning: conflicting counter resets during histogram " + what, pos) : null;
                    return (0, res.Compact(), true, info, err);
                }
            case BinaryOp.Eql:
                return (0, lh, lh.Equals(rh), null, null);
            case BinaryOp.Neq:
                return (0, lh, !lh.Equals(rh), null, null);
            default:
                return (0, null, false, null, IncompatibleTypes("histogram", op, "histogram", pos));
        }
    }

    private static Labels ResultMetric(Labels lhs, Labels rhs, VectorMatching m)
    {
        var result = lhs;
        if (m.Card == Cardinality.OneToOne)
        {
            result = m.On ? LabelOps.Keep(result, m.MatchingLabels) : LabelOps.Drop(result, m.MatchingLabels, false);
        }
        foreach (var name in m.Include)
        {
            result = LabelOps.Set(result, name, rhs[name]);
        }
        return result;
    }
}
