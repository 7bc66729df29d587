using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;

namespace Alerting.Core.PromQL;

internal sealed partial class Evaluator
{
    private EvalValue EvalRangeFunction(Call c, long ts)
    {
        var name = c.Function.Name;
        var matrixArg = name == "quantile_over_time" ? 1 : 0;
        var matrixExpr = Unwrap(c.Args[matrixArg]);
        double p1 = 0;
        double p2 = 0;
        switch (name)
        {
            case "quantile_over_time":
                p1 = EvalScalarArg(c.Args[0], ts);
                break;
            case "predict_linear":
                p1 = EvalScalarArg(c.Args[1], ts);
                break;
            case "double_exponential_smoothing" or "holt_winters":
                p1 = EvalScalarArg(c.Args[1], ts);
                p2 = EvalScalarArg(c.Args[2], ts);
                if (!(p1 > 0 && p1 < 1))
                {
                    throw new PromQlEvaluationException($"invalid smoothing factor. Expected: 0 < sf < 1, got: {Expr.FormatNumber(p1)}");
                }
                if (!(p2 > 0 && p2 < 1))
                {
                    throw new PromQlEvaluationException($"invalid trend factor. Expected: 0 < tf < 1, got: {Expr.FormatNumber(p2)}");
                }
                break;
        }
        var m = (MatrixResult)Eval(c.Args[matrixArg], ts);
        // The window the samples were taken from: needed for extrapolation and predict_linear.
        long rangeMs;
        long rangeEnd;
        switch (matrixExpr)
        {
            case MatrixSelector ms:
                rangeMs = ms.RangeMs;
                rangeEnd = ResolveAt(ms.Vector.At, ms.Vector.AtMs, ts) - ms.Vector.OffsetMs;
                break;
            case SubqueryExpr sq:
                rangeMs = sq.RangeMs;
                rangeEnd = ResolveAt(sq.At, sq.AtMs, ts) - sq.OffsetMs;
                break;
            default:
                rangeMs = 0;
                rangeEnd = ts;
                break;
        }
        var rangeStart = rangeEnd - rangeMs;
        var keepName = name is "last_over_time" or "first_over_time";
        var result = new List<VSample>(m.Series.Count);
        var argPos = c.Args[0].Position;
        var matrixPos = c.Args[matrixArg].Position;
        foreach (var s in m.Series)
        {
            var samples = s.Samples.AsSpan();
            var hists = s.Histograms.AsSpan();
            var metricName = s.Metric.Name ?? string.Empty;
            if (hists.Length > 0 || name is "rate" or "increase")
            {
                var handled = EvalHistogramRangeFunction(name, s, samples, hists, metricName, rangeStart, rangeEnd, rangeMs, matrixPos, argPos, p1, matrixExpr is MatrixSelector, ts, keepName, result);
                if (handled)
                {
                    continue;
                }
            }
            if (samples.Length == 0)
            {
                continue;
            }
            if (name == "quantile_over_time" && (double.IsNaN(p1) || p1 < 0 || p1 > 1))
            {
                Annotations.Warn("quantile value should be between 0 and 1, got " + GoFloat.Format(p1, 'g', -1), argPos);
            }
            double? v = name switch
            {
                "rate" => ExtrapolatedRate(samples, rangeStart, rangeEnd, rangeMs, true, true),
                "increase" => ExtrapolatedRate(samples, rangeStart, rangeEnd, rangeMs, true, false),
                "delta" => ExtrapolatedRate(samples, rangeStart, rangeEnd, rangeMs, false, false),
                "irate" => Instant(samples, true),
                "idelta" => Instant(samples, false),
                "changes" => Changes(samples),
                "resets" => Resets(samples),
                "deriv" => samples.Length < 2 ? null : LinearRegression(samples, samples[0].TimestampMs).Slope,
                "predict_linear" => samples.Length < 2 ? null : PredictLinear(samples, ts, p1),
                "avg_over_time" => AvgOverTime(samples),
                "sum_over_time" => SumOverTime(samples),
                "count_over_time" => samples.Length,
                "min_over_time" => MinMax(samples, false),
                "max_over_time" => MinMax(samples, true),
                "stddev_over_time" => Math.Sqrt(StdVar(samples)),
                "stdvar_over_time" => StdVar(samples),
                "last_over_time" => samples[^1].Value,
                "first_over_time" => samples[0].Value,
                "ts_of_last_over_time" => samples[^1].TimestampMs / 1000.0,
                "ts_of_first_over_time" => samples[0].TimestampMs / 1000.0,
                "ts_of_max_over_time" => TsOfMinMax(samples, true),
                "ts_of_min_over_time" => TsOfMinMax(samples, false),
                "present_over_time" => 1,
                "quantile_over_time" => Quantile(p1, Values(samples)),
                "mad_over_time" => Mad(samples),
                "double_exponential_smoothing" or "holt_winters" => Smooth(samples, p1, p2),
                _ => throw new PromQlEvaluationException($"function \"{name}\" is not implemented"),
            };
            if (v is { } value)
            {
                result.Add(new VSample(s.Metric, value, ts, s.DropName || !keepName));
            }
        }
        return new VectorResult(result);
    }

