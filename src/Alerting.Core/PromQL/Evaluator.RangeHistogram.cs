using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;

namespace Alerting.Core.PromQL;

/// <summary>
/// Range-vector functions over series that hold native histograms (alone or mixed with floats), as
/// Prometheus' functions.go: rate/increase/delta of histograms, irate/idelta, changes/resets across both
/// kinds, avg/sum_over_time of histograms, and the infos/warnings for histograms that a function ignores.
/// </summary>
internal sealed partial class Evaluator
{
    /// <summary>Returns true when it has dealt with the series (with or without a result); false leaves it to the float path.</summary>
    private bool EvalHistogramRangeFunction(
        string name, RangeSeries s, ReadOnlySpan<Sample> floats, ReadOnlySpan<HistogramSample> hists, string metricName,
        long rangeStart, long rangeEnd, long rangeMs, PositionRange matrixPos, PositionRange argPos, double p1,
        bool isMatrixSelector, long ts, bool keepName, List<VSample> result)
    {
        var drop = s.DropName || !keepName;
        switch (name)
        {
            case "rate" or "increase" or "delta":
                {
                    var isCounter = name != "delta";
                    var isRate = name == "rate";
                    if (floats.Length > 0 && hists.Length > 0)
                    {
                        MixedFloatsHistograms(metricName, matrixPos);
                        return true;
                    }
                    if (hists.Length == 0)
                    {
                        var v = ExtrapolatedRate(floats, rangeStart, rangeEnd, rangeMs, isCounter, isRate);
                        if (v is { } value)
                        {
                            result.Add(new VSample(s.Metric, value, ts, drop));
                            if (isMatrixSelector && metricName.Length > 0 && !metricName.EndsWith("_total", StringComparison.Ordinal) &&
                                !metricName.EndsWith("_sum", StringComparison.Ordinal) && !metricName.EndsWith("_count", StringComparison.Ordinal) &&
                                !metricName.EndsWith("_bucket", StringComparison.Ordinal))
                            {
                                Annotations.Info($"metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"{metricName}\"", matrixPos);
                            }
                        }
                        return true;
                    }
                    if (hists.Length < 2)
                    {
                        return true;
                    }
                    var h = HistogramRate(hists, isCounter, metricName, matrixPos);
                    if (h is null)
                    {
                        return true;
                    }
                    var firstT = hists[0].TimestampMs;
                    var lastT = hists[^1].TimestampMs;
                    var durationToStart = (firstT - rangeStart) / 1000.0;
                    var durationToEnd = (rangeEnd - lastT) / 1000.0;
                    var sampledInterval = (lastT - firstT) / 1000.0;
                    var avgBetween = sampledInterval / (hists.Length - 1);
                    var threshold = avgBetween * 1.1;
                    if (durationToStart >= threshold)
                    {
                        durationToStart = avgBetween / 2;
                    }
                    if (isCounter)
                    {
                        var durationToZero = durationToStart;
                        if (h.Count > 0 && hists[0].Histogram.Count >= 0)
                        {
                            durationToZero = sampledInterval * (hists[0].Histogram.Count / h.Count);
                        }
                        if (durationToZero < durationToStart)
                        {
                            durationToStart = durationToZero;
                        }
                    }
                    if (durationToEnd >= threshold)
                    {
                        durationToEnd = avgBetween / 2;
                    }
                    var factor = sampledInterval != 0 ? (sampledInterval + durationToStart + durationToEnd) / sampledInterval : 1.0;
                    if (isRate)
                    {
                        factor /= rangeMs / 1000.0;
                    }
                    result.Add(new VSample(s.Metric, 0, ts, drop, h.Mul(factor)));
                    return true;
                }
            case "irate" or "idelta":
                InstantValue(name == "irate", s, floats, hists, metricName, matrixPos, ts, drop, result);
                return true;
            case "changes" or "resets":
                {
                    var n = 0;
                    var first = true;
                    double prevF = 0;
                    FloatHistogram? prevH = null;
                    int fi = 0, hi = 0;
                    while (fi < floats.Length || hi < hists.Length)
                    {
                        double curF = 0;
                        FloatHistogram? curH = null;
                        if (hi >= hists.Length || (fi < floats.Length && floats[fi].TimestampMs < hists[hi].TimestampMs))
                        {
                            curF = floats[fi++].Value;
                        }
                        else
                        {
                            curH = hists[hi++].Histogram;
                        }
                        if (!first)
                        {
                            if (prevH is null && curH is null)
                            {
                                if (name == "changes" ? curF != prevF && !(double.IsNaN(curF) && double.IsNaN(prevF)) : curF < prevF)
                                {
                                    n++;
                                }
                            }
                            else if (prevH is null || curH is null)
                            {
                                n++;
                            }
                            else if (name == "changes" ? !curH.Equals(prevH) : curH.DetectReset(prevH))
                            {
                                n++;
                            }
                        }
                        first = false;
                        prevF = curF;
                        prevH = curH;
                    }
                    result.Add(new VSample(s.Metric, n, ts, drop));
                    return true;
                }
            case "avg_over_time" or "sum_over_time":
                {
                    if (floats.Length > 0)
                    {
                        MixedFloatsHistograms(metricName, argPos);
                        return true;
                    }
                    var h = name == "sum_over_time" ? SumHistograms(hists, argPos) : AvgHistograms(hists, argPos);
                    if (h is null)
                    {
                        MixedSchemas(metricName, argPos);
                        return true;
                    }
                    result.Add(new VSample(s.Metric, 0, ts, drop, h));
                    return true;
                }
            case "count_over_time":
                result.Add(new VSample(s.Metric, floats.Length + hists.Length, ts, drop));
                return true;
            case "present_over_time":
                result.Add(new VSample(s.Metric, 1, ts, drop));
                return true;
            case "last_over_time":
                if (floats.Length > 0 && hists[^1].TimestampMs < floats[^1].TimestampMs)
                {
                    result.Add(new VSample(s.Metric, floats[^1].Value, ts, drop));
                }
                else
                {
                    result.Add(new VSample(s.Metric, 0, ts, drop, hists[^1].Histogram));
                }
                return true;
            case "first_over_time":
                if (floats.Length > 0 && floats[0].TimestampMs < hists[0].TimestampMs)
                {
                    result.Add(new VSample(s.Metric, floats[0].Value, ts, drop));
                }
                else
                {
                    result.Add(new VSample(s.Metric, 0, ts, drop, hists[0].Histogram));
                }
                return true;
            case "ts_of_last_over_time":
                result.Add(new VSample(s.Metric, Math.Max(floats.Length > 0 ? floats[^1].TimestampMs : 0, hists[^1].TimestampMs) / 1000.0, ts, drop));
                return true;
            case "ts_of_first_over_time":
                result.Add(new VSample(s.Metric, Math.Min(floats.Length > 0 ? floats[0].TimestampMs : long.MaxValue, hists[0].TimestampMs) / 1000.0, ts, drop));
                return true;
            case "deriv" or "predict_linear" or "double_exponential_smoothing" or "holt_winters":
                if (floats.Length < 2)
                {
                    if (floats.Length == 1)
                    {
                        IgnoredInMixedRange(metricName, argPos);
                    }
                    return true;
                }
                IgnoredInMixedRange(metricName, argPos);
                return false;
            default:
                // Functions of floats only: a range of histograms alone has no result; mixed, the histograms are ignored.
                if (floats.Length == 0)
                {
                    return true;
                }
                IgnoredInMixedRange(metricName, argPos);
                _ = p1;
                return false;
        }
    }

