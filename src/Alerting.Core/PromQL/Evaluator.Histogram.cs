using System.Globalization;
using Alerting.Core.Model;

namespace Alerting.Core.PromQL;

internal sealed partial class Evaluator
{
    private sealed class BucketGroup(Labels labels, bool dropName)
    {
        public Labels Labels { get; } = labels;

        public bool DropName { get; } = dropName;

        public List<(double Upper, double Count)> Buckets { get; } = [];
    }

    private static readonly string[] LeLabel = ["le"];

    /// <summary>Groups classic <c>le</c> buckets by their other labels (the name included, for delayed removal).</summary>
    private static List<BucketGroup> GroupBuckets(List<VSample> input)
    {
        var groups = new Dictionary<Labels, BucketGroup>();
        var order = new List<BucketGroup>();
        foreach (var s in input)
        {
            var le = s.Metric.Get("le");
            if (le is null)
            {
                continue;
            }
            if (!TryParseGoFloat(le, out var upper))
            {
                continue;
            }
            var key = LabelOps.Drop(s.Metric, LeLabel, false);
            if (!groups.TryGetValue(key, out var g))
            {
                g = new BucketGroup(key, true);
                groups[key] = g;
                order.Add(g);
            }
            g.Buckets.Add((upper, s.F));
        }
        return order;
    }

    internal static bool TryParseGoFloat(string s, out double v)
    {
        var t = s.Trim();
        switch (t.ToLowerInvariant())
        {
            case "+inf" or "inf" or "+infinity" or "infinity":
                v = double.PositiveInfinity;
                return true;
            case "-inf" or "-infinity":
                v = double.NegativeInfinity;
                return true;
            case "nan":
                v = double.NaN;
                return true;
        }
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase) &&
            long.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            v = hex;
            return true;
        }
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out v);
    }

    private VectorResult HistogramQuantile(double q, List<VSample> input, long ts)
    {
        var result = new List<VSample>();
        foreach (var g in GroupBuckets(input))
        {
            result.Add(new VSample(g.Labels, BucketQuantile(q, g.Buckets), ts, true));
        }
        return new VectorResult(result);
    }

    /// <summary>One series per quantile, told apart by <paramref name="label"/> set to the quantile as Prometheus formats bucket bounds.</summary>
    private VectorResult HistogramQuantiles(List<VSample> input, string label, double[] qs, long ts)
    {
        if (!LabelOps.IsValidLabelName(label))
        {
            throw new PromQlEvaluationException("invalid label name " + LabelOps.GoQuote(label));
        }
        var result = new List<VSample>();
        foreach (var g in GroupBuckets(input))
        {
            foreach (var q in qs)
            {
                result.Add(new VSample(LabelOps.Set(g.Labels, label, FormatBound(q)), BucketQuantile(q, g.Buckets), ts, true));
            }
        }
        return new VectorResult(result);
    }

    /// <summary>A float as OpenMetrics writes bucket bounds: integral values keep a ".0".</summary>
    internal static string FormatBound(double v)
    {
        var s = FormatGoFloat(v);
        return double.IsFinite(v) && !s.Contains('.', StringComparison.Ordinal) ? s + ".0" : s;
    }

    private VectorResult HistogramFraction(double lower, double upper, List<VSample> input, long ts)
    {
        var result = new List<VSample>();
        foreach (var g in GroupBuckets(input))
        {
            result.Add(new VSample(g.Labels, BucketFraction(lower, upper, g.Buckets), ts, true));
        }
        return new VectorResult(result);
    }

    private static List<(double Upper, double Count)> PrepareBuckets(List<(double Upper, double Count)> raw)
    {
        var buckets = new List<(double Upper, double Count)>(raw);
        buckets.Sort(static (a, b) => a.Upper.CompareTo(b.Upper));
        // Buckets with the same bound (e.g. "1" and "1.0") are one bucket.
        var merged = new List<(double Upper, double Count)>(buckets.Count);
        foreach (var b in buckets)
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
        // Counts must be monotonic; tiny float noise is flattened, real decreases are forced up.
        var prev = merged.Count > 0 ? merged[0].Count : 0;
        for (var i = 1; i < merged.Count; i++)
        {
            var cur = merged[i].Count;
            if (cur == prev)
            {
                continue;
            }
            if (AlmostEqual(prev, cur, 1e-12) || cur < prev)
            {
                merged[i] = (merged[i].Upper, prev);
                continue;
            }
            prev = cur;
        }
        return merged;
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

    private static double BucketQuantile(double q, List<(double Upper, double Count)> raw)
    {
        if (double.IsNaN(q))
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
        var buckets = PrepareBuckets(raw);
        if (buckets.Count == 0 || !double.IsPositiveInfinity(buckets[^1].Upper))
        {
            return double.NaN;
        }
        if (buckets.Count < 2)
        {
            return double.NaN;
        }
        var observations = buckets[^1].Count;
        if (observations == 0)
        {
            return double.NaN;
        }
        var rank = q * observations;
        var b = 0;
        while (b < buckets.Count - 1 && buckets[b].Count < rank)
        {
            b++;
        }
        if (b == buckets.Count - 1)
        {
            return buckets[^2].Upper;
        }
        if (b == 0 && buckets[0].Upper <= 0)
        {
            return buckets[0].Upper;
        }
        double bucketStart = 0;
        var bucketEnd = buckets[b].Upper;
        var count = buckets[b].Count;
        if (b > 0)
        {
            bucketStart = buckets[b - 1].Upper;
            count -= buckets[b - 1].Count;
            rank -= buckets[b - 1].Count;
        }
        return bucketStart + ((bucketEnd - bucketStart) * (rank / count));
    }

    /// <summary>The share of observations in [lower, upper], interpolating linearly inside buckets.</summary>
    private static double BucketFraction(double lower, double upper, List<(double Upper, double Count)> raw)
    {
        var buckets = PrepareBuckets(raw);
        if (buckets.Count == 0 || !double.IsPositiveInfinity(buckets[^1].Upper) || double.IsNaN(lower) || double.IsNaN(upper))
        {
            return double.NaN;
        }
        var total = buckets[^1].Count;
        if (total == 0)
        {
            return double.NaN;
        }
        if (lower >= upper)
        {
            return 0;
        }
        double rank = 0, lowerRank = 0, upperRank = 0;
        bool lowerSet = false, upperSet = false;
        for (var i = 0; i < buckets.Count; i++)
        {
            var (upperBound, count) = buckets[i];
            // Classic histograms have no lower edge: a positive first bucket starts at 0, otherwise at -Inf.
            var lowerBound = i > 0 ? buckets[i - 1].Upper : upperBound > 0 ? 0 : double.NegativeInfinity;
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

            // Observations in an infinitely wide bucket sit at its finite edge.
            double Interpolate(double v)
            {
                if (double.IsNegativeInfinity(lowerBound))
                {
                    return count;
                }
                if (double.IsPositiveInfinity(upperBound))
                {
                    return rank;
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
}
