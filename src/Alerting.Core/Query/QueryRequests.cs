using Alerting.Core.Model;
using Alerting.Core.PromQL;

namespace Alerting.Core.Query;

/// <summary>An instant query: the expression at one time.</summary>
public sealed record InstantQuery(Expr Expr, long TimeMs, long? TimeoutNs);

/// <summary>A range query: the expression at start, start+step, ... up to end.</summary>
public sealed record RangeQuery(Expr Expr, long StartMs, long EndMs, long StepMs, long? TimeoutNs);

/// <summary>A metadata lookup (series, label names, label values) over a time range.</summary>
public sealed record SeriesLookup(IReadOnlyList<IReadOnlyList<LabelMatcher>> MatcherSets, long StartMs, long EndMs);

/// <summary>
/// Reads each endpoint's parameters in the order Prometheus 2.42's <c>web/api/v1/api.go</c> checks them,
/// so the first problem reported is the one Prometheus reports. Throws <see cref="QueryApiException"/>.
/// </summary>
public static partial class QueryRequests
{
    /// <summary>Prometheus' limit on the points of one series of a range query.</summary>
    public const long MaxPointsPerSeries = 11_000;

    public static InstantQuery Instant(ApiForm form, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(form);
        var time = ApiParams.TimeParam(form, "time", nowMs);
        var timeout = Timeout(form);
        Expr expr;
        try
        {
            expr = PromQlParser.Parse(form.Value("query"));
        }
        catch (PromQlParseException e)
        {
            throw QueryApiException.InvalidParam("query", e.Message);
        }
        return new InstantQuery(expr, time, timeout);
    }

    public static RangeQuery Range(ApiForm form)
    {
        ArgumentNullException.ThrowIfNull(form);
        var start = ApiParams.RequiredTime(form, "start");
        var end = ApiParams.RequiredTime(form, "end");
        if (end < start)
        {
            throw QueryApiException.InvalidParam("end", "end timestamp must not be before start time");
        }
        var stepNs = ApiParams.DurationParam(form, "step");
        if (stepNs <= 0)
        {
            throw QueryApiException.InvalidParam("step", "zero or negative query resolution step widths are not accepted. Try a positive integer");
        }
        // Go: end.Sub(start)/step in nanoseconds, integer division.
        var spanNs = ((Int128)end - start) * 1_000_000;
        if (spanNs / stepNs > MaxPointsPerSeries)
        {
            throw new QueryApiException(ApiErrorType.BadData, "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
        }
        var timeout = Timeout(form);
        Expr expr;
        try
        {
            expr = PromQlParser.Parse(form.Value("query"));
        }
        catch (PromQlParseException e)
        {
            throw new QueryApiException(ApiErrorType.BadData, e.Message);
        }
        if (expr.Type is not (PromQlValueType.Scalar or PromQlValueType.Vector))
        {
            throw new QueryApiException(ApiErrorType.BadData, $"invalid expression type \"{TypeName(expr.Type)}\" for range query, must be Scalar or instant Vector");
        }
        var stepMs = stepNs / 1_000_000;
        if (stepMs == 0)
        {
            // Below a millisecond the engine (which steps in milliseconds) would not advance.
            throw QueryApiException.InvalidParam("step", "zero or negative query resolution step widths are not accepted. Try a positive integer");
        }
        return new RangeQuery(expr, start, end, stepMs, timeout);
    }

    /// <summary>/api/v1/series: match[] is required.</summary>
    public static SeriesLookup Series(ApiForm form)
    {
        ArgumentNullException.ThrowIfNull(form);
        var selectors = form.Values("match[]");
        if (selectors.Count == 0)
        {
            throw new QueryApiException(ApiErrorType.BadData, "no match[] parameter provided");
        }
        var (start, end) = StartEnd(form);
        try
        {
            return new SeriesLookup(ApiParams.ParseMatchers(selectors), start, end);
        }
        catch (FormatException e)
        {
            throw QueryApiException.InvalidParam("match[]", e.Message);
        }
    }

    /// <summary>/api/v1/labels and /api/v1/label/&lt;name&gt;/values: match[] is optional.</summary>
    public static SeriesLookup Labels(ApiForm form)
    {
        ArgumentNullException.ThrowIfNull(form);
        var (start, end) = StartEnd(form);
        try
        {
            return new SeriesLookup(ApiParams.ParseMatchers(form.Values("match[]")), start, end);
        }
        catch (FormatException e)
        {
            throw new QueryApiException(ApiErrorType.BadData, e.Message);
        }
    }

    public static void CheckLabelName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!LabelName().IsMatch(name))
        {
            throw new QueryApiException(ApiErrorType.BadData, $"invalid label name: {Templating.GoQuote.Quote(name)}");
        }
    }

    /// <summary>/api/v1/query_exemplars' range (the query itself is parsed by the caller).</summary>
    public static (long Start, long End) ExemplarRange(ApiForm form)
    {
        ArgumentNullException.ThrowIfNull(form);
        var start = ApiParams.TimeParam(form, "start", ApiParams.MinTimeMs);
        var end = ApiParams.TimeParam(form, "end", ApiParams.MaxTimeMs);
        if (end < start)
        {
            throw new QueryApiException(ApiErrorType.BadData, "end timestamp must not be before start timestamp");
        }
        return (start, end);
    }

    /// <summary>/api/v1/metadata's limit: -1 (all) unless given.</summary>
    public static int MetadataLimit(ApiForm form)
    {
        ArgumentNullException.ThrowIfNull(form);
        var text = form.Value("limit");
        if (text.Length == 0)
        {
            return -1;
        }
        return int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var limit)
            ? limit
            : throw new QueryApiException(ApiErrorType.BadData, "limit must be a number");
    }

    public static string TypeName(PromQlValueType t) => t switch
    {
        PromQlValueType.Scalar => "scalar",
        PromQlValueType.Vector => "instant vector",
        PromQlValueType.Matrix => "range vector",
        PromQlValueType.String => "string",
        _ => "none",
    };

    private static (long Start, long End) StartEnd(ApiForm form) =>
        (ApiParams.TimeParam(form, "start", ApiParams.MinTimeMs), ApiParams.TimeParam(form, "end", ApiParams.MaxTimeMs));

    private static long? Timeout(ApiForm form) =>
        form.Value("timeout").Length == 0 ? null : ApiParams.DurationParam(form, "timeout");

    [System.Text.RegularExpressions.GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex LabelName();
}
