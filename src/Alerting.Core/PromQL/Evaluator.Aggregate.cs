using Alerting.Core.Model;

namespace Alerting.Core.PromQL;

internal sealed partial class Evaluator
{
    private sealed class Group(Labels labels, bool dropName)
    {
        public Labels Labels { get; } = labels;

        public bool DropName { get; set; } = dropName;

        public double Value;
        public double C;
        public double Mean;
        public double Count;
        public bool Incremental;
        public List<VSample>? Members;
    }

    internal static (double Sum, double C) KahanInc(double inc, double sum, double c)
    {
        var t = sum + inc;
        if (double.IsInfinity(t))
        {
            c = 0;
        }
        else if (Math.Abs(sum) >= Math.Abs(inc))
        {
            c += (sum - t) + inc;
        }
        else
        {
            c += (inc - t) + sum;
        }
        return (t, c);
    }

    private EvalValue EvalAggregate(AggregateExpr a, long ts)
    {
        double param = 0;
        string? labelParam = null;
        if (a.Param is not null)
        {
            var pv = Eval(a.Param, ts);
            if (pv is StringResult sr)
            {
                labelParam = sr.Value;
            }
            else
            {
                param = ((ScalarResult)pv).Value;
            }
        }
        var input = EvalVectorArg(a.Inner, ts);
        switch (a.Op)
        {
            case AggregateOp.TopK or AggregateOp.BottomK or AggregateOp.LimitK:
                if (double.IsNaN(param))
                {
                    throw new PromQlEvaluationException("Parameter value is NaN");
                }
                break;
            case AggregateOp.LimitRatio:
                if (double.IsNaN(param))
                {
                    throw new PromQlEvaluationException("Ratio value is NaN");
                }
                break;
            case AggregateOp.CountValues:
                if (!LabelOps.IsValidLabelName(labelParam!))
                {
                    throw new PromQlEvaluationException("invalid label name " + LabelOps.GoQuote(labelParam!));
                }
                break;
        }
        if (a.Op is AggregateOp.TopK or AggregateOp.BottomK or AggregateOp.LimitK && param < 1)
        {
            return new VectorResult([]);
        }

        // Groups are keyed by a hash of the grouping labels; the label set is only built per new group.
        var groups = new Dictionary<ulong, Group>();
        var order = new List<Group>();
        var keepsName = !a.Without && a.Grouping.Contains(Labels.MetricName);
        foreach (var s in input)
        {
            var hash = LabelOps.Hash(s.Metric, a.Grouping, !a.Without);
            string? countValue = null;
            if (a.Op == AggregateOp.CountValues)
            {
                countValue = FormatGoFloat(s.F);
                hash = (hash ^ (ulong)StringComparer.Ordinal.GetHashCode(countValue)) * 1099511628211UL;
            }
            if (!groups.TryGetValue(hash, out var g))
            {
                var key = a.Without ? LabelOps.Drop(s.Metric, a.Grouping, true) : LabelOps.Keep(s.Metric, a.Grouping);
                if (countValue is not null)
                {
                    key = LabelOps.Set(key, labelParam!, countValue);
                }
                g = new Group(key, keepsName && s.DropName) { Value = s.F, Mean = s.F, Count = 1 };
                groups[hash] = g;
                order.Add(g);
                if (a.Op is AggregateOp.Stddev or AggregateOp.Stdvar)
                {
                    // A lone non-finite value has no defined spread.
                    g.Value = double.IsFinite(s.F) ? 0 : double.NaN;
                }
                if (a.Op is AggregateOp.TopK or AggregateOp.BottomK or AggregateOp.LimitK or AggregateOp.LimitRatio or AggregateOp.Quantile)
                {
                    g.Members = [s];
                }
                continue;
            }
            if (keepsName && s.DropName)
            {
                // by(__name__): the group's name goes if any member's name was due to be dropped.
                g.DropName = true;
            }
            switch (a.Op)
            {
                case AggregateOp.Sum:
                    (g.Value, g.C) = KahanInc(s.F, g.Value, g.C);
                    break;
                case AggregateOp.Avg:
                    g.Count++;
                    if (!g.Incremental)
                    {
                        var (nv, nc) = KahanInc(s.F, g.Value, g.C);
                        if (!double.IsInfinity(nv))
                        {
                            g.Value = nv;
                            g.C = nc;
                            break;
                        }
                        g.Incremental = true;
                        g.Mean = g.Value / (g.Count - 1);
                        g.C /= g.Count - 1;
                    }
                    var q = (g.Count - 1) / g.Count;
                    (g.Mean, g.C) = KahanInc(s.F / g.Count, q * g.Mean, q * g.C);
                    break;
                case AggregateOp.Count or AggregateOp.CountValues:
                    g.Count++;
                    break;
                case AggregateOp.Group:
                    break;
                case AggregateOp.Max:
                    if (g.Value < s.F || double.IsNaN(g.Value))
                    {
                        g.Value = s.F;
                    }
                    break;
                case AggregateOp.Min:
                    if (g.Value > s.F || double.IsNaN(g.Value))
                    {
                        g.Value = s.F;
                    }
                    break;
                case AggregateOp.Stddev or AggregateOp.Stdvar:
                    {
                        g.Count++;
                        var delta = s.F - g.Mean;
                        g.Mean += delta / g.Count;
                        g.Value += delta * (s.F - g.Mean);
                        break;
                    }
                default:
                    g.Members!.Add(s);
                    break;
            }
        }

        var result = new List<VSample>(order.Count);
        foreach (var g in order)
        {
            switch (a.Op)
            {
                case AggregateOp.Sum:
                    Emit(g, g.Value + g.C);
                    break;
                case AggregateOp.Avg:
                    Emit(g, g.Incremental ? g.Mean + g.C : (g.Value / g.Count) + (g.C / g.Count));
                    break;
                case AggregateOp.Count or AggregateOp.CountValues:
                    Emit(g, g.Count);
                    break;
                case AggregateOp.Group:
                    Emit(g, 1);
                    break;
                case AggregateOp.Max or AggregateOp.Min:
                    Emit(g, g.Value);
                    break;
                case AggregateOp.Stdvar:
                    Emit(g, g.Value / g.Count);
                    break;
                case AggregateOp.Stddev:
                    Emit(g, Math.Sqrt(g.Value / g.Count));
                    break;
                case AggregateOp.Quantile:
                    {
                        var values = new double[g.Members!.Count];
                        for (var i = 0; i < values.Length; i++)
                        {
                            values[i] = g.Members[i].F;
                        }
                        Emit(g, Quantile(param, values));
                        break;
                    }
                case AggregateOp.TopK or AggregateOp.BottomK:
                    {
                        var members = g.Members!;
                        var top = a.Op == AggregateOp.TopK;
                        // Stable order keeps ties in input order, NaN always sorts to the end.
                        var sorted = members.Select((m, i) => (m, i)).ToList();
                        sorted.Sort((x, y) =>
                        {
                            var c = CompareForK(x.m.F, y.m.F, top);
                            return c != 0 ? c : x.i.CompareTo(y.i);
                        });
                        var k = (int)Math.Min(param, sorted.Count);
                        for (var i = 0; i < k; i++)
                        {
                            result.Add(sorted[i].m);
                        }
                        break;
                    }
                case AggregateOp.LimitK:
                    {
                        var k = (int)Math.Min(param, g.Members!.Count);
                        for (var i = 0; i < k; i++)
                        {
                            result.Add(g.Members[i]);
                        }
                        break;
                    }
                default:
                    throw new PromQlEvaluationException("limit_ratio is not supported");
            }
        }
        return new VectorResult(result);

        void Emit(Group g, double v) => result.Add(new VSample(g.Labels, v, ts, g.DropName));
    }

