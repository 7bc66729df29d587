using System.Text;
using System.Text.Json;
using Alerting.Core.Exposition;
using Alerting.Core.Model;
using Alerting.Core.PromQL;
using Alerting.Core.Query;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Wal;
using static Alerting.Core.Tests.Tsdb.TsdbTestData;

namespace Alerting.Core.Tests.Query;

public sealed class QueryApiTests
{
    private static ApiForm Form(params (string Name, string Value)[] values) =>
        new(values.Select(v => new KeyValuePair<string, string>(v.Name, v.Value)));

    private static JsonElement Json(ApiResponse r) => JsonDocument.Parse(r.Body).RootElement;

    private static QueryApiException Refused(Action act) => Assert.Throws<QueryApiException>(act);

    /// <summary>Two instances of one job scraped every 15 s for 10 minutes, with metadata.</summary>
    private static ITsdbQuerier Store()
    {
        var head = new Head(SeriesSelection.All, 7_200_000);
        var a = L("http_requests_total", ("instance", "a"), ("job", "web"));
        var b = L("http_requests_total", ("instance", "b"), ("job", "web"));
        var meta = new[] { new MetricMetadata("http_requests_total", MetricType.Counter, "Requests served.", null) };
        for (var t = 0L; t <= 600_000; t += 15_000)
        {
            head.Append(new ScrapeTick("web", t,
            [
                new TargetSamples("a", [new CollectedSample(a, t / 1000.0, t)], meta),
                new TargetSamples("b", [new CollectedSample(b, 2 * t / 1000.0, t)], meta),
            ]));
        }
        return new TsdbQuerier([], head, long.MinValue);
    }

    [Theory]
    [InlineData("1435781451.781", 1435781451781)]
    [InlineData("1435781451", 1435781451000)]
    [InlineData("0.123", 123)]
    [InlineData("-1.5", -1500)]
    [InlineData("1e3", 1_000_000)]
    [InlineData("2015-07-01T20:10:51.781Z", 1435781451781)]
    [InlineData("2015-07-01T22:10:51+02:00", 1435781451000)]
    public void Times_parse_as_Prometheus_reads_them(string text, long ms) => Assert.Equal(ms, ApiParams.ParseTime(text));

    [Theory]
    [InlineData("abc")]
    [InlineData("2015-07-01")]
    [InlineData("2015-13-01T00:00:00Z")]
    [InlineData(" 1")]
    public void A_bad_time_names_the_text(string text) =>
        Assert.Equal($"cannot parse \"{text}\" to a valid timestamp", Assert.Throws<FormatException>(() => ApiParams.ParseTime(text)).Message);

    [Theory]
    [InlineData("15", 15_000_000_000)]
    [InlineData("0.5", 500_000_000)]
    [InlineData("1m30s", 90_000_000_000)]
    [InlineData("5m", 300_000_000_000)]
    public void Durations_are_seconds_or_prometheus_durations(string text, long ns) => Assert.Equal(ns, ApiParams.ParseDurationNs(text));

    [Fact]
    public void Range_query_parameters_are_checked_in_Prometheus_order_with_its_messages()
    {
        var e = Refused(() => QueryRequests.Range(Form(("query", "up"), ("start", "x"), ("end", "10"), ("step", "1"))));
        Assert.Equal("invalid parameter \"start\": cannot parse \"x\" to a valid timestamp", e.Message);
        e = Refused(() => QueryRequests.Range(Form(("query", "up"), ("start", "10"), ("end", "5"), ("step", "1"))));
        Assert.Equal("invalid parameter \"end\": end timestamp must not be before start time", e.Message);
        e = Refused(() => QueryRequests.Range(Form(("query", "up"), ("start", "0"), ("end", "5"))));
        Assert.Equal("invalid parameter \"step\": cannot parse \"\" to a valid duration", e.Message);
        e = Refused(() => QueryRequests.Range(Form(("query", "up"), ("start", "0"), ("end", "5"), ("step", "0"))));
        Assert.Equal("invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer", e.Message);
        e = Refused(() => QueryRequests.Range(Form(("query", "up"), ("start", "0"), ("end", "5"), ("step", "-1"))));
        Assert.Contains("zero or negative", e.Message, StringComparison.Ordinal);
        e = Refused(() => QueryRequests.Range(Form(("query", "up"), ("start", "0"), ("end", "11001"), ("step", "1"))));
        Assert.Equal("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)", e.Message);
        Assert.Equal(ApiErrorType.BadData, e.Type);
        QueryRequests.Range(Form(("query", "up"), ("start", "0"), ("end", "11000"), ("step", "1")));
        e = Refused(() => QueryRequests.Range(Form(("query", "sum(up"), ("start", "0"), ("end", "5"), ("step", "1"))));
        Assert.StartsWith("1:7: parse error:", e.Message, StringComparison.Ordinal);
        e = Refused(() => QueryRequests.Range(Form(("query", "up[5m]"), ("start", "0"), ("end", "5"), ("step", "1"))));
        Assert.Equal("invalid expression type \"range vector\" for range query, must be Scalar or instant Vector", e.Message);
    }

