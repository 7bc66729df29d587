using System.Globalization;
using System.Text;

namespace Alerting.Core.Model.Histograms;

/// <summary>
/// A native histogram with float counts, as Prometheus' <c>histogram.FloatHistogram</c>: exponential buckets
/// (schema -4..8, bucket i of the positive side covers (2^((i-1)/2^schema), 2^(i/2^schema)]), a zero bucket
/// [-ZeroThreshold, ZeroThreshold], or custom buckets (schema -53, upper bounds in <see cref="CustomValues"/>).
/// Buckets are kept as sorted (index, absolute count) pairs instead of Prometheus' spans and deltas, which the
/// constructors and <see cref="PositiveSpans"/> convert from and to. Instances are immutable: every operation
/// returns a new histogram, and the bucket arrays must not be changed after construction.
/// </summary>
public sealed partial record FloatHistogram
{
    public const int CustomBucketsSchema = -53;
    public const int ExponentialSchemaMin = -4;
    public const int ExponentialSchemaMax = 8;

    public CounterResetHint CounterResetHint { get; init; }

    public int Schema { get; init; }

    public double ZeroThreshold { get; init; }

    public double ZeroCount { get; init; }

    public double Count { get; init; }

    /// <summary>The sum of observations; Prometheus' staleness marker NaN here marks a stale histogram sample.</summary>
    public double Sum { get; init; }

    /// <summary>Positive buckets in ascending index order (custom buckets live here too).</summary>
    public HistogramBucket[] Positive { get; init; } = [];

    /// <summary>Negative buckets in ascending index order (bucket i covers [-bound(i), -bound(i-1))).</summary>
    public HistogramBucket[] Negative { get; init; } = [];

    /// <summary>Upper bounds of custom buckets, without +Inf; null for exponential schemas.</summary>
    public double[]? CustomValues { get; init; }

    public bool UsesCustomBuckets => Schema == CustomBucketsSchema;

    public bool IsStale => Sample.IsStaleMarker(Sum);

    public static bool IsValidSchema(int schema) => schema == CustomBucketsSchema || schema is >= ExponentialSchemaMin and <= ExponentialSchemaMax;

    /// <summary>Buckets from spans and absolute counts (float histograms).</summary>
    public static HistogramBucket[] FromSpans(IReadOnlyList<HistogramSpan> spans, IReadOnlyList<double> counts)
    {
        var result = new HistogramBucket[counts.Count];
        var idx = 0;
        var n = 0;
        for (var s = 0; s < spans.Count; s++)
        {
            var span = spans[s];
            if (s > 0 && span.Offset < 0)
            {
                throw new HistogramException("histogram has a span whose offset is negative");
            }
            idx += span.Offset;
            for (var j = 0u; j < span.Length; j++)
            {
                if (n >= counts.Count)
                {
                    throw new HistogramException("histogram spans specify different number of buckets than provided");
                }
                result[n] = new HistogramBucket(idx, counts[n]);
                n++;
                idx++;
            }
        }
        if (n != counts.Count)
        {
            throw new HistogramException("histogram spans specify different number of buckets than provided");
        }
        return result;
    }

    /// <summary>Buckets from spans and delta-encoded integer counts (integer histograms on the wire).</summary>
    public static HistogramBucket[] FromDeltas(IReadOnlyList<HistogramSpan> spans, IReadOnlyList<long> deltas)
    {
        var counts = new double[deltas.Count];
        long abs = 0;
        for (var i = 0; i < deltas.Count; i++)
        {
            abs += deltas[i];
            counts[i] = abs;
        }
        return FromSpans(spans, counts);
    }

    /// <summary>Spans and counts of the positive buckets, one span per run of consecutive indices.</summary>
    public (HistogramSpan[] Spans, double[] Counts) PositiveSpans() => ToSpans(Positive);

    public (HistogramSpan[] Spans, double[] Counts) NegativeSpans() => ToSpans(Negative);