    private static int CompareForK(double a, double b, bool top)
    {
        var an = double.IsNaN(a);
        var bn = double.IsNaN(b);
        if (an || bn)
        {
            return an == bn ? 0 : an ? 1 : -1;
        }
        return top ? b.CompareTo(a) : a.CompareTo(b);
    }

    /// <summary>Prometheus' quantile: linear interpolation between the closest ranks, NaNs sorted first.</summary>
    internal static double Quantile(double q, double[] values)
    {
        if (values.Length == 0 || double.IsNaN(q))
        {
            return double.NaN;
        }
        if (q < 0)
        {
            return double.NegativeInfinity;
        }
        if (q > 1)
        {
            return double.PositiveInfinity;
        }
        Array.Sort(values, static (x, y) =>
        {
            var xn = double.IsNaN(x);
            var yn = double.IsNaN(y);
            if (xn || yn)
            {
                return xn == yn ? 0 : xn ? -1 : 1;
            }
            return x.CompareTo(y);
        });
        var n = (double)values.Length;
        var rank = q * (n - 1);
        var lower = Math.Max(0, Math.Floor(rank));
        var upper = Math.Min(n - 1, lower + 1);
        var weight = rank - Math.Floor(rank);
        return (values[(int)lower] * (1 - weight)) + (values[(int)upper] * weight);
    }

    /// <summary>Go's strconv.FormatFloat(f, 'f', -1, 64): shortest round-trip digits, never an exponent.</summary>
    internal static string FormatGoFloat(double f) => GoFloat.Format(f, 'f', -1);
}
