namespace Alerting.Core.Model.Histograms;

/// <summary>
/// Addition and subtraction as Prometheus' FloatHistogram.Add/Sub/KahanAdd: the result takes the lower of the two
/// schemas and the wider zero bucket; custom-bucket histograms with different bounds are added on the bounds
/// both share. Results are not compacted (callers do, as the engine does).
/// </summary>
public sealed partial record FloatHistogram
{
    private struct Cell(int index, double v, double c)
    {
        public int Index = index;
        public double V = v;
        public double C = c;
    }

    private sealed class Work
    {
        public CounterResetHint Hint;
        public int Schema;
        public double ZeroThreshold;
        public double ZeroCount;
        public double CZeroCount;
        public double Count;
        public double CCount;
        public double Sum;
        public double CSum;
        public List<Cell> Pos = [];
        public List<Cell> Neg = [];
        public double[]? Custom;

        public static Work From(FloatHistogram h, FloatHistogram? c) => new()
        {
            Hint = h.CounterResetHint,
            Schema = h.Schema,
            ZeroThreshold = h.ZeroThreshold,
            ZeroCount = h.ZeroCount,
            CZeroCount = c?.ZeroCount ?? 0,
            Count = h.Count,
            CCount = c?.Count ?? 0,
            Sum = h.Sum,
            CSum = c?.Sum ?? 0,
            Pos = Cells(h.Positive, c?.Positive),
            Neg = Cells(h.Negative, c?.Negative),
            Custom = h.CustomValues,
        };

        private static List<Cell> Cells(HistogramBucket[] v, HistogramBucket[]? c)
        {
            var list = new List<Cell>(v.Length);
            for (var i = 0; i < v.Length; i++)
            {
                list.Add(new Cell(v[i].Index, v[i].Count, c is not null && i < c.Length ? c[i].Count : 0));
            }
            return list;
        }

        public FloatHistogram Value() => new()
        {
            CounterResetHint = Hint,
            Schema = Schema,
            ZeroThreshold = ZeroThreshold,
            ZeroCount = ZeroCount,
            Count = Count,
            Sum = Sum,
            Positive = Pos.ConvertAll(x => new HistogramBucket(x.Index, x.V)).ToArray(),
            Negative = Neg.ConvertAll(x => new HistogramBucket(x.Index, x.V)).ToArray(),
            CustomValues = Custom,
        };

        public FloatHistogram Compensation() => new()
        {
            CounterResetHint = Hint,
            Schema = Schema,
            ZeroThreshold = ZeroThreshold,
            ZeroCount = CZeroCount,
            Count = CCount,
            Sum = CSum,
            Positive = Pos.ConvertAll(x => new HistogramBucket(x.Index, x.C)).ToArray(),
            Negative = Neg.ConvertAll(x => new HistogramBucket(x.Index, x.C)).ToArray(),
            CustomValues = Custom,
        };
    }

    public (FloatHistogram Result, bool CounterResetCollision, bool NhcbBoundsReconciled) Add(FloatHistogram other)
    {
        var (w, collision, reconciled) = Combine(this, null, other, false, false);
        return (w.Value(), collision, reconciled);
    }

    public (FloatHistogram Result, bool CounterResetCollision, bool NhcbBoundsReconciled) Sub(FloatHistogram other)
    {
        var (w, collision, reconciled) = Combine(this, null, other, true, false);
        return (w.Value(), collision, reconciled);
    }

    /// <summary>Compensated (Kahan) addition; <paramref name="compensation"/> is null at the start of a sum.</summary>
    public (FloatHistogram Sum, FloatHistogram Compensation, bool CounterResetCollision, bool NhcbBoundsReconciled) KahanAdd(FloatHistogram other, FloatHistogram? compensation)
    {
        var (w, collision, reconciled) = Combine(this, compensation, other, false, true);
        return (w.Value(), w.Compensation(), collision, reconciled);
    }

