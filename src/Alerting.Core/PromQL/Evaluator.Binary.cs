using Alerting.Core.Model;

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
        foreach (var s in vec)
        {
            var lv = s.F;
            var rv = scalar;
            if (swap)
            {
                (lv, rv) = (rv, lv);
            }
            var (value, keep) = ElemOp(b.Op, lv, rv);
            if (isCmp && swap)
            {
                value = rv;
            }
            if (b.ReturnBool)
            {
                value = keep ? 1 : 0;
                keep = true;
            }
            if (keep)
            {
                result.Add(new VSample(s.Metric, value, s.T, s.DropName || DropsName(b.Op) || b.ReturnBool));
            }
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
        foreach (var l in lhs)
        {
            var sig = SignatureHash(l.Metric, m);
            if (!oneSide.TryGetValue(sig, out var r))
            {
                continue;
            }
            // Cardinality is checked before filtering so an error does not depend on the values.
            if (matchedOneToOne is not null && !matchedOneToOne.Add(sig))
            {
                throw new PromQlEvaluationException("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
            }
            var vl = l.F;
            var vr = r.F;
            if (card == Cardinality.OneToMany)
            {
                (vl, vr) = (vr, vl);
            }
            var (value, keep) = ElemOp(b.Op, vl, vr);
            if (b.ReturnBool)
            {
                value = keep ? 1 : 0;
            }
            else if (!keep)
            {
                continue;
            }
            var metric = ResultMetric(l.Metric, r.Metric, m);
            var drop = l.DropName || DropsName(b.Op) || b.ReturnBool;
            if (matchedOneToOne is null)
            {
                if (!matchedMany!.TryGetValue(sig, out var inserted))
                {
                    inserted = [];
                    matchedMany[sig] = inserted;
                }
                var key = drop ? LabelOps.DropMetricName(metric) : metric;
                if (!inserted.Add(key))
                {
                    throw new PromQlEvaluationException("multiple matches for labels: grouping labels must ensure unique matches");
                }
            }
            result.Add(new VSample(metric, value, l.T, drop));
        }
        return result;
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
