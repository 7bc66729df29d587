using System.Globalization;
using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;

namespace Alerting.Core.PromQL;

/// <summary>
/// histogram_quantile(s), histogram_fraction and the histogram_count/sum/avg/stddev/stdvar functions over
/// native histograms and classic <c>le</c> buckets, ported from Prometheus' quantile.go and functions.go
/// with the same annotations.
/// </summary>
internal sealed partial class Evaluator
{
    private sealed class BucketGroup(Labels labels)
    {
        public Labels Labels { get; } = labels;

        public List<(double Upper, double Count)> Buckets { get; } = [];
    }

    private static readonly string[] LeLabel = ["le"];

    /// <summary>
    /// Prometheus' resetHistograms: native histogram samples, and classic buckets grouped by their labels without
    /// <c>le</c>. A native histogram with the labels of a classic group is a conflict: both are dropped with a warning.
    /// </summary>
    private (List<VSample> Native, List<BucketGroup> Classic) SplitHistograms(List<VSample> input, PositionRange argPos)
    {
        var native = new List<VSample>();
        var groups = new Dictionary<Labels, BucketGroup>();
        var order = new List<BucketGroup>();
        foreach (var s in input)
        {
            if (s.H is not null)
            {
                native.Add(s);
                continue;
            }
            var le = s.Metric.Get("le") ?? string.Empty;
            if (!TryParseGoFloat(le, out var upper))
            {
                Annotations.Warn($"bucket label \"le\" is missing or has a malformed value of \"{le}\"" + ForMetric(s.Metric.Name), argPos);
                continue;
            }
            var key = LabelOps.Drop(s.Metric, LeLabel, false);
            if (!groups.TryGetValue(key, out var g))
            {
                g = new BucketGroup(key);
                groups[key] = g;
                order.Add(g);
            }
            g.Buckets.Add((upper, s.F));
        }
        var kept = new List<VSample>(native.Count);
        foreach (var s in native)
        {
            if (groups.TryGetValue(s.Metric, out var g) && g.Buckets.Count > 0)
            {
                Annotations.Warn("vector contains a mix of classic and native histograms" + ForMetric(s.Metric.Name), argPos);
                groups.Remove(s.Metric);
                order.Remove(g);
                continue;
            }
            kept.Add(s);
        }
        return (kept, order);
    }

    private static string ForMetric(string? name) => string.IsNullOrEmpty(name) ? string.Empty : $" for metric name \"{name}\"";

