using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Alerting.Integration.Tests.Query.Grafana;

/// <summary>One HTTP answer: status and parsed body (null when the body is not JSON).</summary>
internal sealed record Answer(int Status, JsonNode? Body, string Raw)
{
    public bool Success => Status == 200 && Body?["status"]?.GetValue<string>() == "success";

    public override string ToString() => $"{Status} {(Raw.Length > 300 ? Raw[..300] + "…" : Raw)}";
}

/// <summary>A panel's answer as Grafana uses it: one series per display name and labels, its points in ms.</summary>
internal sealed record Frames(SortedDictionary<string, IReadOnlyList<(long Ms, double Value)>> Series);

/// <summary>
/// The HTTP requests Grafana's Prometheus data source sends, rebuilt from Grafana's source
/// (pkg/promlib/client/client.go, resource/resource.go, healthcheck.go, heuristics.go;
/// packages/grafana-prometheus metric_find_query.ts and annotations.ts): query_range and instant queries
/// as a form (POST, the default "HTTP method" setting) or URL parameters (GET), times as Go's
/// FormatFloat of seconds, parameters in url.Values' sorted order; resource calls (label values,
/// series, labels, buildinfo) by GET for the endpoints Grafana knows to be GET-only and otherwise POST
/// with the parameters in the URL and an empty body, retried as GET on 405 or 400; a User-Agent of
/// Grafana's, gzip accepted, and the data source's authentication header.
/// </summary>
internal sealed partial class GrafanaDataSource : IDisposable
{
    public const string UserAgent = "Grafana/11.3.0";

    /// <summary>client.go's endpointsSupportOnlyGet, compared with the resource path as Grafana does (a prefix test).</summary>
    private static readonly string[] OnlyGet =
    [
        "api/v1/label/", "api/v1/metadata", "/api/v1/targets", "/api/v1/rules", "/api/v1/alerts", "/api/v1/targets/metadata",
        "/api/v1/alertmanagers", "/api/v1/status/config", "/api/v1/status/flags", "/api/v1/status/runtimeinfo",
        "/api/v1/status/buildinfo", "/api/v1/status/tsdb", "/api/v1/status/walreplay", "/api/v1/notifications",
    ];

    private readonly HttpClient _http;
    private readonly string _method;