    [Fact]
    public void An_instant_query_parse_error_names_the_parameter_and_position()
    {
        var e = Refused(() => QueryRequests.Instant(Form(("query", "sum(up")), 0));
        Assert.StartsWith("invalid parameter \"query\": 1:7: parse error:", e.Message, StringComparison.Ordinal);
        e = Refused(() => QueryRequests.Instant(Form(("query", "up"), ("time", "yesterday")), 0));
        Assert.Equal("invalid parameter \"time\": Invalid time value for 'time': cannot parse \"yesterday\" to a valid timestamp", e.Message);
        Assert.Equal(400, QueryApiException.StatusCode(e.Type));
    }

    [Fact]
    public void An_instant_vector_answers_in_Prometheus_json()
    {
        var api = new QueryApi(new PromQlEngine(), QueryLimits.Default);
        var r = api.Instant(QueryRequests.Instant(Form(("query", "sum by (job) (http_requests_total)"), ("time", "300")), 0), Store(), default);
        Assert.Equal(200, r.StatusCode);
        Assert.Equal("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"web"},"value":[300,"900"]}]}}""", Encoding.UTF8.GetString(r.Body));
    }

    [Fact]
    public void A_range_query_answers_a_matrix_at_each_step()
    {
        var api = new QueryApi(new PromQlEngine(), QueryLimits.Default);
        var r = api.Range(QueryRequests.Range(Form(("query", "http_requests_total{instance=\"b\"}"), ("start", "60"), ("end", "90.5"), ("step", "15"))), Store(), default);
        var result = Json(r).GetProperty("data");
        Assert.Equal("matrix", result.GetProperty("resultType").GetString());
        var values = result.GetProperty("result")[0].GetProperty("values");
        Assert.Equal("[[60,\"120\"],[75,\"150\"],[90,\"180\"]]", values.GetRawText());
    }

    [Fact]
    public void Scalars_and_strings_answer_a_point()
    {
        var api = new QueryApi(new PromQlEngine(), QueryLimits.Default);
        Assert.Equal("""{"status":"success","data":{"resultType":"scalar","result":[1.5,"1000000"]}}""",
            Encoding.UTF8.GetString(api.Instant(QueryRequests.Instant(Form(("query", "1e6"), ("time", "1.5")), 0), Store(), default).Body));
        Assert.Equal("""{"status":"success","data":{"resultType":"string","result":[2,"hi"]}}""",
            Encoding.UTF8.GetString(api.Instant(QueryRequests.Instant(Form(("query", "\"hi\""), ("time", "2")), 0), Store(), default).Body));
    }