    public static (HistogramSpan[] Spans, double[] Counts) ToSpans(HistogramBucket[] buckets)
    {
        var spans = new List<HistogramSpan>();
        var counts = new double[buckets.Length];
        var prevEnd = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            counts[i] = buckets[i].Count;
            if (i > 0 && buckets[i].Index == buckets[i - 1].Index + 1)
            {
                spans[^1] = spans[^1] with { Length = spans[^1].Length + 1 };
            }
            else
            {
                spans.Add(new HistogramSpan(spans.Count == 0 ? buckets[i].Index : buckets[i].Index - prevEnd, 1));
            }
            prevEnd = buckets[i].Index + 1;
        }
        return ([.. spans], counts);
    }

    /// <summary>Validates the invariants Prometheus checks on ingestion; returns an error text or null.</summary>
    public string? Validate()
    {
        if (!IsValidSchema(Schema))
        {
            return $"histogram has an invalid schema, which must be between {ExponentialSchemaMin} and {ExponentialSchemaMax} for exponential buckets, or {CustomBucketsSchema} for custom buckets";
        }
        if (UsesCustomBuckets)
        {
            if (ZeroCount != 0)
            {
                return "custom buckets: must have zero count of 0";
            }
            if (ZeroThreshold != 0)
            {
                return "custom buckets: must have zero threshold of 0";
            }
            if (Negative.Length > 0)
            {
                return "custom buckets: must not have negative buckets";
            }
            var cv = CustomValues ?? [];
            for (var i = 0; i < cv.Length; i++)
            {
                if (double.IsNaN(cv[i]))
                {
                    return "histogram custom bounds must not be NaN";
                }
                if (double.IsInfinity(cv[i]))
                {
                    return "histogram custom bounds must be finite";
                }
                if (i > 0 && cv[i] <= cv[i - 1])
                {
                    return "histogram custom bounds must be in strictly increasing order";
                }
            }
            foreach (var b in Positive)
            {
                if (b.Index < 0 || b.Index > cv.Length)
                {
                    return "histogram custom bounds are too few";
                }
            }
        }
        else if (CustomValues is { Length: > 0 })
        {
            return "histogram with exponential schema must not have custom bounds";
        }
        var sum = ZeroCount;
        foreach (var b in Negative)
        {
            if (b.Count < 0)
            {
                return "histogram has a bucket whose observation count is negative";
            }
            sum += b.Count;
        }
        foreach (var b in Positive)
        {
            if (b.Count < 0)
            {
                return "histogram has a bucket whose observation count is negative";
            }
            sum += b.Count;
        }
        if (Count < 0)
        {
            return "histogram's observation count is negative";
        }
        if (!double.IsNaN(Sum) && Math.Abs(sum - Count) > 1e-9 * Math.Max(1, Math.Abs(Count)) && sum > Count)
        {
            return "histogram's observation count should be at least the number of observations found in the buckets";
        }
        return null;
    }

    /// <summary>The upper bound of bucket <paramref name="idx"/> (Prometheus' getBound).</summary>
    public static double Bound(int idx, int schema, double[]? customValues)
    {
        if (schema == CustomBucketsSchema)
        {
            var length = customValues?.Length ?? 0;
            if (idx == length)
            {
                return double.PositiveInfinity;
            }
            if (idx == -1)
            {
                return double.NegativeInfinity;
            }
            if (idx < -1 || idx > length)
            {
                throw new HistogramException($"index {idx} out of bounds for custom bounds of length {length}");
            }
            return customValues![idx];
        }
        return ExponentialBound(idx, schema);
    }

    internal static double ExponentialBound(int idx, int schema)
    {
        if (schema < 0)
        {
            var exp = (long)idx << -schema;
            if (exp == 1024)
            {
                return double.MaxValue;
            }
            return Math.ScaleB(1, (int)Math.Clamp(exp, int.MinValue / 2, int.MaxValue / 2));
        }
        var fracIdx = idx & ((1 << schema) - 1);
        var frac = ExponentialBounds.Fractions[(1 << schema) - 1 + fracIdx];
        var e = (idx >> schema) + 1;
        if (frac == 0.5 && e == 1025)
        {
            return double.MaxValue;
        }
        return Math.ScaleB(frac, e);
    }

    public BucketRange PositiveRange(HistogramBucket b) => RangeOf(b, true, Schema, CustomValues);

    public BucketRange NegativeRange(HistogramBucket b) => RangeOf(b, false, Schema, CustomValues);

    private static BucketRange RangeOf(HistogramBucket b, bool positive, int schema, double[]? custom)
    {
        double lower, upper;
        if (positive)
        {
            upper = Bound(b.Index, schema, custom);
            lower = Bound(b.Index - 1, schema, custom);
        }
        else
        {
            lower = -Bound(b.Index, schema, custom);
            upper = -Bound(b.Index - 1, schema, custom);
        }
        return schema == CustomBucketsSchema
            ? new BucketRange(lower, upper, b.Index == 0, true, b.Count, b.Index)
            : new BucketRange(lower, upper, lower < 0, upper > 0, b.Count, b.Index);
    }

    public BucketRange ZeroBucket() => new(-ZeroThreshold, ZeroThreshold, true, true, ZeroCount, 0);

    /// <summary>All buckets from the lowest to the highest bound: negative, zero (if it has observations), positive.</summary>
    public IEnumerable<BucketRange> AllBuckets()
    {
        for (var i = Negative.Length - 1; i >= 0; i--)
        {
            yield return ClampToZeroBucket(NegativeRange(Negative[i]));
        }
        if (ZeroCount > 0)
        {
            yield return ZeroBucket();
        }
        foreach (var b in Positive)
        {
            yield return ClampToZeroBucket(PositiveRange(b));
        }
    }

    /// <summary>All buckets from the highest to the lowest bound.</summary>
    public IEnumerable<BucketRange> AllBucketsReverse()
    {
        for (var i = Positive.Length - 1; i >= 0; i--)
        {
            yield return ClampToZeroBucket(PositiveRange(Positive[i]));
        }
        if (ZeroCount > 0)
        {
            yield return ZeroBucket();
        }
        foreach (var b in Negative)
        {
            yield return ClampToZeroBucket(NegativeRange(b));
        }
    }

    private BucketRange ClampToZeroBucket(BucketRange b)
    {
        if (b.Upper < 0 && b.Upper > -ZeroThreshold)
        {
            return b with { Upper = -ZeroThreshold };
        }
        if (b.Lower > 0 && b.Lower < ZeroThreshold)
        {
            return b with { Lower = ZeroThreshold };
        }
        return b;
    }

    public FloatHistogram Mul(double factor) => this with
    {
        ZeroCount = ZeroCount * factor,
        Count = Count * factor,
        Sum = Sum * factor,
        Positive = Scale(Positive, factor, false),
        Negative = Scale(Negative, factor, false),
        CounterResetHint = factor < 0 ? CounterResetHint.Gauge : CounterResetHint,
    };

    public FloatHistogram Div(double scalar)
    {
        if (scalar == 0)
        {
            return this with { ZeroCount = ZeroCount / scalar, Count = Count / scalar, Sum = Sum / scalar, Positive = [], Negative = [] };
        }
        return this with
        {
            ZeroCount = ZeroCount / scalar,
            Count = Count / scalar,
            Sum = Sum / scalar,
            Positive = Scale(Positive, scalar, true),
            Negative = Scale(Negative, scalar, true),
            CounterResetHint = scalar < 0 ? CounterResetHint.Gauge : CounterResetHint,
        };
    }

    private static HistogramBucket[] Scale(HistogramBucket[] buckets, double f, bool divide)
    {
        var r = new HistogramBucket[buckets.Length];
        for (var i = 0; i < r.Length; i++)
        {
            r[i] = new HistogramBucket(buckets[i].Index, divide ? buckets[i].Count / f : buckets[i].Count * f);
        }
        return r;
    }

    /// <summary>Drops empty buckets (Prometheus' Compact(0)); the canonical form results are compared in.</summary>
    public FloatHistogram Compact()
    {
        if (!HasEmpty(Positive) && !HasEmpty(Negative))
        {
            return this;
        }
        return this with { Positive = DropEmpty(Positive), Negative = DropEmpty(Negative) };

        static bool HasEmpty(HistogramBucket[] b)
        {
            foreach (var x in b)
            {
                if (x.Count == 0)
                {
                    return true;
                }
            }
            return false;
        }

        static HistogramBucket[] DropEmpty(HistogramBucket[] b) => Array.FindAll(b, x => x.Count != 0);
    }

    /// <summary>A copy at a lower resolution (Prometheus' CopyToSchema); only for exponential schemas.</summary>
    public FloatHistogram CopyToSchema(int targetSchema)
    {
        if (targetSchema == Schema)
        {
            return this;
        }
        if (UsesCustomBuckets || targetSchema == CustomBucketsSchema || targetSchema > Schema)
        {
            throw new HistogramException($"cannot reduce resolution from schema {Schema} to {targetSchema}");
        }
        return this with
        {
            Schema = targetSchema,
            CounterResetHint = CounterResetHint.Unknown,
            Positive = Reduce(Positive, Schema, targetSchema),
            Negative = Reduce(Negative, Schema, targetSchema),
        };
    }

    internal static int TargetIndex(int idx, int originSchema, int targetSchema) => ((idx - 1) >> (originSchema - targetSchema)) + 1;

    private static HistogramBucket[] Reduce(HistogramBucket[] buckets, int from, int to)
    {
        var list = new List<HistogramBucket>(buckets.Length);
        foreach (var b in buckets)
        {
            var t = TargetIndex(b.Index, from, to);
            if (list.Count > 0 && list[^1].Index == t)
            {
                list[^1] = new HistogramBucket(t, list[^1].Count + b.Count);
            }
            else
            {
                list.Add(new HistogramBucket(t, b.Count));
            }
        }
        return [.. list];
    }

    /// <summary>True if this histogram is lower than <paramref name="previous"/> in any way a counter cannot be (Prometheus' DetectReset).</summary>
    public bool DetectReset(FloatHistogram previous)
    {
        switch (CounterResetHint)
        {
            case CounterResetHint.CounterReset:
                return true;
            case CounterResetHint.NotCounterReset:
                return false;
        }
        if (Count < previous.Count)
        {
            return true;
        }
        if (UsesCustomBuckets)
        {
            if (!previous.UsesCustomBuckets)
            {
                return true;
            }
            if (!CustomBoundsMatch(CustomValues, previous.CustomValues))
            {
                return DetectResetWithMismatchedCustomBounds(previous);
            }
        }
        if (Schema > previous.Schema)
        {
            return true;
        }
        if (ZeroThreshold < previous.ZeroThreshold)
        {
            return true;
        }
        var (prevZeroCount, newThreshold, _) = previous.ZeroCountForLargerThreshold(ZeroThreshold, null);
        if (newThreshold != ZeroThreshold)
        {
            return true;
        }
        if (ZeroCount < prevZeroCount)
        {
            return true;
        }
        if (DetectReset(Iterate(Positive, true, ZeroThreshold, Schema), previous.Iterate(previous.Positive, true, ZeroThreshold, Schema)))
        {
            return true;
        }
        return DetectReset(Iterate(Negative, false, ZeroThreshold, Schema), previous.Iterate(previous.Negative, false, ZeroThreshold, Schema));
    }

    private static bool DetectReset(List<HistogramBucket> curr, List<HistogramBucket> prev)
    {
        if (prev.Count == 0)
        {
            return false;
        }
        var p = 0;
        var c = 0;
        if (curr.Count == 0)
        {
            return AnyNonZero(prev, 0);
        }
        while (true)
        {
            while (curr[c].Index < prev[p].Index)
            {
                c++;
                if (c == curr.Count)
                {
                    return AnyNonZero(prev, p);
                }
            }
            if (curr[c].Index > prev[p].Index)
            {
                if (prev[p].Count != 0)
                {
                    return true;
                }
            }
            else if (curr[c].Count < prev[p].Count)
            {
                return true;
            }
            p++;
            if (p == prev.Count)
            {
                return false;
            }
        }

        static bool AnyNonZero(List<HistogramBucket> l, int from)
        {
            for (var i = from; i < l.Count; i++)
            {
                if (l[i].Count != 0)
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>Buckets merged into <paramref name="targetSchema"/>, skipping those wholly inside the zero bucket.</summary>
    private List<HistogramBucket> Iterate(HistogramBucket[] buckets, bool positive, double absoluteStart, int targetSchema)
    {
        _ = positive;
        var list = new List<HistogramBucket>(buckets.Length);
        foreach (var b in buckets)
        {
            var t = targetSchema == Schema ? b.Index : TargetIndex(b.Index, Schema, targetSchema);
            if (list.Count > 0 && list[^1].Index == t)
            {
                list[^1] = new HistogramBucket(t, list[^1].Count + b.Count);
            }
            else
            {
                list.Add(new HistogramBucket(t, b.Count));
            }
        }
        if (absoluteStart != 0 && targetSchema != CustomBucketsSchema)
        {
            var skip = 0;
            while (skip < list.Count && ExponentialBound(list[skip].Index, targetSchema) <= absoluteStart)
            {
                skip++;
            }
            list.RemoveRange(0, skip);
        }
        return list;
    }

    private bool DetectResetWithMismatchedCustomBounds(FloatHistogram previous)
    {
        var currBounds = CustomValues ?? [];
        var prevBounds = previous.CustomValues ?? [];
        int ci = 0, pi = 0;
        int cb = 0, pb = 0;
        while (ci <= currBounds.Length && pi <= prevBounds.Length)
        {
            var currBound = ci < currBounds.Length ? currBounds[ci] : double.PositiveInfinity;
            var prevBound = pi < prevBounds.Length ? prevBounds[pi] : double.PositiveInfinity;
            if (currBound == prevBound)
            {
                var currSum = Rollup(Positive, currBounds, ref cb, currBound);
                var prevSum = Rollup(previous.Positive, prevBounds, ref pb, currBound);
                if (currSum < prevSum)
                {
                    return true;
                }
                ci++;
                pi++;
            }
            else if (currBound < prevBound)
            {
                ci++;
            }
            else
            {
                pi++;
            }
        }
        return false;

        static double Rollup(HistogramBucket[] buckets, double[] bounds, ref int pos, double bound)
        {
            double sum = 0;
            while (pos < buckets.Length && Bound(buckets[pos].Index, CustomBucketsSchema, bounds) <= bound)
            {
                sum += buckets[pos].Count;
                pos++;
            }
            return sum;
        }
    }

    internal static bool CustomBoundsMatch(double[]? a, double[]? b)
    {
        var x = a ?? [];
        var y = b ?? [];
        if (x.Length != y.Length)
        {
            return false;
        }
        for (var i = 0; i < x.Length; i++)
        {
            if (x[i] != y[i])
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The zero count if the zero bucket were widened to at least <paramref name="largerThreshold"/>, and the threshold it ends at.</summary>
    internal (double ZeroCount, double Threshold, double CZeroCount) ZeroCountForLargerThreshold(double largerThreshold, FloatHistogram? c)
    {
        var cZero = c?.ZeroCount ?? 0;
        if (largerThreshold == ZeroThreshold)
        {
            return (ZeroCount, largerThreshold, cZero);
        }
        while (true)
        {
            var zc = ZeroCount;
            for (var i = 0; i < Positive.Length; i++)
            {
                var b = PositiveRange(Positive[i]);
                if (b.Lower >= largerThreshold)
                {
                    break;
                }
                (zc, cZero) = KahanSum.Inc(b.Count, zc, cZero);
                if (c is not null)
                {
                    (zc, cZero) = KahanSum.Inc(c.Positive[i].Count, zc, cZero);
                }
                if (b.Upper > largerThreshold)
                {
                    if (b.Count != 0)
                    {
                        largerThreshold = b.Upper;
                    }
                    break;
                }
            }
            var again = false;
            for (var i = 0; i < Negative.Length; i++)
            {
                var b = NegativeRange(Negative[i]);
                if (b.Upper <= -largerThreshold)
                {
                    break;
                }
                (zc, cZero) = KahanSum.Inc(b.Count, zc, cZero);
                if (c is not null)
                {
                    (zc, cZero) = KahanSum.Inc(c.Negative[i].Count, zc, cZero);
                }
                if (b.Lower < -largerThreshold)
                {
                    if (b.Count != 0)
                    {
                        largerThreshold = -b.Lower;
                        again = true;
                    }
                    break;
                }
            }
            if (!again)
            {
                return (zc, largerThreshold, cZero);
            }
        }
    }

    /// <summary>
    /// The hint Prometheus' TSDB gives a histogram appended after <paramref name="previous"/> (the series' preceding
    /// sample, null if that was a float or there was none): gauges stay gauges, a detected or declared reset starts a
    /// chunk marked CounterReset, a layout change starts a chunk with an unknown hint, anything else is NotCounterReset.
    /// </summary>
    public FloatHistogram WithStoredHint(FloatHistogram? previous)
    {
        CounterResetHint hint;
        if (CounterResetHint == CounterResetHint.Gauge)
        {
            hint = CounterResetHint.Gauge;
        }
        else if (previous is null || previous.IsStale || previous.CounterResetHint == CounterResetHint.Gauge)
        {
            hint = CounterResetHint == CounterResetHint.CounterReset ? CounterResetHint.CounterReset : CounterResetHint.Unknown;
        }
        else if (CounterResetHint == CounterResetHint.CounterReset || (this with { CounterResetHint = CounterResetHint.Unknown }).DetectReset(previous))
        {
            hint = CounterResetHint.CounterReset;
        }
        else if (Schema != previous.Schema || ZeroThreshold != previous.ZeroThreshold || !CustomBoundsMatch(CustomValues, previous.CustomValues))
        {
            hint = CounterResetHint.Unknown;
        }
        else
        {
            hint = CounterResetHint.NotCounterReset;
        }
        return hint == CounterResetHint ? this : this with { CounterResetHint = hint };
    }

    public bool HasOverflow()
    {
        if (double.IsInfinity(ZeroCount) || double.IsInfinity(Count) || double.IsInfinity(Sum))
        {
            return true;
        }
        foreach (var b in Positive)
        {
            if (double.IsInfinity(b.Count))
            {
                return true;
            }
        }
        foreach (var b in Negative)
        {
            if (double.IsInfinity(b.Count))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Prometheus' Equals: same layout and bit-identical counts (results are compared compacted).</summary>
    public bool Equals(FloatHistogram? other)
    {
        if (other is null)
        {
            return false;
        }
        if (ReferenceEquals(this, other))
        {
            return true;
        }
        if (Schema != other.Schema || !SameBits(Count, other.Count) || !SameBits(Sum, other.Sum))
        {
            return false;
        }
        if (UsesCustomBuckets && !CustomBoundsMatch(CustomValues, other.CustomValues))
        {
            return false;
        }
        if (ZeroThreshold != other.ZeroThreshold || !SameBits(ZeroCount, other.ZeroCount))
        {
            return false;
        }
        return SameBuckets(Negative, other.Negative) && SameBuckets(Positive, other.Positive);

        static bool SameBits(double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);

        static bool SameBuckets(HistogramBucket[] a, HistogramBucket[] b)
        {
            if (a.Length != b.Length)
            {
                return false;
            }
            for (var i = 0; i < a.Length; i++)
            {
                if (a[i].Index != b[i].Index || !SameBits(a[i].Count, b[i].Count))
                {
                    return false;
                }
            }
            return true;
        }
    }

    public override int GetHashCode() => HashCode.Combine(Schema, Count, Sum, ZeroCount, Positive.Length, Negative.Length);

    /// <summary>The promqltest notation, e.g. <c>{{schema:1 count:3 sum:5 buckets:[1 2]}}</c>.</summary>
    public string TestExpression()
    {
        var parts = new List<string>();
        var m = Compact();
        if (m.Schema != 0)
        {
            parts.Add("schema:" + m.Schema.ToString(CultureInfo.InvariantCulture));
        }
        if (m.Count != 0)
        {
            parts.Add("count:" + G(m.Count));
        }
        if (m.Sum != 0)
        {
            parts.Add("sum:" + G(m.Sum));
        }
        if (m.ZeroCount != 0)
        {
            parts.Add("z_bucket:" + G(m.ZeroCount));
        }
        if (m.ZeroThreshold != 0)
        {
            parts.Add("z_bucket_w:" + G(m.ZeroThreshold));
        }
        if (m.UsesCustomBuckets)
        {
            parts.Add("custom_values:[" + string.Join(' ', (m.CustomValues ?? []).Select(G)) + "]");
        }
        switch (m.CounterResetHint)
        {
            case CounterResetHint.CounterReset:
                parts.Add("counter_reset_hint:reset");
                break;
            case CounterResetHint.NotCounterReset:
                parts.Add("counter_reset_hint:not_reset");
                break;
            case CounterResetHint.Gauge:
                parts.Add("counter_reset_hint:gauge");
                break;
        }
        AddBuckets(m.Positive, "buckets", "offset");
        AddBuckets(m.Negative, "n_buckets", "n_offset");
        return "{{" + string.Join(' ', parts) + "}}";

        void AddBuckets(HistogramBucket[] buckets, string key, string offsetKey)
        {
            if (buckets.Length == 0)
            {
                return;
            }
            var first = buckets[0].Index;
            if (first != 0)
            {
                parts.Add(offsetKey + ":" + first.ToString(CultureInfo.InvariantCulture));
            }
            var sb = new StringBuilder();
            var expect = first;
            foreach (var b in buckets)
            {
                for (; expect < b.Index; expect++)
                {
                    sb.Append(sb.Length > 0 ? " " : string.Empty).Append('0');
                }
                sb.Append(sb.Length > 0 ? " " : string.Empty).Append(G(b.Count));
                expect = b.Index + 1;
            }
            parts.Add(key + ":[" + sb + "]");
        }

        static string G(double v) => GoFloat.Format(v, 'g', -1);
    }

    public override string ToString() => TestExpression();

    /// <summary>Prometheus' FloatHistogram.String(): <c>{count:4, sum:10, [-1,-0.5):1, [-0.001,0.001]:2, (1,2]:1}</c>.</summary>
    public string PrometheusString()
    {
        var sb = new StringBuilder("{count:").Append(G(Count)).Append(", sum:").Append(G(Sum));
        for (var i = Negative.Length - 1; i >= 0; i--)
        {
            if (Negative[i].Count != 0)
            {
                Append(NegativeRange(Negative[i]));
            }
        }
        if (ZeroCount != 0)
        {
            Append(ZeroBucket());
        }
        foreach (var b in Positive)
        {
            if (b.Count != 0)
            {
                Append(PositiveRange(b));
            }
        }
        return sb.Append('}').ToString();

        void Append(BucketRange b) => sb.Append(", ").Append(b.LowerInclusive ? '[' : '(').Append(G(b.Lower)).Append(',').Append(G(b.Upper))
            .Append(b.UpperInclusive ? ']' : ')').Append(':').Append(G(b.Count));

        static string G(double v) => GoFloat.Format(v, 'g', -1);
    }
}