    private static (Work W, bool Collision, bool Reconciled) Combine(FloatHistogram h, FloatHistogram? hc, FloatHistogram other, bool negative, bool kahan)
    {
        if (h.UsesCustomBuckets != other.UsesCustomBuckets)
        {
            throw new HistogramException(HistogramException.IncompatibleSchema);
        }
        var w = Work.From(h, hc);
        var collision = AdjustCounterReset(w, other);
        var reconciled = false;
        if (!h.UsesCustomBuckets)
        {
            var (otherZero, otherCZero) = ReconcileZeroBuckets(w, other, kahan);
            Accumulate(ref w.ZeroCount, ref w.CZeroCount, otherZero, negative, kahan);
            if (kahan)
            {
                (w.ZeroCount, w.CZeroCount) = KahanSum.Inc(otherCZero, w.ZeroCount, w.CZeroCount);
            }
        }
        Accumulate(ref w.Count, ref w.CCount, other.Count, negative, kahan);
        Accumulate(ref w.Sum, ref w.CSum, other.Sum, negative, kahan);

        if (h.UsesCustomBuckets)
        {
            if (CustomBoundsMatch(w.Custom, other.CustomValues))
            {
                w.Pos = AddCells(w.Pos, ToCells(other.Positive), negative, kahan, w.Schema, w.ZeroThreshold);
            }
            else
            {
                reconciled = true;
                var intersected = IntersectBounds(w.Custom ?? [], other.CustomValues ?? []);
                w.Pos = AddMismatchedCustom(w.Pos, w.Custom ?? [], other.Positive, other.CustomValues ?? [], intersected, negative, kahan);
                w.Custom = intersected;
            }
            return (w, collision, reconciled);
        }

        var otherPos = ToCells(other.Positive);
        var otherNeg = ToCells(other.Negative);
        if (other.Schema < w.Schema)
        {
            w.Pos = ReduceCells(w.Pos, w.Schema, other.Schema, kahan);
            w.Neg = ReduceCells(w.Neg, w.Schema, other.Schema, kahan);
            w.Schema = other.Schema;
        }
        else if (other.Schema > w.Schema)
        {
            otherPos = ReduceCells(otherPos, other.Schema, w.Schema, kahan);
            otherNeg = ReduceCells(otherNeg, other.Schema, w.Schema, kahan);
        }
        w.Pos = AddCells(w.Pos, otherPos, negative, kahan, w.Schema, w.ZeroThreshold);
        w.Neg = AddCells(w.Neg, otherNeg, negative, kahan, w.Schema, w.ZeroThreshold);
        return (w, collision, reconciled);
    }

    private static void Accumulate(ref double value, ref double c, double inc, bool negative, bool kahan)
    {
        if (kahan)
        {
            (value, c) = KahanSum.Inc(negative ? -inc : inc, value, c);
        }
        else
        {
            value = negative ? value - inc : value + inc;
        }
    }

    private static bool AdjustCounterReset(Work w, FloatHistogram other)
    {
        if (other.CounterResetHint == w.Hint || w.Hint == CounterResetHint.Gauge)
        {
            return false;
        }
        if (other.CounterResetHint == CounterResetHint.Gauge)
        {
            w.Hint = CounterResetHint.Gauge;
            return false;
        }
        if (w.Hint == CounterResetHint.Unknown)
        {
            return false;
        }
        if (other.CounterResetHint == CounterResetHint.Unknown)
        {
            w.Hint = CounterResetHint.Unknown;
            return false;
        }
        w.Hint = CounterResetHint.Unknown;
        return true;
    }

    private static List<Cell> ToCells(HistogramBucket[] b)
    {
        var list = new List<Cell>(b.Length);
        foreach (var x in b)
        {
            list.Add(new Cell(x.Index, x.Count, 0));
        }
        return list;
    }

    /// <summary>Widens the zero buckets of both sides to the larger threshold (Prometheus' reconcileZeroBuckets).</summary>
    private static (double OtherZero, double OtherCZero) ReconcileZeroBuckets(Work w, FloatHistogram other, bool kahan)
    {
        var otherZero = other.ZeroCount;
        var otherThreshold = other.ZeroThreshold;
        double otherCZero = 0;
        while (otherThreshold != w.ZeroThreshold)
        {
            if (w.ZeroThreshold > otherThreshold)
            {
                (otherZero, otherThreshold, otherCZero) = other.ZeroCountForLargerThreshold(w.ZeroThreshold, null);
            }
            if (otherThreshold > w.ZeroThreshold)
            {
                var current = w.Value();
                var (zc, threshold, czc) = current.ZeroCountForLargerThreshold(otherThreshold, kahan ? w.Compensation() : null);
                w.ZeroCount = zc;
                w.ZeroThreshold = threshold;
                if (kahan)
                {
                    w.CZeroCount = czc;
                }
                TrimBucketsInZeroBucket(w, kahan);
            }
        }
        return (otherZero, otherCZero);
    }