    private void MixedFloatsHistograms(string metricName, PositionRange pos) =>
        Annotations.Warn($"encountered a mix of histograms and floats for metric name \"{metricName}\"", pos);

    private void MixedSchemas(string metricName, PositionRange pos) =>
        Annotations.Warn($"vector contains a mix of histograms with exponential and custom buckets schemas for metric name \"{metricName}\"", pos);

    private void IgnoredInMixedRange(string metricName, PositionRange pos) =>
        Annotations.Info($"ignored histograms in a range containing both floats and histograms for metric name \"{metricName}\"", pos);

    private void NotCounter(string metricName, PositionRange pos) =>
        Annotations.Warn($"this native histogram metric is not a counter: \"{metricName}\"", pos);

    private void NotGauge(string metricName, PositionRange pos) =>
        Annotations.Warn($"this native histogram metric is not a gauge: \"{metricName}\"", pos);

    private void Reconciled(string operation, PositionRange pos) =>
        Annotations.Info("mismatched custom buckets were reconciled during " + operation, pos);

    /// <summary>Prometheus' histogramRate: last minus first, plus what each counter reset lost.</summary>
    private FloatHistogram? HistogramRate(ReadOnlySpan<HistogramSample> points, bool isCounter, string metricName, PositionRange pos)
    {
        var prev = points[0].Histogram;
        var usingCustom = prev.UsesCustomBuckets;
        var last = points[^1].Histogram;
        var pending = new List<Action>();
        if (isCounter && (prev.CounterResetHint == CounterResetHint.Gauge || last.CounterResetHint == CounterResetHint.Gauge))
        {
            pending.Add(() => NotCounter(metricName, pos));
        }
        if (isCounter)
        {
            var second = points[1].Histogram;
            if (second.DetectReset(prev))
            {
                prev = new FloatHistogram { Schema = second.Schema, CustomValues = second.CustomValues };
                usingCustom = second.UsesCustomBuckets;
            }
        }
        if (last.UsesCustomBuckets != usingCustom)
        {
            Flush();
            MixedSchemas(metricName, pos);
            return null;
        }
        var minSchema = Math.Min(last.Schema, prev.Schema);
        for (var i = 1; i < points.Length - 1; i++)
        {
            if (!isCounter)
            {
                continue;
            }
            var curr = points[i].Histogram;
            if (curr.CounterResetHint == CounterResetHint.Gauge)
            {
                pending.Add(() => NotCounter(metricName, pos));
            }
            if (curr.Schema < minSchema)
            {
                minSchema = curr.Schema;
            }
            if (curr.UsesCustomBuckets != usingCustom)
            {
                // Prometheus replaces the annotations collected so far with this one.
                MixedSchemas(metricName, pos);
                return null;
            }
        }
        FloatHistogram h;
        try
        {
            var (diff, _, reconciled) = last.CopyToSchema(minSchema).Sub(prev);
            h = diff;
            if (reconciled)
            {
                pending.Add(() => Reconciled("subtraction", pos));
            }
            if (isCounter)
            {
                var p = prev;
                for (var i = 1; i < points.Length; i++)
                {
                    var curr = points[i].Histogram;
                    if (curr.DetectReset(p))
                    {
                        var (sum, _, reconciled2) = h.Add(p);
                        h = sum;
                        if (reconciled2)
                        {
                            pending.Add(() => Reconciled("addition", pos));
                        }
                    }
                    p = curr;
                }
            }
            else if (points[0].Histogram.CounterResetHint != CounterResetHint.Gauge || points[^1].Histogram.CounterResetHint != CounterResetHint.Gauge)
            {
                pending.Add(() => NotGauge(metricName, pos));
            }
        }
        catch (HistogramException)
        {
            MixedSchemas(metricName, pos);
            return null;
        }
        Flush();
        return (h with { CounterResetHint = CounterResetHint.Gauge }).Compact();

        void Flush()
        {
            foreach (var a in pending)
            {
                a();
            }
        }
    }

