using System.Reflection;
using Alerting.Core.PromQL;
using Alerting.Core.Query;
using Alerting.Core.Rules;
using Alerting.Core.Tsdb;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Query;
using Alerting.Functions.Tsdb;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Functions;

/// <summary>
/// Prometheus' HTTP API v1 over the sample store, for Grafana's Prometheus data source and promtool.
/// Each route exists twice: under <c>/api/v1/</c> behind the function key (<c>x-functions-key</c>
/// header or <c>?code=</c>), and under <c>/api/prometheus/api/v1/</c> behind the bearer or basic-auth
/// token of <see cref="QueryApiOptions.TokenSetting"/>, for clients that can only send an
/// <c>Authorization</c> header. Parsing, evaluation and JSON are Core's <see cref="QueryRequests"/> and
/// <see cref="QueryApi"/>; this class reads the form, loads the store's querier and writes the answer.
/// </summary>
public sealed partial class QueryApiFunctions(
    ConfigProvider config,
    SampleStore samples,
    SampleRetention retention,
    TimeProvider time,
    IOptions<QueryApiOptions> options,
    IConfiguration configuration,
    ILogger<QueryApiFunctions> logger)
{
    private const string Prefix = "prometheus/api/v1/";

    private static readonly string Revision =
        typeof(QueryApiFunctions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private readonly QueryApi _api = new(new PromQlEngine(), options.Value.Limits);

    private delegate Task<ApiResponse> Handler(ApiForm form, CancellationToken ct);

    [Function("PromQuery")]
    public Task<IActionResult> Query([HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = "v1/query")] HttpRequest req, CancellationToken ct) =>
        HandleAsync(req, false, InstantAsync, ct);

    [Function("PromQueryToken")]
    public Task<IActionResult> QueryToken([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = Prefix + "query")] HttpRequest req, CancellationToken ct) =>
        HandleAsync(req, true, InstantAsync, ct);

    [Function("PromQueryRange")]
    public Task<IActionResult> QueryRange([HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = "v1/query_range")] HttpRequest req, CancellationToken ct) =>
        HandleAsync(req, false, RangeAsync, ct);

    [Function("PromQueryRangeToken")]
    public Task<IActionResult> QueryRangeToken([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = Prefix + "query_range")] HttpRequest req, CancellationToken ct) =>
        HandleAsync(req, true, RangeAsync, ct);

    [Function("PromSeries")]
    public Task<IActionResult> Series([HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = "v1/series")] HttpRequest req, CancellationToken ct) =>
        HandleAsync(req, false, SeriesAsync, ct);

    [Function("PromSeriesToken")]
    public Task<IActionResult> SeriesToken([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = Prefix + "series")] HttpRequest req, CancellationToken ct) =>
        HandleAsync(req, true, SeriesAsync, ct);

    [Function("PromLabels")]
    public Task<IActionResult> Labels([HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = "v1/labels")] HttpRequest req, CancellationToken ct) =>
        HandleAsync(req, false, LabelsAsync, ct);

    [Function("PromLabelsToken")]
    public Task<IActionResult> LabelsToken([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = Prefix + "labels")] HttpRequest req, CancellationToken ct) =>
        HandleAsync(req, true, LabelsAsync, ct);

    [Function("PromLabelValues")]
    public Task<IActionResult> LabelValues([HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = "v1/label/{name}/values")] HttpRequest req, string name, CancellationToken ct) =>
        GetOnlyAsync(req, false, (form, token) => LabelValuesAsync(name, form, token), ct);

    [Function("PromLabelValuesToken")]
    public Task<IActionResult> LabelValuesToken([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = Prefix + "label/{name}/values")] HttpRequest req, string name, CancellationToken ct) =>
        GetOnlyAsync(req, true, (form, token) => LabelValuesAsync(name, form, token), ct);

    [Function("PromMetadata")]
    public Task<IActionResult> Metadata([HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = "v1/metadata")] HttpRequest req, CancellationToken ct) =>
        GetOnlyAsync(req, false, MetadataAsync, ct);

    [Function("PromMetadataToken")]
    public Task<IActionResult> MetadataToken([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = Prefix + "metadata")] HttpRequest req, CancellationToken ct) =>
        GetOnlyAsync(req, true, MetadataAsync, ct);

    [Function("PromBuildInfo")]
    public Task<IActionResult> BuildInfo([HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = "v1/status/buildinfo")] HttpRequest req, CancellationToken ct) =>
        GetOnlyAsync(req, false, BuildInfoAsync, ct);

    [Function("PromBuildInfoToken")]
    public Task<IActionResult> BuildInfoToken([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = Prefix + "status/buildinfo")] HttpRequest req, CancellationToken ct) =>
        GetOnlyAsync(req, true, BuildInfoAsync, ct);

    [Function("PromFormatQuery")]
    public Task<IActionResult> FormatQuery([HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = "v1/format_query")] HttpRequest req, CancellationToken ct) =>
        HandleAsync(req, false, FormatAsync, ct);

    [Function("PromFormatQueryToken")]
    public Task<IActionResult> FormatQueryToken([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = Prefix + "format_query")] HttpRequest req, CancellationToken ct) =>
        HandleAsync(req, true, FormatAsync, ct);

    [Function("PromQueryExemplars")]
    public Task<IActionResult> QueryExemplars([HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = "v1/query_exemplars")] HttpRequest req, CancellationToken ct) =>
        HandleAsync(req, false, ExemplarsAsync, ct);

    [Function("PromQueryExemplarsToken")]
    public Task<IActionResult> QueryExemplarsToken([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = Prefix + "query_exemplars")] HttpRequest req, CancellationToken ct) =>
        HandleAsync(req, true, ExemplarsAsync, ct);

    private async Task<ApiResponse> InstantAsync(ApiForm form, CancellationToken ct)
    {
        var q = QueryRequests.Instant(form, time.GetUtcNow().ToUnixTimeMilliseconds());
        return _api.Instant(q, await StoreAsync(ct).ConfigureAwait(false), ct);
    }

    private async Task<ApiResponse> RangeAsync(ApiForm form, CancellationToken ct)
    {
        var q = QueryRequests.Range(form);
        return _api.Range(q, await StoreAsync(ct).ConfigureAwait(false), ct);
    }

    private async Task<ApiResponse> SeriesAsync(ApiForm form, CancellationToken ct)
    {
        var q = QueryRequests.Series(form);
        return QueryApi.Series(q, await StoreAsync(ct).ConfigureAwait(false));
    }

    private async Task<ApiResponse> LabelsAsync(ApiForm form, CancellationToken ct)
    {
        var q = QueryRequests.Labels(form);
        return QueryApi.LabelNames(q, await StoreAsync(ct).ConfigureAwait(false));
    }

    private async Task<ApiResponse> LabelValuesAsync(string name, ApiForm form, CancellationToken ct)
    {
        QueryRequests.CheckLabelName(name);
        var q = QueryRequests.Labels(form);
        return QueryApi.LabelValues(name, q, await StoreAsync(ct).ConfigureAwait(false));
    }

    private async Task<ApiResponse> MetadataAsync(ApiForm form, CancellationToken ct)
    {
        var limit = QueryRequests.MetadataLimit(form);
        var store = await StoreAsync(ct).ConfigureAwait(false);
        return QueryApi.Metadata(store.Metadata(), limit, form.Value("metric"));
    }

    private static Task<ApiResponse> BuildInfoAsync(ApiForm form, CancellationToken ct) => Task.FromResult(QueryApi.BuildInfo(Revision));

    private static Task<ApiResponse> FormatAsync(ApiForm form, CancellationToken ct) => Task.FromResult(QueryApi.FormatQuery(form));

    private static Task<ApiResponse> ExemplarsAsync(ApiForm form, CancellationToken ct) => Task.FromResult(QueryApi.Exemplars(form));

    /// <summary>
    /// The store as the evaluator sees it, with the rules' series selection so the two share one head;
    /// a query for other series reads them from the tick log on demand (the querier's full head).
    /// </summary>
    private Task<ITsdbQuerier> StoreAsync(CancellationToken ct)
    {
        var files = retention.Usable(config.RuleFiles());
        return samples.QuerierAsync(SeriesSelection.Of(RuleRetention.Selectors(files)), ct);
    }

    /// <summary>
    /// An endpoint Prometheus serves by GET only: a POST gets its 405, not our 404. Grafana relies on this:
    /// with its default POST setting it asks <c>api/v1/status/buildinfo</c> by POST on "Save &amp; test",
    /// retries by GET only after a 405 or 400, and takes a 404 to mean the server has no build info.
    /// </summary>
    private Task<IActionResult> GetOnlyAsync(HttpRequest req, bool token, Handler handler, CancellationToken ct)
    {
        if (HttpMethods.IsGet(req.Method))
        {
            return HandleAsync(req, token, handler, ct);
        }
        return Task.FromResult(token && ClientTokenAuth.Reject(req, configuration, QueryApiOptions.TokenSetting) is { } rejected
            ? rejected
            : QueryHttp.MethodNotAllowed("GET"));
    }

    private async Task<IActionResult> HandleAsync(HttpRequest req, bool token, Handler handler, CancellationToken ct)
    {
        if (token && ClientTokenAuth.Reject(req, configuration, QueryApiOptions.TokenSetting) is { } rejected)
        {
            return rejected;
        }
        try
        {
            var form = await QueryHttp.ReadFormAsync(req, ct).ConfigureAwait(false);
            return QueryHttp.Result(await handler(form, ct).ConfigureAwait(false));
        }
        catch (QueryApiException e)
        {
            return QueryHttp.Result(ApiJson.Error(e));
        }
        catch (RequestFailedException e)
        {
            LogStoreUnavailable(logger, req.Path, e.Status, e.Message);
            return QueryHttp.Result(ApiJson.Error(ApiErrorType.Unavailable, $"sample store unavailable: {e.ErrorCode ?? e.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Query API {Path}: sample store unavailable ({Status}): {Error}")]
    private static partial void LogStoreUnavailable(ILogger logger, string path, int status, string error);
}