    /// <param name="baseUrl">The data source URL as typed into Grafana (Prometheus' root, or ours: <c>…/api/prometheus</c>).</param>
    /// <param name="method">The data source's "HTTP method" setting: POST (Grafana's default) or GET.</param>
    /// <param name="authorization">The value of the custom <c>Authorization</c> header the data source sends, if any.</param>
    public GrafanaDataSource(Uri baseUrl, string method, string? authorization)
    {
        _http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.GZip })
        {
            BaseAddress = new Uri(baseUrl.ToString().TrimEnd('/') + "/"),
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        if (authorization is not null)
        {
            _http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }
        _method = method;
        Log = [];
    }

    /// <summary>Every request sent, as "METHOD path?query [body]", for failure messages and the documentation.</summary>
    public List<string> Log { get; }

    public void Dispose() => _http.Dispose();

    /// <summary>Client.QueryRange: the aligned range and step of the panel.</summary>
    public Task<Answer> QueryRangeAsync(string expr, long startMs, long endMs, long stepMs, string? timeout = null) =>
        QueryAsync("api/v1/query_range", Params(("query", expr), ("start", GrafanaInterval.Seconds(startMs)), ("end", GrafanaInterval.Seconds(endMs)),
            ("step", (stepMs / 1000.0).ToString("0.###", CultureInfo.InvariantCulture)), ("timeout", timeout)));

    /// <summary>Client.QueryInstant: at the range's unaligned end.</summary>
    public Task<Answer> InstantAsync(string expr, long timeMs, string? timeout = null) =>
        QueryAsync("api/v1/query", Params(("query", expr), ("time", GrafanaInterval.Seconds(timeMs)), ("timeout", timeout)));

    /// <summary>"Save &amp; test": CheckHealth's instant <c>1+1</c> over the range 1 s – 4 s, then the heuristics' buildinfo.</summary>
    public async Task<(Answer Health, Answer BuildInfo)> SaveAndTestAsync()
    {
        var health = await QueryAsync("api/v1/query", Params(("query", "1+1"), ("time", "4")));
        var build = await ResourceAsync("api/v1/status/buildinfo", []);
        return (health, build);
    }

    /// <summary>The config page's version detection (DetectVersion), whose path starts with a slash and so goes by GET.</summary>
    public Task<Answer> DetectVersionAsync() => ResourceAsync("/api/v1/status/buildinfo", []);

    /// <summary>
    /// A template variable's query (PrometheusMetricFindQuery.process): <c>label_values(metric, label)</c>,
    /// <c>label_values(label)</c>, <c>metrics(regex)</c>, <c>query_result(expr)</c>; the texts Grafana offers.
    /// </summary>
    public async Task<(Answer Answer, IReadOnlyList<string> Texts)> VariableAsync(string query, long fromMs, long toMs, bool labelsMatchApi)
    {
        var start = ((long)Math.Floor(fromMs / 1000.0)).ToString(CultureInfo.InvariantCulture);
        var end = ((long)Math.Ceiling(toMs / 1000.0)).ToString(CultureInfo.InvariantCulture);
        if (LabelValues().Match(query) is { Success: true } lv)
        {
            var label = lv.Groups[2].Value;
            var metric = lv.Groups[1].Success && lv.Groups[1].Value.Replace(" ", string.Empty, StringComparison.Ordinal) != "{}" ? lv.Groups[1].Value : null;
            if (metric is null || labelsMatchApi)
            {
                var a = await ResourceAsync($"api/v1/label/{label}/values", metric is null ? [("start", start), ("end", end)] : [("match[]", metric), ("start", start), ("end", end)]);
                return (a, Strings(a));
            }
            var s = await ResourceAsync("api/v1/series", [("match[]", metric), ("start", start), ("end", end)]);
            var values = (s.Body?["data"] as JsonArray ?? []).Select(x => x?[label]?.GetValue<string>() ?? string.Empty).Where(x => x.Length > 0).Distinct(StringComparer.Ordinal).ToList();
            return (s, values);
        }
        if (Metrics().Match(query) is { Success: true } m)
        {
            var a = await ResourceAsync("api/v1/label/__name__/values", [("start", start), ("end", end)]);
            var pattern = new Regex(m.Groups[1].Value);
            return (a, Strings(a).Where(n => pattern.IsMatch(n)).ToList());
        }
        if (QueryResult().Match(query) is { Success: true } q)
        {
            var a = await ResourceAsync("api/v1/query", [("query", q.Groups[1].Value), ("time", end)]);
            return (a, QueryResultTexts(a));
        }
        throw new ArgumentException($"not a variable query this replay knows: {query}", nameof(query));
    }

    /// <summary>The answer as Grafana's frames: per series the display name (legend format or labels) and its points.</summary>
    public static Frames ToFrames(Answer answer, string legendFormat)
    {
        var frames = new SortedDictionary<string, IReadOnlyList<(long, double)>>(StringComparer.Ordinal);
        var data = answer.Body?["data"];
        switch (data?["resultType"]?.GetValue<string>())
        {
            case "matrix":
            case "vector":
                foreach (var s in data["result"]!.AsArray())
                {
                    var labels = s!["metric"]!.AsObject();
                    var points = s["values"] is JsonArray values ? values.Select(Point).ToList() : [Point(s["value"])];
                    frames[DisplayName(labels, legendFormat) + " " + labels.ToJsonString()] = points;
                }
                break;
            case "scalar":
                frames[legendFormat] = [Point(data["result"])];
                break;
        }
        return new Frames(frames);
    }

    /// <summary>
    /// The annotation events Grafana draws (annotations.ts processEvents): per series the times with a value
    /// above 0, joined into one region while consecutive points are at most a step apart.
    /// </summary>
    public static IReadOnlyList<string> AnnotationEvents(Answer answer, string titleFormat, long stepMs)
    {
        var events = new List<string>();
        foreach (var (name, points) in ToFrames(answer, titleFormat).Series)
        {
            long? open = null, last = null;
            foreach (var (ms, v) in points.Where(p => p.Value > 0))
            {
                if (open is not null && last + stepMs >= ms)
                {
                    last = ms;
                    continue;
                }
                if (open is not null)
                {
                    events.Add($"{name} {open}..{last}");
                }
                open = last = ms;
            }
            if (open is not null)
            {
                events.Add($"{name} {open}..{last}");
            }
        }
        return events;
    }

    /// <summary>renderLegendFormat: <c>{{ label }}</c> replaced by the label's value (empty when absent); without a format, the series' labels.</summary>
    public static string DisplayName(JsonObject labels, string legendFormat) =>
        legendFormat.Length > 0
            ? LegendVariable().Replace(legendFormat, m => labels[m.Groups[1].Value]?.GetValue<string>() ?? string.Empty)
            : (labels["__name__"]?.GetValue<string>() ?? string.Empty) + "{" + string.Join(", ", labels.Where(l => l.Key != "__name__").Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";

    private static (long, double) Point(JsonNode? p)
    {
        var seconds = p![0]!.GetValue<double>();
        var text = p[1]!.GetValue<string>();
        var value = text switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            _ => double.Parse(text, CultureInfo.InvariantCulture),
        };
        return ((long)Math.Round(seconds * 1000), value);
    }

    private static List<string> Strings(Answer a) => (a.Body?["data"] as JsonArray ?? []).Select(x => x!.GetValue<string>()).ToList();

    /// <summary>queryResultQuery's texts: <c>name{l="v",…} value timestamp-in-ms</c> per sample, or the scalar's value.</summary>
    private static List<string> QueryResultTexts(Answer a)
    {
        var data = a.Body?["data"];
        return data?["resultType"]?.GetValue<string>() switch
        {
            "scalar" or "string" => [data["result"]![1]!.GetValue<string>()],
            "vector" => data["result"]!.AsArray().Select(s =>
            {
                var labels = s!["metric"]!.AsObject();
                var name = labels["__name__"]?.GetValue<string>() ?? string.Empty;
                var rest = string.Join(",", labels.Where(l => l.Key != "__name__").Select(l => $"{l.Key}=\"{l.Value}\""));
                var ms = s["value"]![0]!.GetValue<double>() * 1000;
                return $"{name}{{{rest}}} {s["value"]![1]!.GetValue<string>()} {ms.ToString(CultureInfo.InvariantCulture)}";
            }).ToList(),
            _ => [],
        };
    }

    private static List<(string, string)> Params(params (string Name, string? Value)[] values) =>
        values.Where(v => v.Value is not null).Select(v => (v.Name, v.Value!)).ToList();

    /// <summary>Go's url.Values.Encode: keys sorted, query-escaped.</summary>
    private static string Encode(IEnumerable<(string Name, string Value)> values) =>
        string.Join("&", values.OrderBy(v => v.Name, StringComparer.Ordinal).Select(v => QueryEscape(v.Name) + "=" + QueryEscape(v.Value)));

    /// <summary>Go's url.QueryEscape: unreserved characters kept, space as '+', the rest percent-encoded.</summary>
    private static string QueryEscape(string s) => Uri.EscapeDataString(s).Replace("%20", "+", StringComparison.Ordinal);

    private async Task<Answer> QueryAsync(string path, List<(string, string)> values)
    {
        using var request = _method == "POST"
            ? new HttpRequestMessage(HttpMethod.Post, path) { Content = FormBody(Encode(values)) }
            : new HttpRequestMessage(HttpMethod.Get, path + "?" + Encode(values));
        return await SendAsync(request);
    }

    /// <summary>Client.QueryResource: GET for the GET-only endpoints or a GET data source; otherwise POST with an empty body, then GET on 405/400.</summary>
    private async Task<Answer> ResourceAsync(string path, List<(string, string)> values)
    {
        var url = path.TrimStart('/') + (values.Count > 0 ? "?" + Encode(values) : string.Empty);
        var get = _method == "GET" || OnlyGet.Any(e => path.StartsWith(e, StringComparison.Ordinal));
        if (!get)
        {
            using var post = new HttpRequestMessage(HttpMethod.Post, url) { Content = FormBody(string.Empty) };
            var answer = await SendAsync(post);
            if (answer.Status is not (405 or 400))
            {
                return answer;
            }
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        return await SendAsync(request);
    }

    private static StringContent FormBody(string body)
    {
        var content = new StringContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");
        return content;
    }

    private async Task<Answer> SendAsync(HttpRequestMessage request)
    {
        request.Headers.AcceptEncoding.ParseAdd("gzip");
        var body = request.Content is null ? string.Empty : " [" + await request.Content.ReadAsStringAsync() + "]";
        Log.Add($"{request.Method} {request.RequestUri}{body}");
        using var response = await _http.SendAsync(request);
        var raw = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        try
        {
            json = raw.Length > 0 ? JsonNode.Parse(raw) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON (e.g. Prometheus' plain-text 405): kept as text.
        }
        return new Answer((int)response.StatusCode, json, raw);
    }

    [GeneratedRegex(@"^label_values\((?:(.+),\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\)\s*$")]
    private static partial Regex LabelValues();

    [GeneratedRegex(@"^metrics\((.+)\)\s*$")]
    private static partial Regex Metrics();

    [GeneratedRegex(@"^query_result\((.+)\)\s*$")]
    private static partial Regex QueryResult();

    [GeneratedRegex(@"\{\{\s*(.+?)\s*\}\}")]
    private static partial Regex LegendVariable();
}
