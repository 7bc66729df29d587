using Alerting.Core.Exposition;
using Alerting.Core.Model;
using Alerting.Core.PromQL;
using Alerting.Core.Tsdb;

namespace Alerting.Core.Query;

/// <summary>What one query may cost: Prometheus' <c>--query.timeout</c> and <c>--query.max-samples</c>.</summary>
public sealed record QueryLimits(TimeSpan Timeout, long MaxSamples)
{
    public static readonly QueryLimits Default = new(TimeSpan.FromMinutes(2), 50_000_000);
}

/// <summary>
/// The Prometheus HTTP API v1 over a store: runs a parsed request (<see cref="QueryRequests"/>) against
/// an <see cref="ITsdbQuerier"/> and answers Prometheus' JSON, or its error with type and status. Pure
/// apart from the store it is given and the clock of the timeout.
/// </summary>
public sealed class QueryApi(PromQlEngine engine, QueryLimits limits)
{
    /// <summary>Prometheus' message when a query's samples exceed <c>--query.max-samples</c>.</summary>
    public const string TooManySamples = "query processing would load too many samples into memory in query execution";

    public ApiResponse Instant(InstantQuery q, ISeriesSource store, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(q);
        return Run(q.TimeoutNs, store, (source, token) => engine.Instant(q.Expr, source, q.TimeMs, token), ct);
    }

    public ApiResponse Range(RangeQuery q, ISeriesSource store, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(q);
        return Run(q.TimeoutNs, store, (source, token) => engine.Range(q.Expr, source, q.StartMs, q.EndMs, q.StepMs, token), ct);
    }

