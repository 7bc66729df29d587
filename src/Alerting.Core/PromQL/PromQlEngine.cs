using Alerting.Core.Model;

namespace Alerting.Core.PromQL;

/// <summary>
/// Evaluates PromQL with Prometheus' semantics (lookback, staleness, extrapolation, vector matching)
/// over any <see cref="ISeriesSource"/>. Stateless and thread-safe: each call builds its own evaluator.
/// </summary>
public sealed class PromQlEngine
{
    private readonly PromQlEngineOptions _options;

    public PromQlEngine(PromQlEngineOptions? options = null) => _options = options ?? new PromQlEngineOptions();

    public QueryValue Instant(Expr expr, ISeriesSource source, long timeMs, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(expr);
        ArgumentNullException.ThrowIfNull(source);
        var ev = new Evaluator(source, timeMs, timeMs, 0, _options, ct);
        ev.Prepare(expr);
        var v = ev.Eval(expr, timeMs);
        switch (v)
        {
            case ScalarResult s:
                return new ScalarValue(timeMs, s.Value);
            case StringResult str:
                return new StringValue(timeMs, str.Value);
            case VectorResult vec:
                {
                    var cleaned = ev.Cleanup(vec.Samples);
                    var result = new VectorSample[cleaned.Count];
                    for (var i = 0; i < result.Length; i++)
                    {
                        result[i] = new VectorSample(cleaned[i].Metric, timeMs, cleaned[i].F);
                    }
                    return new VectorValue(result);
                }
            case MatrixResult m:
                {
                    var list = new List<Series>(m.Series.Count);
                    var seen = new HashSet<Labels>();
                    foreach (var s in m.Series)
                    {
                        var labels = s.DropName ? LabelOps.DropMetricName(s.Metric) : s.Metric;
                        if (!seen.Add(labels))
                        {
                            throw new PromQlEvaluationException("vector cannot contain metrics with the same labelset");
                        }
                        list.Add(new Series(labels, s.Samples.ToArray()));
                    }
                    list.Sort(static (a, b) => LabelOps.Compare(a.Labels, b.Labels));
                    return new MatrixValue(list);
                }
            default:
                throw new PromQlEvaluationException("unexpected result type");
        }
    }

    public QueryValue Range(Expr expr, ISeriesSource source, long startMs, long endMs, long stepMs, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(expr);
        ArgumentNullException.ThrowIfNull(source);
        if (stepMs <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(stepMs), "zero or negative query resolution step widths are not accepted");
        }
        if (endMs < startMs)
        {
            throw new ArgumentException("end timestamp must not be before start time", nameof(endMs));
        }
        if (expr.Type is not (PromQlValueType.Scalar or PromQlValueType.Vector))
        {
            throw new PromQlEvaluationException($"invalid expression type \"{TypeName(expr.Type)}\" for range query, must be Scalar or instant Vector");
        }
        var ev = new Evaluator(source, startMs, endMs, stepMs, _options, ct);
        ev.Prepare(expr);
        var series = new Dictionary<Labels, List<Sample>>();
        for (var ts = startMs; ts <= endMs; ts += stepMs)
        {
            ct.ThrowIfCancellationRequested();
            var v = ev.Eval(expr, ts);
            if (v is ScalarResult s)
            {
                Add(series, Labels.Empty, new Sample(ts, s.Value));
                continue;
            }
            foreach (var sample in ev.Cleanup(((VectorResult)v).Samples))
            {
                Add(series, sample.Metric, new Sample(ts, sample.F));
            }
        }
        var result = new List<Series>(series.Count);
        foreach (var (labels, samples) in series)
        {
            result.Add(new Series(labels, samples));
        }
        result.Sort(static (a, b) => LabelOps.Compare(a.Labels, b.Labels));
        return new MatrixValue(result);

        static void Add(Dictionary<Labels, List<Sample>> series, Labels labels, Sample sample)
        {
            if (!series.TryGetValue(labels, out var list))
            {
                list = [];
                series[labels] = list;
            }
            list.Add(sample);
        }
    }

    private static string TypeName(PromQlValueType t) => t switch
    {
        PromQlValueType.Matrix => "range vector",
        PromQlValueType.String => "string",
        _ => t.ToString().ToLowerInvariant(),
    };
}