    /// <summary>irate/idelta over the last two samples, floats or histograms (Prometheus' instantValue).</summary>
    private void InstantValue(bool isRate, RangeSeries s, ReadOnlySpan<Sample> floats, ReadOnlySpan<HistogramSample> hists, string metricName, PositionRange pos, long ts, bool drop, List<VSample> result)
    {
        if (floats.Length + hists.Length < 2)
        {
            return;
        }
        var points = new List<(long T, double F, FloatHistogram? H)>(4);
        for (var i = Math.Max(0, floats.Length - 2); i < floats.Length; i++)
        {
            points.Add((floats[i].TimestampMs, floats[i].Value, null));
        }
        for (var i = Math.Max(0, hists.Length - 2); i < hists.Length; i++)
        {
            points.Add((hists[i].TimestampMs, 0, hists[i].Histogram));
        }
        points.Sort(static (a, b) => a.T.CompareTo(b.T));
        var prev = points[^2];
        var last = points[^1];
        var interval = last.T - prev.T;
        if (interval == 0)
        {
            return;
        }
        if (prev.H is null && last.H is null)
        {
            var v = isRate && last.F < prev.F ? last.F : last.F - prev.F;
            result.Add(new VSample(s.Metric, isRate ? v / (interval / 1000.0) : v, ts, drop));
            return;
        }
        if (prev.H is null || last.H is null)
        {
            MixedFloatsHistograms(metricName, pos);
            return;
        }
        var h = last.H;
        if (isRate && (last.H.CounterResetHint == CounterResetHint.Gauge || prev.H.CounterResetHint == CounterResetHint.Gauge))
        {
            NotCounter(metricName, pos);
        }
        if (!isRate && (last.H.CounterResetHint != CounterResetHint.Gauge || prev.H.CounterResetHint != CounterResetHint.Gauge))
        {
            NotGauge(metricName, pos);
        }
        if (!isRate || !last.H.DetectReset(prev.H))
        {
            try
            {
                var (diff, _, reconciled) = h.Sub(prev.H);
                h = diff;
                if (reconciled)
                {
                    Reconciled("subtraction", pos);
                }
            }
            catch (HistogramException)
            {
                MixedSchemas(metricName, pos);
                return;
            }
        }
        h = (h with { CounterResetHint = CounterResetHint.Gauge }).Compact();
        if (isRate)
        {
            h = h.Div(interval / 1000.0);
        }
        result.Add(new VSample(s.Metric, 0, ts, drop, h));
    }