    private static void TrimBucketsInZeroBucket(Work w, bool kahan)
    {
        for (var i = 0; i < w.Pos.Count; i++)
        {
            var lower = Bound(w.Pos[i].Index - 1, w.Schema, w.Custom);
            if (lower >= w.ZeroThreshold)
            {
                break;
            }
            w.Pos[i] = new Cell(w.Pos[i].Index, 0, 0);
        }
        for (var i = 0; i < w.Neg.Count; i++)
        {
            var upper = -Bound(w.Neg[i].Index - 1, w.Schema, w.Custom);
            if (upper <= -w.ZeroThreshold)
            {
                break;
            }
            w.Neg[i] = new Cell(w.Neg[i].Index, 0, 0);
        }
        _ = kahan;
        w.Pos.RemoveAll(static x => x.V == 0 && x.C == 0);
        w.Neg.RemoveAll(static x => x.V == 0 && x.C == 0);
    }

    private static List<Cell> ReduceCells(List<Cell> cells, int from, int to, bool kahan)
    {
        var list = new List<Cell>(cells.Count);
        foreach (var x in cells)
        {
            var t = TargetIndex(x.Index, from, to);
            if (list.Count > 0 && list[^1].Index == t)
            {
                var last = list[^1];
                if (kahan)
                {
                    (last.V, last.C) = KahanSum.Inc(x.V, last.V, last.C);
                    (last.V, last.C) = KahanSum.Inc(x.C, last.V, last.C);
                }
                else
                {
                    last.V += x.V;
                }
                list[^1] = last;
            }
            else
            {
                list.Add(new Cell(t, x.V, kahan ? x.C : 0));
            }
        }
        return list;
    }

    private static List<Cell> AddCells(List<Cell> a, List<Cell> b, bool negative, bool kahan, int schema, double threshold)
    {
        var start = 0;
        if (schema != CustomBucketsSchema)
        {
            while (start < b.Count && ExponentialBound(b[start].Index, schema) <= threshold)
            {
                start++;
            }
        }
        var result = new List<Cell>(a.Count + b.Count - start);
        var i = 0;
        var j = start;
        var sign = negative ? -1.0 : 1.0;
        while (i < a.Count || j < b.Count)
        {
            if (j >= b.Count || (i < a.Count && a[i].Index < b[j].Index))
            {
                result.Add(a[i++]);
                continue;
            }
            var bv = sign * b[j].V;
            var bc = sign * b[j].C;
            if (i >= a.Count || a[i].Index > b[j].Index)
            {
                result.Add(new Cell(b[j].Index, bv, kahan ? bc : 0));
                j++;
                continue;
            }
            var cell = a[i];
            if (kahan)
            {
                (cell.V, cell.C) = KahanSum.Inc(bv, cell.V, cell.C);
                if (bc != 0)
                {
                    (cell.V, cell.C) = KahanSum.Inc(bc, cell.V, cell.C);
                }
            }
            else
            {
                cell.V += bv;
            }
            result.Add(cell);
            i++;
            j++;
        }
        return result;
    }

    private static double[] IntersectBounds(double[] a, double[] b)
    {
        var result = new List<double>();
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j])
            {
                result.Add(a[i]);
                i++;
                j++;
            }
            else if (a[i] < b[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }
        return [.. result];
    }

    private static List<Cell> AddMismatchedCustom(List<Cell> a, double[] boundsA, HistogramBucket[] b, double[] boundsB, double[] intersected, bool negative, bool kahan)
    {
        var target = new double[intersected.Length + 1];
        var cTarget = new double[intersected.Length + 1];
        var intersectIdx = 0;
        foreach (var x in a)
        {
            var t = Target(x.Index, boundsA, ref intersectIdx);
            (target[t], cTarget[t]) = KahanSum.Inc(x.V, target[t], cTarget[t]);
            if (kahan)
            {
                (target[t], cTarget[t]) = KahanSum.Inc(x.C, target[t], cTarget[t]);
            }
        }
        intersectIdx = 0;
        foreach (var x in b)
        {
            var t = Target(x.Index, boundsB, ref intersectIdx);
            (target[t], cTarget[t]) = negative ? KahanSum.Dec(x.Count, target[t], cTarget[t]) : KahanSum.Inc(x.Count, target[t], cTarget[t]);
        }
        var result = new List<Cell>();
        for (var i = 0; i < target.Length; i++)
        {
            if (target[i] == 0 && cTarget[i] == 0)
            {
                continue;
            }
            result.Add(new Cell(i, target[i], kahan ? cTarget[i] : 0));
        }
        return result;

        int Target(int srcIdx, double[] bounds, ref int pos)
        {
            if (srcIdx >= bounds.Length)
            {
                return target.Length - 1;
            }
            var srcBound = bounds[srcIdx];
            while (pos < intersected.Length)
            {
                if (intersected[pos] >= srcBound)
                {
                    return pos;
                }
                pos++;
            }
            return target.Length - 1;
        }
    }
}
