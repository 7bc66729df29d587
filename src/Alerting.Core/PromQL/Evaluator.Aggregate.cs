using System.Text;
using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;

namespace Alerting.Core.PromQL;

internal sealed partial class Evaluator
{
    private sealed class Group(Labels labels, bool dropName)
    {
        public Labels Labels { get; } = labels;

        public bool DropName { get; set; } = dropName;

        public bool Seen;
        public double Value;
        public double C;
        public double Mean;
        public double Count;
        public bool Incremental;
        public List<VSample>? Members;

        public bool HasFloat;
        public bool HasHistogram;
        public bool IncompatibleHistograms;
        public bool HIncremental;
        public bool CounterResetSeen;
        public bool NotCounterResetSeen;
        public FloatHistogram? HValue;
        public FloatHistogram? HMean;
        public FloatHistogram? HKahanC;

        public void Reset(VSample s)
        {
            Seen = true;
            Value = s.F;
            Mean = s.F;
            C = 0;
            Count = 1;
            Incremental = false;
            Members = null;
            HasFloat = false;
            HasHistogram = false;
            IncompatibleHistograms = false;
            HIncremental = false;
            CounterResetSeen = false;
            NotCounterResetSeen = false;
            HValue = null;
            HMean = null;
            HKahanC = null;
            DropName = s.DropName;
        }

        public void NoteHint(FloatHistogram h)
        {
            switch (h.CounterResetHint)
            {
                case CounterResetHint.CounterReset:
                    CounterResetSeen = true;
                    break;
                case CounterResetHint.NotCounterReset:
                    NotCounterResetSeen = true;
                    break;
            }
        }
    }

    internal static (double Sum, double C) KahanInc(double inc, double sum, double c) => KahanSum.Inc(inc, sum, c);