    private FloatHistogram? SumHistograms(ReadOnlySpan<HistogramSample> hists, PositionRange pos)
    {
        var tracker = new HintTracker();
        var sum = hists[0].Histogram;
        tracker.Note(sum);
        FloatHistogram? comp = null;
        try
        {
            for (var i = 1; i < hists.Length; i++)
            {
                tracker.Note(hists[i].Histogram);
                bool reconciled;
                (sum, comp, _, reconciled) = sum.KahanAdd(hists[i].Histogram, comp);
                tracker.Reconciled |= reconciled;
            }
            if (comp is not null)
            {
                var (total, _, reconciled) = sum.Add(comp);
                sum = total;
                tracker.Reconciled |= reconciled;
            }
        }
        catch (HistogramException)
        {
            tracker.Report(this, pos);
            return null;
        }
        tracker.Report(this, pos);
        return sum;
    }

    private FloatHistogram? AvgHistograms(ReadOnlySpan<HistogramSample> hists, PositionRange pos)
    {
        var tracker = new HintTracker();
        var sum = hists[0].Histogram;
        tracker.Note(sum);
        FloatHistogram? mean = null;
        FloatHistogram? c = null;
        double count = 1;
        var incremental = false;
        try
        {
            for (var i = 1; i < hists.Length; i++)
            {
                var h = hists[i].Histogram;
                tracker.Note(h);
                count = i + 1;
                if (!incremental)
                {
                    var (v, vc, _, reconciled) = sum.KahanAdd(h, c);
                    tracker.Reconciled |= reconciled;
                    if (!v.HasOverflow())
                    {
                        sum = v;
                        c = vc;
                        continue;
                    }
                    incremental = true;
                    mean = sum.Div(count - 1);
                    c = c?.Div(count - 1);
                }
                var q = (count - 1) / count;
                c = c?.Mul(q);
                var (m, mc, _, reconciled2) = mean!.Mul(q).KahanAdd(h.Div(count), c);
                mean = m;
                c = mc;
                tracker.Reconciled |= reconciled2;
            }
            FloatHistogram result;
            if (incremental)
            {
                result = c is not null ? mean!.Add(c).Result : mean!;
            }
            else
            {
                result = sum.Div(count);
                if (c is not null)
                {
                    result = result.Add(c.Div(count)).Result;
                }
            }
            tracker.Report(this, pos);
            return result;
        }
        catch (HistogramException)
        {
            tracker.Report(this, pos);
            return null;
        }
    }

    private sealed class HintTracker
    {
        private bool _reset;
        private bool _notReset;

        public bool Reconciled { get; set; }

        public void Note(FloatHistogram h)
        {
            _reset |= h.CounterResetHint == CounterResetHint.CounterReset;
            _notReset |= h.CounterResetHint == CounterResetHint.NotCounterReset;
        }

        public void Report(Evaluator ev, PositionRange pos)
        {
            if (_reset && _notReset)
            {
                ev.Annotations.Warn("conflicting counter resets during histogram aggregation", pos);
            }
            if (Reconciled)
            {
                ev.Reconciled("aggregation", pos);
            }
        }
    }
}