    public static ApiResponse Series(SeriesLookup q, ITsdbQuerier store)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(store);
        var set = new SortedSet<Labels>(Comparer<Labels>.Create(LabelOps.Compare));
        foreach (var matchers in q.MatcherSets)
        {
            set.UnionWith(store.Series(matchers, q.StartMs, q.EndMs));
        }
        return ApiJson.Success(w =>
        {
            w.WriteStartArray();
            foreach (var labels in set)
            {
                ApiJson.WriteLabels(w, labels);
            }
            w.WriteEndArray();
        });
    }

    public static ApiResponse LabelNames(SeriesLookup q, ITsdbQuerier store)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(store);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        if (q.MatcherSets.Count == 0)
        {
            names.UnionWith(store.LabelNames([], q.StartMs, q.EndMs));
        }
        foreach (var matchers in q.MatcherSets)
        {
            names.UnionWith(store.LabelNames(matchers, q.StartMs, q.EndMs));
        }
        return ApiJson.Success(w => ApiJson.WriteStrings(w, names));
    }

    public static ApiResponse LabelValues(string name, SeriesLookup q, ITsdbQuerier store)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(store);
        var values = new SortedSet<string>(StringComparer.Ordinal);
        if (q.MatcherSets.Count == 0)
        {
            values.UnionWith(store.LabelValues(name, [], q.StartMs, q.EndMs));
        }
        foreach (var matchers in q.MatcherSets)
        {
            values.UnionWith(store.LabelValues(name, matchers, q.StartMs, q.EndMs));
        }
        return ApiJson.Success(w => ApiJson.WriteStrings(w, values));
    }

    /// <summary>
    /// /api/v1/metadata: per metric family the distinct HELP/TYPE/UNIT as scraped, at most
    /// <paramref name="limit"/> families (all when negative), only <paramref name="metric"/> when given.
    /// </summary>
    public static ApiResponse Metadata(IReadOnlyDictionary<string, IReadOnlyList<MetricMetadata>> metadata, int limit, string metric)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(metric);
        return ApiJson.Success(w =>
        {
            w.WriteStartObject();
            var written = 0;
            foreach (var (family, entries) in metadata.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                if (metric.Length > 0 && family != metric)
                {
                    continue;
                }
                if (limit >= 0 && written >= limit)
                {
                    break;
                }
                w.WriteStartArray(family);
                foreach (var m in entries.DistinctBy(m => (m.Type, m.Help, m.Unit)))
                {
                    w.WriteStartObject();
                    w.WriteString("type", TypeName(m.Type));
                    w.WriteString("help", m.Help ?? string.Empty);
                    w.WriteString("unit", m.Unit ?? string.Empty);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                written++;
            }
            w.WriteEndObject();
        });
    }

    /// <summary>/api/v1/query_exemplars: no exemplars are stored, so a query with selectors answers an empty list.</summary>
    public static ApiResponse Exemplars(ApiForm form)
    {
        QueryRequests.ExemplarRange(form);
        Expr expr;
        try
        {
            expr = PromQlParser.Parse(form.Value("query"));
        }
        catch (PromQlParseException e)
        {
            throw new QueryApiException(ApiErrorType.BadData, e.Message);
        }
        // Prometheus answers 204 without a body when the query selects nothing.
        return HasSelector(expr) ? ApiJson.Success(w => { w.WriteStartArray(); w.WriteEndArray(); }) : ApiResponse.NoContent;
    }

    /// <summary>/api/v1/format_query: the expression as the parser reads it back, split over lines as Prometheus' prettifier does.</summary>
    public static ApiResponse FormatQuery(ApiForm form)
    {
        ArgumentNullException.ThrowIfNull(form);
        try
        {
            var expr = PromQlParser.Parse(form.Value("query"));
            return ApiJson.Success(w => w.WriteStringValue(Prettier.Prettify(expr)));
        }
        catch (PromQlParseException e)
        {
            throw QueryApiException.InvalidParam("query", e.Message);
        }
    }

    /// <summary>/api/v1/status/buildinfo, with the Prometheus version whose API this one follows (Grafana reads it to pick features).</summary>
    public static ApiResponse BuildInfo(string revision) => ApiJson.Success(w =>
    {
        w.WriteStartObject();
        w.WriteString("version", "2.42.0");
        w.WriteString("revision", revision);
        w.WriteString("branch", "Alerting.Functions");
        w.WriteString("buildUser", "Alerting.Functions");
        w.WriteString("buildDate", string.Empty);
        w.WriteString("goVersion", ".NET " + Environment.Version);
        w.WriteEndObject();
    });

    public static string TypeName(MetricType type) => type switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        MetricType.Histogram => "histogram",
        MetricType.GaugeHistogram => "gaugehistogram",
        MetricType.Summary => "summary",
        MetricType.Info => "info",
        MetricType.StateSet => "stateset",
        _ => "unknown",
    };

    private ApiResponse Run(long? timeoutNs, ISeriesSource store, Func<ISeriesSource, CancellationToken, QueryValue> evaluate, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var timeout = limits.Timeout;
        if (timeoutNs is { } ns && TimeSpan.FromTicks(Math.Max(0, ns / 100)) < timeout)
        {
            timeout = TimeSpan.FromTicks(Math.Max(0, ns / 100));
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout <= TimeSpan.Zero)
        {
            // A timeout below the clock's resolution has passed before evaluation starts.
            deadline.Cancel();
        }
        else
        {
            deadline.CancelAfter(timeout);
        }
        var counted = new CountingSource(store, limits.MaxSamples);
        try
        {
            deadline.Token.ThrowIfCancellationRequested();
            var value = evaluate(counted, deadline.Token);
            counted.Add(Points(value));
            return ApiJson.Success(w => ApiJson.WriteQueryData(w, value));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ApiJson.Error(ApiErrorType.Timeout, "query timed out in expression evaluation");
        }
        catch (OperationCanceledException)
        {
            return ApiJson.Error(ApiErrorType.Canceled, "query was canceled in expression evaluation");
        }
        catch (PromQlEvaluationException e)
        {
            return ApiJson.Error(ApiErrorType.Execution, e.Message);
        }
        catch (QueryApiException e)
        {
            return ApiJson.Error(e);
        }
    }

    private static long Points(QueryValue value) => value switch
    {
        VectorValue v => v.Samples.Count,
        MatrixValue m => m.Series.Sum(s => (long)s.Samples.Count + s.Histograms.Count),
        _ => 1,
    };

    private static bool HasSelector(Expr e) => e switch
    {
        VectorSelector or MatrixSelector => true,
        AggregateExpr a => HasSelector(a.Inner) || (a.Param is not null && HasSelector(a.Param)),
        ParenExpr p => HasSelector(p.Inner),
        UnaryExpr u => HasSelector(u.Operand),
        BinaryExpr b => HasSelector(b.Lhs) || HasSelector(b.Rhs),
        SubqueryExpr sq => HasSelector(sq.Inner),
        Call c => c.Args.Any(HasSelector),
        _ => false,
    };

    /// <summary>Counts the samples a query loads (and returns) against the max-samples limit.</summary>
    private sealed class CountingSource(ISeriesSource inner, long max) : ISeriesSource
    {
        private long _samples;

        public IEnumerable<Series> Select(IReadOnlyList<LabelMatcher> matchers, long minTimeMs, long maxTimeMs)
        {
            var result = inner.Select(matchers, minTimeMs, maxTimeMs).ToArray();
            Add(result.Sum(s => (long)s.Samples.Count + s.Histograms.Count));
            return result;
        }

        public void Add(long samples)
        {
            if (Interlocked.Add(ref _samples, samples) > max)
            {
                throw new QueryApiException(ApiErrorType.Execution, TooManySamples);
            }
        }
    }
}