    private static string OpName(AggregateOp op) => op switch
    {
        AggregateOp.Stdvar => "stdvar",
        AggregateOp.Stddev => "stddev",
        AggregateOp.Quantile => "quantile",
        AggregateOp.Min => "min",
        AggregateOp.Max => "max",
        AggregateOp.TopK => "topk",
        AggregateOp.BottomK => "bottomk",
        _ => op.ToString().ToLowerInvariant(),
    };

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
        var innerPos = a.Inner.Position;
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
                if (param > 1)
                {
                    Annotations.Warn($"ratio value should be between -1 and 1, got {GoFloat.Format(param, 'g', -1)}, capping to 1", a.Param!.Position);
                }
                if (param < -1)
                {
                    Annotations.Warn($"ratio value should be between -1 and 1, got {GoFloat.Format(param, 'g', -1)}, capping to -1", a.Param!.Position);
                }
                break;
            case AggregateOp.Quantile:
                if (double.IsNaN(param) || param < 0 || param > 1)
                {
                    Annotations.Warn("quantile value should be between 0 and 1, got " + GoFloat.Format(param, 'g', -1), a.Param!.Position);
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
        if (a.Op == AggregateOp.LimitRatio && param == 0)
        {
            return new VectorResult([]);
        }
        var ratio = Math.Clamp(param, -1, 1);

        // Groups are keyed by a hash of the grouping labels; the label set is only built per new group.
        var groups = new Dictionary<ulong, Group>();
        var order = new List<Group>();
        var keepsName = !a.Without && a.Grouping.Contains(Labels.MetricName);
        foreach (var s in input)
        {
            var metric = s.Metric;
            if (a.Op == AggregateOp.CountValues)
            {
                // As Prometheus: the value label is set first, so grouping sees it (even when it overwrites a label).
                metric = LabelOps.Set(metric, labelParam!, s.H is null ? FormatGoFloat(s.F) : s.H.PrometheusString());
            }
            var grouping = a.Op == AggregateOp.CountValues && !a.Without && !a.Grouping.Contains(labelParam!) ? [.. a.Grouping, labelParam!] : a.Grouping;
            var groupingWithout = a.Op == AggregateOp.CountValues && a.Without ? a.Grouping.Where(x => x != labelParam).ToList() : a.Grouping;
            var hash = LabelOps.Hash(metric, a.Without ? groupingWithout : grouping, !a.Without);
            if (!groups.TryGetValue(hash, out var g))
            {
                var key = a.Without ? LabelOps.Drop(metric, groupingWithout, true) : LabelOps.Keep(metric, grouping);
                g = new Group(key, keepsName && s.DropName);
                groups[hash] = g;
                order.Add(g);
            }
            if (!g.Seen)
            {
                g.Reset(s);
                g.DropName = keepsName && s.DropName;
                InitGroup(g, s);
                continue;
            }
            if (g.IncompatibleHistograms)
            {
                continue;
            }
            if (keepsName && s.DropName)
            {
                // by(__name__): the group's name goes if any member's name was due to be dropped.
                g.DropName = true;
            }
            Accumulate(g, s);
        }

        var result = new List<VSample>(order.Count);
        foreach (var g in order)
        {
            if (!g.Seen)
            {
                continue;
            }
            switch (a.Op)
            {
                case AggregateOp.Sum:
                    if (g.HasFloat && g.HasHistogram)
                    {
                        Annotations.Warn("encountered a mix of histograms and floats for aggregation", innerPos);
                        continue;
                    }
                    if (g.IncompatibleHistograms)
                    {
                        continue;
                    }
                    if (g.HasHistogram)
                    {
                        var h = g.HValue!;
                        if (g.HKahanC is not null)
                        {
                            h = h.Add(g.HKahanC).Result;
                        }
                        CollisionWarning(g);
                        EmitH(g, h.Compact());
                        break;
                    }
                    Emit(g, g.Value + g.C);
                    break;
                case AggregateOp.Avg:
                    if (g.HasFloat && g.HasHistogram)
                    {
                        Annotations.Warn("encountered a mix of histograms and floats for aggregation", innerPos);
                        continue;
                    }
                    if (g.IncompatibleHistograms)
                    {
                        continue;
                    }
                    if (g.HasHistogram)
                    {
                        FloatHistogram h;
                        if (g.HIncremental)
                        {
                            h = g.HKahanC is not null ? g.HMean!.Add(g.HKahanC).Result : g.HMean!;
                        }
                        else
                        {
                            h = g.HValue!.Div(g.Count);
                            if (g.HKahanC is not null)
                            {
                                h = h.Add(g.HKahanC.Div(g.Count)).Result;
                            }
                        }
                        CollisionWarning(g);
                        EmitH(g, h.Compact());
                        break;
                    }
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
                        result.AddRange(KHeap.Select(g.Members!, (long)Math.Min(param, int.MaxValue), a.Op == AggregateOp.TopK));
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
                case AggregateOp.LimitRatio:
                    result.AddRange(g.Members!);
                    break;
            }
        }
        return new VectorResult(result);

        void Emit(Group g, double v) => result.Add(new VSample(g.Labels, v, ts, g.DropName));

        void EmitH(Group g, FloatHistogram h) => result.Add(new VSample(g.Labels, 0, ts, g.DropName, h));

        void CollisionWarning(Group g)
        {
            if (g.CounterResetSeen && g.NotCounterResetSeen)
            {
                Annotations.Warn("conflicting counter resets during histogram aggregation", innerPos);
            }
        }

        void Ignored(string op) => Annotations.Info($"ignored histogram in {op} aggregation", a.Op is AggregateOp.TopK or AggregateOp.BottomK ? a.Position : innerPos);

        void InitGroup(Group g, VSample s)
        {
            var h = s.H;
            switch (a.Op)
            {
                case AggregateOp.Sum or AggregateOp.Avg:
                    if (h is null)
                    {
                        g.HasFloat = true;
                    }
                    else
                    {
                        g.HValue = h;
                        g.HasHistogram = true;
                        g.NoteHint(h);
                    }
                    break;
                case AggregateOp.Stdvar or AggregateOp.Stddev:
                    if (h is not null)
                    {
                        g.Seen = false;
                        Ignored(OpName(a.Op));
                    }
                    else
                    {
                        // A lone non-finite value has no defined spread.
                        g.Value = double.IsFinite(s.F) ? 0 : double.NaN;
                    }
                    break;
                case AggregateOp.Quantile:
                    if (h is not null)
                    {
                        g.Seen = false;
                        Ignored("quantile");
                    }
                    g.Members = [s];
                    break;
                case AggregateOp.Min or AggregateOp.Max:
                    if (h is not null)
                    {
                        g.Seen = false;
                        Ignored(OpName(a.Op));
                    }
                    break;
                case AggregateOp.TopK or AggregateOp.BottomK:
                    g.Members = [];
                    if (h is not null)
                    {
                        g.Seen = false;
                        Ignored(OpName(a.Op));
                    }
                    else
                    {
                        g.Members.Add(s);
                    }
                    break;
                case AggregateOp.LimitK:
                    g.Members = [s];
                    break;
                case AggregateOp.LimitRatio:
                    g.Members = [];
                    if (InRatio(s.Metric, ratio))
                    {
                        g.Members.Add(s);
                    }
                    break;
            }
        }

        void Accumulate(Group g, VSample s)
        {
            var h = s.H;
            switch (a.Op)
            {
                case AggregateOp.Sum:
                    if (h is not null)
                    {
                        g.HasHistogram = true;
                        if (g.HValue is not null)
                        {
                            g.NoteHint(h);
                            try
                            {
                                var (sum, comp, _, reconciled) = g.HValue.KahanAdd(h, g.HKahanC);
                                g.HValue = sum;
                                g.HKahanC = comp;
                                if (reconciled)
                                {
                                    Annotations.Info("mismatched custom buckets were reconciled during aggregation", innerPos);
                                }
                            }
                            catch (HistogramException)
                            {
                                MixedSchemas(s);
                                g.IncompatibleHistograms = true;
                            }
                        }
                    }
                    else
                    {
                        g.HasFloat = true;
                        (g.Value, g.C) = KahanInc(s.F, g.Value, g.C);
                    }
                    break;
                case AggregateOp.Avg:
                    g.Count++;
                    if (h is not null)
                    {
                        g.HasHistogram = true;
                        if (g.HValue is null)
                        {
                            break;
                        }
                        g.NoteHint(h);
                        try
                        {
                            if (!g.HIncremental)
                            {
                                var (v, c, _, reconciled) = g.HValue.KahanAdd(h, g.HKahanC);
                                if (reconciled)
                                {
                                    Annotations.Info("mismatched custom buckets were reconciled during aggregation", innerPos);
                                }
                                if (!v.HasOverflow())
                                {
                                    g.HValue = v;
                                    g.HKahanC = c;
                                    break;
                                }
                                g.HIncremental = true;
                                g.HMean = g.HValue.Div(g.Count - 1);
                                g.HKahanC = g.HKahanC?.Div(g.Count - 1);
                            }
                            var q = (g.Count - 1) / g.Count;
                            g.HKahanC = g.HKahanC?.Mul(q);
                            var toAdd = h.Div(g.Count);
                            var (mean, comp, _, reconciled2) = g.HMean!.Mul(q).KahanAdd(toAdd, g.HKahanC);
                            g.HMean = mean;
                            g.HKahanC = comp;
                            if (reconciled2)
                            {
                                Annotations.Info("mismatched custom buckets were reconciled during aggregation", innerPos);
                            }
                        }
                        catch (HistogramException)
                        {
                            MixedSchemas(s);
                            g.IncompatibleHistograms = true;
                        }
                        break;
                    }
                    g.HasFloat = true;
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
                    var qq = (g.Count - 1) / g.Count;
                    (g.Mean, g.C) = KahanInc(s.F / g.Count, qq * g.Mean, qq * g.C);
                    break;
                case AggregateOp.Count or AggregateOp.CountValues:
                    g.Count++;
                    break;
                case AggregateOp.Group:
                    break;
                case AggregateOp.Max:
                    if (h is not null)
                    {
                        Ignored("max");
                        break;
                    }
                    if (g.Value < s.F || double.IsNaN(g.Value))
                    {
                        g.Value = s.F;
                    }
                    break;
                case AggregateOp.Min:
                    if (h is not null)
                    {
                        Ignored("min");
                        break;
                    }
                    if (g.Value > s.F || double.IsNaN(g.Value))
                    {
                        g.Value = s.F;
                    }
                    break;
                case AggregateOp.Stddev or AggregateOp.Stdvar:
                    {
                        if (h is not null)
                        {
                            Ignored(OpName(a.Op));
                            break;
                        }
                        g.Count++;
                        var delta = s.F - g.Mean;
                        g.Mean += delta / g.Count;
                        g.Value += delta * (s.F - g.Mean);
                        break;
                    }
                case AggregateOp.Quantile or AggregateOp.TopK or AggregateOp.BottomK:
                    if (h is not null)
                    {
                        Ignored(OpName(a.Op));
                        break;
                    }
                    g.Members!.Add(s);
                    break;
                case AggregateOp.LimitK:
                    g.Members!.Add(s);
                    break;
                case AggregateOp.LimitRatio:
                    if (InRatio(s.Metric, ratio))
                    {
                        g.Members!.Add(s);
                    }
                    break;
            }
        }

        void MixedSchemas(VSample s) =>
            Annotations.Warn($"vector contains a mix of histograms with exponential and custom buckets schemas for metric name \"{s.Metric.Name ?? string.Empty}\"", innerPos);
    }