    private static double[] Values(ReadOnlySpan<Sample> samples)
    {
        var arr = new double[samples.Length];
        for (var i = 0; i < arr.Length; i++)
        {
            arr[i] = samples[i].Value;
        }
        return arr;
    }

    /// <summary>
    /// rate/increase/delta as Prometheus computes them: the increase between first and last sample
    /// (plus counter resets), extrapolated to the window edges unless the series seems to start or
    /// end inside it, and never extrapolated below zero for counters.
    /// </summary>
    private static double? ExtrapolatedRate(ReadOnlySpan<Sample> samples, long rangeStart, long rangeEnd, long rangeMs, bool isCounter, bool isRate)
    {
        if (samples.Length < 2)
        {
            return null;
        }
        var first = samples[0];
        var last = samples[^1];
        var result = last.Value - first.Value;
        if (isCounter)
        {
            var prev = first.Value;
            for (var i = 1; i < samples.Length; i++)
            {
                var cur = samples[i].Value;
                if (cur < prev)
                {
                    result += prev;
                }
                prev = cur;
            }
        }
        var durationToStart = (first.TimestampMs - rangeStart) / 1000.0;
        var durationToEnd = (rangeEnd - last.TimestampMs) / 1000.0;
        var sampledInterval = (last.TimestampMs - first.TimestampMs) / 1000.0;
        var avgBetween = sampledInterval / (samples.Length - 1);
        var threshold = avgBetween * 1.1;
        if (durationToStart >= threshold)
        {
            durationToStart = avgBetween / 2;
        }
        if (isCounter)
        {
            var durationToZero = durationToStart;
            if (result > 0 && first.Value >= 0)
            {
                durationToZero = sampledInterval * (first.Value / result);
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
        var factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
        if (isRate)
        {
            factor /= rangeMs / 1000.0;
        }
        return result * factor;
    }

    private static double? Instant(ReadOnlySpan<Sample> samples, bool isRate)
    {
        if (samples.Length < 2)
        {
            return null;
        }
        var last = samples[^1];
        var prev = samples[^2];
        var result = isRate && last.Value < prev.Value ? last.Value : last.Value - prev.Value;
        if (!isRate)
        {
            return result;
        }
        var interval = last.TimestampMs - prev.TimestampMs;
        if (interval == 0)
        {
            return null;
        }
        return result / (interval / 1000.0);
    }

    private static double Changes(ReadOnlySpan<Sample> samples)
    {
        var n = 0;
        for (var i = 1; i < samples.Length; i++)
        {
            var a = samples[i - 1].Value;
            var b = samples[i].Value;
            if (!(a == b || (double.IsNaN(a) && double.IsNaN(b))))
            {
                n++;
            }
        }
        return n;
    }

    private static double Resets(ReadOnlySpan<Sample> samples)
    {
        var n = 0;
        for (var i = 1; i < samples.Length; i++)
        {
            if (samples[i].Value < samples[i - 1].Value)
            {
                n++;
            }
        }
        return n;
    }

    private static (double Slope, double Intercept) LinearRegression(ReadOnlySpan<Sample> samples, long interceptTime)
    {
        double n = 0, sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
        var initY = samples[0].Value;
        var constY = true;
        for (var i = 0; i < samples.Length; i++)
        {
            var s = samples[i];
            if (constY && i > 0 && s.Value != initY)
            {
                constY = false;
            }
            n += 1;
            var x = (s.TimestampMs - interceptTime) / 1e3;
            (sumX, cX) = KahanInc(x, sumX, cX);
            (sumY, cY) = KahanInc(s.Value, sumY, cY);
            (sumXY, cXY) = KahanInc(x * s.Value, sumXY, cXY);
            (sumX2, cX2) = KahanInc(x * x, sumX2, cX2);
        }
        if (constY)
        {
            return double.IsInfinity(initY) ? (double.NaN, double.NaN) : (0, initY);
        }
        sumX += cX;
        sumY += cY;
        sumXY += cXY;
        sumX2 += cX2;
        var covXY = sumXY - (sumX * sumY / n);
        var varX = sumX2 - (sumX * sumX / n);
        var slope = covXY / varX;
        var intercept = (sumY / n) - (slope * sumX / n);
        return (slope, intercept);
    }

    private static double PredictLinear(ReadOnlySpan<Sample> samples, long ts, double duration)
    {
        var (slope, intercept) = LinearRegression(samples, ts);
        return (slope * duration) + intercept;
    }

    private static double AvgOverTime(ReadOnlySpan<Sample> samples)
    {
        double sum = samples[0].Value, c = 0, mean = 0, count = 1;
        var incremental = false;
        for (var i = 1; i < samples.Length; i++)
        {
            var f = samples[i].Value;
            count++;
            if (!incremental)
            {
                var (ns, nc) = KahanInc(f, sum, c);
                if (!double.IsInfinity(ns))
                {
                    sum = ns;
                    c = nc;
                    continue;
                }
                incremental = true;
                mean = sum / (count - 1);
                c /= count - 1;
            }
            var q = (count - 1) / count;
            (mean, c) = KahanInc(f / count, q * mean, q * c);
        }
        return incremental ? mean + c : (sum / count) + (c / count);
    }

    private static double SumOverTime(ReadOnlySpan<Sample> samples)
    {
        double sum = 0, c = 0;
        foreach (var s in samples)
        {
            (sum, c) = KahanInc(s.Value, sum, c);
        }
        return sum + c;
    }

    private static double MinMax(ReadOnlySpan<Sample> samples, bool max)
    {
        var v = samples[0].Value;
        for (var i = 1; i < samples.Length; i++)
        {
            var f = samples[i].Value;
            if ((max ? f > v : f < v) || double.IsNaN(v))
            {
                v = f;
            }
        }
        return v;
    }

    private static double TsOfMinMax(ReadOnlySpan<Sample> samples, bool max)
    {
        var v = samples[0].Value;
        var t = samples[0].TimestampMs;
        for (var i = 1; i < samples.Length; i++)
        {
            var f = samples[i].Value;
            if ((max ? f >= v : f <= v) || double.IsNaN(v))
            {
                v = f;
                t = samples[i].TimestampMs;
            }
        }
        return t / 1000.0;
    }

    private static double StdVar(ReadOnlySpan<Sample> samples)
    {
        double count = 0, mean = 0, cMean = 0, aux = 0, cAux = 0;
        foreach (var s in samples)
        {
            count++;
            var delta = s.Value - (mean + cMean);
            (mean, cMean) = KahanInc(delta / count, mean, cMean);
            (aux, cAux) = KahanInc(delta * (s.Value - (mean + cMean)), aux, cAux);
        }
        return (aux + cAux) / count;
    }

    private static double Mad(ReadOnlySpan<Sample> samples)
    {
        var values = Values(samples);
        foreach (var v in values)
        {
            if (double.IsNaN(v))
            {
                return double.NaN;
            }
        }
        var median = Quantile(0.5, values);
        var dev = new double[values.Length];
        for (var i = 0; i < dev.Length; i++)
        {
            dev[i] = Math.Abs(values[i] - median);
        }
        return Quantile(0.5, dev);
    }

    private static double? Smooth(ReadOnlySpan<Sample> samples, double sf, double tf)
    {
        if (samples.Length < 2)
        {
            return null;
        }
        double s0 = 0;
        var s1 = samples[0].Value;
        var b = samples[1].Value - samples[0].Value;
        for (var i = 1; i < samples.Length; i++)
        {
            var x = sf * samples[i].Value;
            if (i > 1)
            {
                b = (tf * (s1 - s0)) + ((1 - tf) * b);
            }
            var y = (1 - sf) * (s1 + b);
            s0 = s1;
            s1 = x + y;
        }
        return s1;
    }
}