    [Theory]
    [InlineData(1e6, "1000000")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e-7, "1e-07")]
    [InlineData(1e21, "1e+21")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(-2.5, "-2.5")]
    public void Values_are_formatted_as_Prometheus_marshals_them(double v, string text) => Assert.Equal(text, ApiJson.FormatValue(v));

    [Theory]
    [InlineData(1435781451781, "1435781451.781")]
    [InlineData(1000, "1")]
    [InlineData(1050, "1.05")]
    [InlineData(-1500, "-1.5")]
    public void Timestamps_are_seconds_with_millisecond_decimals(long ms, string text) => Assert.Equal(text, ApiJson.FormatTimestamp(ms));

    [Fact]
    public void Many_to_many_matching_is_an_execution_error_422()
    {
        var api = new QueryApi(new PromQlEngine(), QueryLimits.Default);
        var r = api.Instant(QueryRequests.Instant(Form(("query", "http_requests_total + on(job) http_requests_total"), ("time", "300")), 0), Store(), default);
        Assert.Equal(422, r.StatusCode);
        Assert.Equal("execution", Json(r).GetProperty("errorType").GetString());
        Assert.Contains("many-to-many", Json(r).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_query_loading_more_samples_than_the_limit_is_refused()
    {
        var api = new QueryApi(new PromQlEngine(), new QueryLimits(TimeSpan.FromMinutes(1), 10));
        var r = api.Instant(QueryRequests.Instant(Form(("query", "rate(http_requests_total[5m])"), ("time", "300")), 0), Store(), default);
        Assert.Equal(422, r.StatusCode);
        Assert.Equal(QueryApi.TooManySamples, Json(r).GetProperty("error").GetString());
    }

    [Fact]
    public void A_query_past_its_timeout_answers_503_timeout()
    {
        var api = new QueryApi(new PromQlEngine(), QueryLimits.Default);
        var r = api.Range(QueryRequests.Range(Form(("query", "http_requests_total"), ("start", "0"), ("end", "600"), ("step", "1"), ("timeout", "0.000000001"))), Store(), default);
        Assert.Equal(503, r.StatusCode);
        Assert.Equal("timeout", Json(r).GetProperty("errorType").GetString());
    }

    [Fact]
    public void Series_labels_and_values_list_what_the_store_holds()
    {
        var store = Store();
        var series = Json(QueryApi.Series(QueryRequests.Series(Form(("match[]", "http_requests_total"), ("match[]", "{instance=\"a\"}"))), store));
        Assert.Equal("""[{"__name__":"http_requests_total","instance":"a","job":"web"},{"__name__":"http_requests_total","instance":"b","job":"web"}]""", series.GetProperty("data").GetRawText());
        Assert.Equal("""["__name__","instance","job"]""", Json(QueryApi.LabelNames(QueryRequests.Labels(Form()), store)).GetProperty("data").GetRawText());
        Assert.Equal("""["a","b"]""", Json(QueryApi.LabelValues("instance", QueryRequests.Labels(Form(("match[]", "http_requests_total"))), store)).GetProperty("data").GetRawText());
        Assert.Equal("""[]""", Json(QueryApi.LabelValues("instance", QueryRequests.Labels(Form(("match[]", "nothing_here"))), store)).GetProperty("data").GetRawText());
    }

    [Fact]
    public void Series_needs_a_selector_that_is_not_empty()
    {
        Assert.Equal("no match[] parameter provided", Refused(() => QueryRequests.Series(Form())).Message);
        Assert.Contains("non-empty matcher", Refused(() => QueryRequests.Series(Form(("match[]", "{job=~\".*\"}")))).Message, StringComparison.Ordinal);
        Assert.StartsWith("invalid parameter \"match[]\": 1:", Refused(() => QueryRequests.Series(Form(("match[]", "up{")))).Message, StringComparison.Ordinal);
        Assert.Equal("invalid label name: \"bad-name\"", Refused(() => QueryRequests.CheckLabelName("bad-name")).Message);
    }

    [Fact]
    public void Metadata_comes_from_the_scraped_help_and_type()
    {
        var r = Json(QueryApi.Metadata(Store().Metadata(), -1, string.Empty));
        Assert.Equal("""{"http_requests_total":[{"type":"counter","help":"Requests served.","unit":""}]}""", r.GetProperty("data").GetRawText());
        Assert.Equal("{}", Json(QueryApi.Metadata(Store().Metadata(), -1, "other")).GetProperty("data").GetRawText());
        Assert.Equal("limit must be a number", Refused(() => QueryRequests.MetadataLimit(Form(("limit", "ten")))).Message);
    }

    [Fact]
    public void Format_query_and_exemplars_answer_as_Prometheus()
    {
        Assert.Equal("sum by (job) (rate(x[5m]))", Json(QueryApi.FormatQuery(Form(("query", "sum(rate(x[5m])) by (job)")))).GetProperty("data").GetString());
        Assert.StartsWith("invalid parameter \"query\": 1:", Refused(() => QueryApi.FormatQuery(Form(("query", "sum(")))).Message, StringComparison.Ordinal);
        Assert.Equal("[]", Json(QueryApi.Exemplars(Form(("query", "rate(x[5m])")))).GetProperty("data").GetRawText());
        Assert.Equal(204, QueryApi.Exemplars(Form(("query", "1 + 1"))).StatusCode);
        Assert.Equal("end timestamp must not be before start timestamp", Refused(() => QueryApi.Exemplars(Form(("query", "x"), ("start", "10"), ("end", "5")))).Message);
    }

    [Fact]
    public void Errors_answer_Prometheus_envelope_and_status()
    {
        var r = ApiJson.Error(QueryApiException.InvalidParam("step", "x"));
        Assert.Equal(400, r.StatusCode);
        Assert.Equal("""{"status":"error","errorType":"bad_data","error":"invalid parameter \"step\": x"}""", Encoding.UTF8.GetString(r.Body));
    }
}