    /// <summary>
    /// Prometheus' HashRatioSampler: a series is in the sample when the xxhash64 of its labels (in Prometheus'
    /// default label encoding), scaled to [0, 1], is below the ratio (or, for a negative ratio, at or above 1 + ratio).
    /// </summary>
    internal static bool InRatio(Labels labels, double ratio)
    {
        var offset = LabelsHash(labels) / (double)ulong.MaxValue;
        return (ratio >= 0 && offset < ratio) || (ratio < 0 && offset >= 1.0 + ratio);
    }

    /// <summary>Prometheus' Labels.Hash() for its default (stringlabels) build: xxhash64 of length-prefixed names and values.</summary>
    internal static ulong LabelsHash(Labels labels)
    {
        var buf = new List<byte>(128);
        for (var i = 0; i < labels.Count; i++)
        {
            Append(labels[i].Name);
            Append(labels[i].Value);
        }
        return System.IO.Hashing.XxHash64.HashToUInt64(buf.ToArray());

        void Append(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            var n = bytes.Length;
            if (n < 255)
            {
                buf.Add((byte)n);
            }
            else
            {
                buf.Add(255);
                buf.Add((byte)n);
                buf.Add((byte)(n >> 8));
                buf.Add((byte)(n >> 16));
            }
            buf.AddRange(bytes);
        }
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