    /// <summary>Go's strconv.ParseFloat: decimal, hex, Inf/Infinity/NaN in any case, no surrounding spaces.</summary>
    internal static bool TryParseGoFloat(string s, out double v)
    {
        var t = s;
        var body = t.StartsWith('+') || t.StartsWith('-') ? t[1..] : t;
        switch (body.ToLowerInvariant())
        {
            case "inf" or "infinity":
                v = t.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
                return true;
            case "nan":
                v = double.NaN;
                return body.Length == t.Length;
        }
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase) &&
            long.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            v = hex;
            return true;
        }
        if (t.Length == 0 || char.IsWhiteSpace(t[0]) || char.IsWhiteSpace(t[^1]))
        {
            v = 0;
            return false;
        }
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out v);
    }

    private void ValidateQuantile(double q, PositionRange pos)
    {
        if (double.IsNaN(q) || q < 0 || q > 1)
        {
            Annotations.Warn("quantile value should be between 0 and 1, got " + GoFloat.Format(q, 'g', -1), pos);
        }
    }

    private VectorResult HistogramQuantile(Call c, long ts)
    {
        var q = EvalScalarArg(c.Args[0], ts);
        var input = EvalVectorArg(c.Args[1], ts);
        ValidateQuantile(q, c.Args[0].Position);
        var pos = c.Args[1].Position;
        var (native, classic) = SplitHistograms(input, pos);
        var result = new List<VSample>();
        foreach (var s in native)
        {
            result.Add(new VSample(s.Metric, NativeQuantile(q, s.H!, s.Metric.Name ?? string.Empty, pos), ts, true));
        }
        foreach (var g in classic)
        {
            result.Add(new VSample(g.Labels, ClassicQuantile(q, g, pos, ts), ts, true));
        }
        return new VectorResult(result);
    }

    /// <summary>One series per quantile, told apart by a label set to the quantile as OpenMetrics formats floats.</summary>
    private VectorResult HistogramQuantiles(Call c, long ts)
    {
        var input = EvalVectorArg(c.Args[0], ts);
        var label = ((StringResult)Eval(c.Args[1], ts)).Value;
        if (!LabelOps.IsValidLabelName(label))
        {
            throw new PromQlEvaluationException("invalid label name " + LabelOps.GoQuote(label));
        }
        var qs = new double[c.Args.Count - 2];
        for (var i = 0; i < qs.Length; i++)
        {
            qs[i] = EvalScalarArg(c.Args[i + 2], ts);
            ValidateQuantile(qs[i], c.Args[i + 2].Position);
        }
        var pos = c.Args[0].Position;
        var (native, classic) = SplitHistograms(input, pos);
        var result = new List<VSample>();
        foreach (var q in qs)
        {
            var qText = FormatOpenMetricsFloat(q);
            foreach (var s in native)
            {
                result.Add(new VSample(LabelOps.Set(s.Metric, label, qText), NativeQuantile(q, s.H!, s.Metric.Name ?? string.Empty, pos), ts, true));
            }
            foreach (var g in classic)
            {
                result.Add(new VSample(LabelOps.Set(g.Labels, label, qText), ClassicQuantile(q, g, pos, ts), ts, true));
            }
        }
        return new VectorResult(result);
    }

    private VectorResult HistogramFraction(Call c, long ts)
    {
        var lower = EvalScalarArg(c.Args[0], ts);
        var upper = EvalScalarArg(c.Args[1], ts);
        var input = EvalVectorArg(c.Args[2], ts);
        var pos = c.Args[2].Position;
        var (native, classic) = SplitHistograms(input, pos);
        var result = new List<VSample>();
        foreach (var s in native)
        {
            result.Add(new VSample(s.Metric, NativeFraction(lower, upper, s.H!, s.Metric.Name ?? string.Empty, pos), ts, true));
        }
        foreach (var g in classic)
        {
            result.Add(new VSample(g.Labels, BucketFraction(lower, upper, [.. g.Buckets]), ts, true));
        }
        return new VectorResult(result);
    }

    private VectorResult SimpleHistogramFunction(Call c, long ts)
    {
        var v = EvalVectorArg(c.Args[0], ts);
        var result = new List<VSample>();
        foreach (var s in v)
        {
            if (s.H is not { } h)
            {
                continue;
            }
            var value = c.Function.Name switch
            {
                "histogram_count" => h.Count,
                "histogram_sum" => h.Sum,
                "histogram_avg" => h.Sum / h.Count,
                "histogram_stddev" => Math.Sqrt(HistogramVariance(h)),
                _ => HistogramVariance(h),
            };
            result.Add(new VSample(s.Metric, value, ts, true));
        }
        return new VectorResult(result);
    }

    private static double HistogramVariance(FloatHistogram h)
    {
        var mean = h.Sum / h.Count;
        double variance = 0, c = 0;
        foreach (var b in h.AllBuckets())
        {
            if (b.Count == 0)
            {
                continue;
            }
            double val;
            if (h.UsesCustomBuckets)
            {
                val = (b.Upper + b.Lower) / 2.0;
            }
            else if (b.Lower <= 0 && b.Upper >= 0)
            {
                val = 0;
            }
            else
            {
                val = Math.Sqrt(b.Upper * b.Lower);
                if (b.Upper < 0)
                {
                    val = -val;
                }
            }
            var delta = val - mean;
            (variance, c) = KahanSum.Inc(b.Count * delta * delta, variance, c);
        }
        variance += c;
        return variance / h.Count;
    }

    /// <summary>Prometheus' HistogramQuantile for native histograms (log-linear interpolation inside exponential buckets).</summary>
    private double NativeQuantile(double q, FloatHistogram h, string metricName, PositionRange pos)
    {
        if (q < 0)
        {
            return double.NegativeInfinity;
        }
        if (q > 1)
        {
            return double.PositiveInfinity;
        }
        if (h.Count == 0 || double.IsNaN(q))
        {
            return double.NaN;
        }
        var forward = double.IsNaN(h.Sum) || q < 0.5;
        using var it = (forward ? h.AllBuckets() : h.AllBucketsReverse()).GetEnumerator();
        var rank = forward ? q * h.Count : (1 - q) * h.Count;
        BucketRange bucket = default;
        double count = 0;
        while (it.MoveNext())
        {
            bucket = it.Current;
            if (bucket.Count == 0)
            {
                continue;
            }
            count += bucket.Count;
            if (count >= rank)
            {
                break;
            }
        }
        if (!h.UsesCustomBuckets && bucket.Lower < 0 && bucket.Upper > 0)
        {
            if (h.Negative.Length == 0 && h.Positive.Length > 0)
            {
                bucket = bucket with { Lower = 0 };
            }
            else if (h.Positive.Length == 0 && h.Negative.Length > 0)
            {
                bucket = bucket with { Upper = 0 };
            }
        }
        else if (h.UsesCustomBuckets)
        {
            if (double.IsNegativeInfinity(bucket.Lower))
            {
                if (bucket.Upper <= 0)
                {
                    return bucket.Upper;
                }
                bucket = bucket with { Lower = 0 };
            }
            else if (double.IsPositiveInfinity(bucket.Upper))
            {
                return bucket.Lower;
            }
        }
        if (count > h.Count)
        {
            count = h.Count;
        }
        if (count < rank)
        {
            if (double.IsNaN(h.Sum))
            {
                Annotations.Info("input to histogram_quantile has NaN observations, result is NaN" + ForMetric(metricName), pos);
                return double.NaN;
            }
            return bucket.Upper;
        }
        rank = forward ? rank - (count - bucket.Count) : count - rank;
        if (double.IsNaN(h.Sum))
        {
            while (it.MoveNext())
            {
                count += it.Current.Count;
            }
            if (count < h.Count)
            {
                Annotations.Info("input to histogram_quantile has NaN observations, result is skewed higher" + ForMetric(metricName), pos);
            }
        }
        var fraction = rank / bucket.Count;
        if (h.UsesCustomBuckets || (bucket.Lower <= 0 && bucket.Upper >= 0))
        {
            return bucket.Lower + ((bucket.Upper - bucket.Lower) * fraction);
        }
        var logLower = Math.Log2(Math.Abs(bucket.Lower));
        var logUpper = Math.Log2(Math.Abs(bucket.Upper));
        if (bucket.Lower > 0)
        {
            return Math.Pow(2, logLower + ((logUpper - logLower) * fraction));
        }
        return -Math.Pow(2, logUpper + ((logLower - logUpper) * (1 - fraction)));
    }

    /// <summary>Prometheus' HistogramFraction for native histograms.</summary>
    private double NativeFraction(double lower, double upper, FloatHistogram h, string metricName, PositionRange pos)
    {
        if (h.Count == 0 || double.IsNaN(lower) || double.IsNaN(upper))
        {
            return double.NaN;
        }
        if (lower >= upper)
        {
            return 0;
        }
        double count = 0, rank = 0, lowerRank = 0, upperRank = 0;
        bool lowerSet = false, upperSet = false;
        using var it = h.AllBuckets().GetEnumerator();
        while (it.MoveNext())
        {
            var b = it.Current;
            count += b.Count;
            var zeroBucket = false;
            if (b.Lower <= 0 && b.Upper >= 0)
            {
                zeroBucket = true;
                if (h.Negative.Length == 0 && h.Positive.Length > 0)
                {
                    b = b with { Lower = 0 };
                }
                else if (h.Positive.Length == 0 && h.Negative.Length > 0)
                {
                    b = b with { Upper = 0 };
                }
            }
            if (!lowerSet && b.Lower >= lower)
            {
                lowerRank = rank;
                lowerSet = true;
            }
            if (!upperSet && b.Lower >= upper)
            {
                upperRank = rank;
                upperSet = true;
            }
            if (lowerSet && upperSet)
            {
                break;
            }
            var linear = h.UsesCustomBuckets || zeroBucket;
            if (!lowerSet && b.Lower < lower && b.Upper > lower)
            {
                lowerRank = Interpolate(b, lower, linear);
                lowerSet = true;
            }
            if (!upperSet && b.Lower < upper && b.Upper > upper)
            {
                upperRank = Interpolate(b, upper, linear);
                upperSet = true;
            }
            if (lowerSet && upperSet)
            {
                break;
            }
            rank += b.Count;
        }
        if (double.IsNaN(h.Sum))
        {
            while (it.MoveNext())
            {
                count += it.Current.Count;
            }
            if (count < h.Count)
            {
                Annotations.Info("input to histogram_fraction has NaN observations, which are excluded from all fractions" + ForMetric(metricName), pos);
            }
        }
        else
        {
            count = h.Count;
        }
        if (!lowerSet || lowerRank > count)
        {
            lowerRank = count;
        }
        if (!upperSet || upperRank > count)
        {
            upperRank = count;
        }
        return (upperRank - lowerRank) / h.Count;

        double Interpolate(BucketRange b, double v, bool linear)
        {
            if (linear && double.IsNegativeInfinity(b.Lower))
            {
                return b.Count;
            }
            return rank + (b.Count * b.FractionBelow(v, linear));
        }
    }

    private double ClassicQuantile(double q, BucketGroup g, PositionRange pos, long ts)
    {
        var (value, forced, minBucket, maxBucket, maxDiff) = BucketQuantile(q, [.. g.Buckets]);
        if (forced)
        {
            Annotations.AddMonotonicity(
                "PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)" + ForMetric(g.Labels.Name),
                pos, ts, minBucket, maxBucket, maxDiff);
        }
        return value;
    }

    /// <summary>Prometheus' BucketQuantile over classic buckets, reporting whether counts had to be forced monotonic.</summary>
    private static (double Value, bool Forced, double MinBucket, double MaxBucket, double MaxDiff) BucketQuantile(double q, (double Upper, double Count)[] buckets)
    {
        if (double.IsNaN(q))
        {
            return (double.NaN, false, 0, 0, 0);
        }
        if (q < 0)
        {
            return (double.NegativeInfinity, false, 0, 0, 0);
        }
        if (q > 1)
        {
            return (double.PositiveInfinity, false, 0, 0, 0);
        }
        Array.Sort(buckets, static (a, b) => a.Upper.CompareTo(b.Upper));
        if (!double.IsPositiveInfinity(buckets[^1].Upper))
        {
            return (double.NaN, false, 0, 0, 0);
        }
        var list = Coalesce(buckets);
        var (forced, minBucket, maxBucket, maxDiff) = EnsureMonotonic(list);
        if (list.Count < 2)
        {
            return (double.NaN, forced, minBucket, maxBucket, maxDiff);
        }
        var observations = list[^1].Count;
        if (observations == 0)
        {
            return (double.NaN, forced, minBucket, maxBucket, maxDiff);
        }
        var rank = q * observations;
        var b = 0;
        while (b < list.Count - 1 && list[b].Count < rank)
        {
            b++;
        }
        double result;
        if (b == list.Count - 1)
        {
            result = list[^2].Upper;
        }
        else if (b == 0 && list[0].Upper <= 0)
        {
            result = list[0].Upper;
        }
        else
        {
            double bucketStart = 0;
            var bucketEnd = list[b].Upper;
            var count = list[b].Count;
            if (b > 0)
            {
                bucketStart = list[b - 1].Upper;
                count -= list[b - 1].Count;
                rank -= list[b - 1].Count;
            }
            result = bucketStart + ((bucketEnd - bucketStart) * (rank / count));
        }
        return (result, forced, minBucket, maxBucket, maxDiff);
    }

    private static List<(double Upper, double Count)> Coalesce((double Upper, double Count)[] sorted)
    {
        var merged = new List<(double Upper, double Count)>(sorted.Length);
        foreach (var b in sorted)
        {
            if (merged.Count > 0 && merged[^1].Upper == b.Upper)
            {
                merged[^1] = (b.Upper, merged[^1].Count + b.Count);
            }
            else
            {
                merged.Add(b);
            }
        }
        return merged;
    }

    private static (bool Forced, double MinBucket, double MaxBucket, double MaxDiff) EnsureMonotonic(List<(double Upper, double Count)> buckets)
    {
        var forced = false;
        var minBucket = double.PositiveInfinity;
        var maxBucket = double.NegativeInfinity;
        double maxDiff = 0;
        var prev = buckets[0].Count;
        for (var i = 1; i < buckets.Count; i++)
        {
            var curr = buckets[i].Count;
            if (curr == prev)
            {
                continue;
            }
            if (AlmostEqual(prev, curr, 1e-12))
            {
                buckets[i] = (buckets[i].Upper, prev);
                continue;
            }
            if (curr < prev)
            {
                buckets[i] = (buckets[i].Upper, prev);
                forced = true;
                minBucket = Math.Min(minBucket, buckets[i].Upper);
                maxBucket = Math.Max(maxBucket, buckets[i].Upper);
                maxDiff = Math.Max(maxDiff, prev - curr);
                continue;
            }
            prev = curr;
        }
        return (forced, minBucket, maxBucket, maxDiff);
    }

    internal static bool AlmostEqual(double a, double b, double epsilon)
    {
        if (a == b)
        {
            return true;
        }
        var absSum = Math.Abs(a) + Math.Abs(b);
        var diff = Math.Abs(a - b);
        const double minNormal = 2.2250738585072014e-308;
        if (a == 0 || b == 0 || absSum < minNormal)
        {
            return diff < epsilon * minNormal;
        }
        return diff / Math.Min(absSum, double.MaxValue) < epsilon;
    }

    /// <summary>Prometheus' BucketFraction over classic buckets.</summary>
    private static double BucketFraction(double lower, double upper, (double Upper, double Count)[] raw)
    {
        Array.Sort(raw, static (a, b) => a.Upper.CompareTo(b.Upper));
        if (!double.IsPositiveInfinity(raw[^1].Upper))
        {
            return double.NaN;
        }
        var buckets = Coalesce(raw);
        var total = buckets[^1].Count;
        if (total == 0 || double.IsNaN(lower) || double.IsNaN(upper))
        {
            return double.NaN;
        }
        if (lower >= upper)
        {
            return 0;
        }
        double rank = 0, lowerRank = 0, upperRank = 0;
        bool lowerSet = false, upperSet = false;
        var lowerBound = buckets[0].Upper <= 0 ? double.NegativeInfinity : 0;
        for (var i = 0; i < buckets.Count; i++)
        {
            if (i > 0)
            {
                lowerBound = buckets[i - 1].Upper;
            }
            var (upperBound, count) = buckets[i];
            if (!lowerSet && lowerBound >= lower)
            {
                lowerRank = rank;
                lowerSet = true;
            }
            if (!upperSet && lowerBound >= upper)
            {
                upperRank = rank;
                upperSet = true;
            }
            if (lowerSet && upperSet)
            {
                break;
            }
            if (!lowerSet && lowerBound < lower && upperBound > lower)
            {
                lowerRank = Interpolate(lower);
                lowerSet = true;
            }
            if (!upperSet && lowerBound < upper && upperBound > upper)
            {
                upperRank = Interpolate(upper);
                upperSet = true;
            }
            if (lowerSet && upperSet)
            {
                break;
            }
            rank = count;

            double Interpolate(double v)
            {
                if (double.IsNegativeInfinity(lowerBound))
                {
                    return count;
                }
                return rank + ((count - rank) * (v - lowerBound) / (upperBound - lowerBound));
            }
        }
        if (!lowerSet || lowerRank > total)
        {
            lowerRank = total;
        }
        if (!upperSet || upperRank > total)
        {
            upperRank = total;
        }
        return (upperRank - lowerRank) / total;
    }

    /// <summary>labels.FormatOpenMetricsFloat: shortest digits, always with a decimal point or exponent.</summary>
    internal static string FormatOpenMetricsFloat(double f)
    {
        if (f == 1)
        {
            return "1.0";
        }
        if (f == 0)
        {
            return "0.0";
        }
        if (f == -1)
        {
            return "-1.0";
        }
        if (double.IsNaN(f))
        {
            return "NaN";
        }
        if (double.IsPositiveInfinity(f))
        {
            return "+Inf";
        }
        if (double.IsNegativeInfinity(f))
        {
            return "-Inf";
        }
        var s = GoFloat.Format(f, 'g', -1);
        return s.Contains('e', StringComparison.Ordinal) || s.Contains('.', StringComparison.Ordinal) ? s : s + ".0";
    }
}
