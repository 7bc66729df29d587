using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Alerting.Core.Model;
using Alerting.Core.Remote.Write;
using Alerting.Integration.Tests.Scrape;
using Alerting.LocalServices;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Remote;

/// <summary>One app (Azurite, local host) shared by the receiver tests; its clock stays at start time, queries name their time.</summary>
public sealed class RemoteWriteHostFixture : IAsyncLifetime
{
    public const string Token = "rw-secret";

    public CollectionHost Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await CollectionHost.StartAsync(
            "global:\n  scrape_interval: 30s\nscrape_configs: []\n",
            new Dictionary<string, string?> { ["Alerting:RemoteWriteToken"] = Token, ["Alerting:QueryToken"] = "q" });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// <c>POST /api/v1/write</c>: Debian's real Prometheus 2.42 remote-writes what it scrapes to us, and our
/// query API then answers with the same series and values as its own; malformed requests are refused
/// with Prometheus' status and a reason, and store nothing.
/// </summary>
public sealed class RemoteWriteReceiverTests(RemoteWriteHostFixture fixture, ITestOutputHelper output) : IClassFixture<RemoteWriteHostFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private CollectionHost App => fixture.Host;

    [Fact]
    public async Task Samples_a_real_prometheus_remote_writes_answer_our_queries_as_they_answer_its_own()
    {
        await using var target = await TinyHttpServer.StartAsync(ctx =>
        {
            ctx.Response.ContentType = "text/plain; version=0.0.4";
            return ctx.Response.WriteAsync("""
                # TYPE rw_temperature gauge
                rw_temperature{room="a"} 30
                rw_temperature{room="b"} -1.5e-3
                # TYPE rw_requests_total counter
                rw_requests_total{code="200",path="/x y"} 1027

                """);
        });
        var config = $$"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: rw
                static_configs: [{targets: ['127.0.0.1:{{target.Port}}'], labels: {env: ünïcode} }]
            remote_write:
              - url: {{App.Host.BaseAddress}}api/prometheus/api/v1/write
                authorization: {credentials: {{RemoteWriteHostFixture.Token}}}
                queue_config: {batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s}
            """;
        await using var prometheus = await RealPrometheus.StartAsync(config);

        // Both answer at one time a few seconds back, once ours has received what theirs scraped by then.
        string theirs = string.Empty, ours = string.Empty;
        await Eventually.UntilAsync("our answer to equal Prometheus' for what it remote-wrote", async () =>
        {
            var at = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 3000) / 1000.0;
            var query = "{job=\"rw\"}";
            theirs = Describe(await QueryAsync(prometheus.Client, $"api/v1/query?query={Uri.EscapeDataString(query)}&time={at.ToString(CultureInfo.InvariantCulture)}"));
            ours = Describe(await QueryAsync(App.Http, $"api/v1/query?query={Uri.EscapeDataString(query)}&time={at.ToString(CultureInfo.InvariantCulture)}&{CollectionHost.Key}"));
            return theirs.Contains("rw_temperature", StringComparison.Ordinal) && theirs == ours;
        }, Deadline, () => $"prometheus:\n{theirs}\nours:\n{ours}\nprometheus log:\n{prometheus.Output}", poll: TimeSpan.FromMilliseconds(500));
        output.WriteLine(theirs);
        Assert.Contains("rw_temperature{env=\"ünïcode\", instance=\"127.0.0.1:", theirs, StringComparison.Ordinal);
        Assert.Contains("rw_requests_total{code=\"200\", env=\"ünïcode\", instance=\"127.0.0.1:", theirs, StringComparison.Ordinal);
        Assert.True(theirs == ours, $"prometheus:\n{theirs}\nours:\n{ours}\nprometheus log:\n{prometheus.Output}");
        Assert.DoesNotContain("non-recoverable error", prometheus.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_route_refuses_missing_or_wrong_credentials()
    {
        var body = RemoteWriteCodec.Encode(Request(Now(), "rw_auth_probe"));
        using var none = await PostAsync("api/prometheus/api/v1/write", body);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        using var wrong = await PostAsync("api/prometheus/api/v1/write", body, bearer: "nope");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using var right = await PostAsync("api/prometheus/api/v1/write", body, bearer: RemoteWriteHostFixture.Token);
        Assert.Equal(HttpStatusCode.NoContent, right.StatusCode);
        using var keyed = await PostAsync($"api/v1/write?{CollectionHost.Key}", RemoteWriteCodec.Encode(Request(Now() + 1, "rw_auth_probe")));
        Assert.Equal(HttpStatusCode.NoContent, keyed.StatusCode);
        Assert.Equal(["1"], await ValuesAsync("rw_auth_probe", Now() + 1));
    }

    /// <summary>
    /// The cases by name only: their samples are stamped when the test runs, not when xUnit discovers it, since a
    /// slow run reaches this class long after discovery and old stamps would be refused as out of bounds instead.
    /// </summary>
    public static TheoryData<string> BadRequests() => new(BadRequest(Now()).Select(c => c.What));

    private static IEnumerable<(string What, string? ContentType, string? Encoding, byte[] Body, int Status, string Reason)> BadRequest(long now)
    {
        var good = RemoteWriteCodec.Encode(Request(now, "rw_bad_probe"));
        yield return ("wrong content type", "application/json", "snappy", good, 415, "expected application/x-protobuf as the first (media) part, got application/json content-type");
        yield return ("remote write 2.0", "application/x-protobuf;proto=io.prometheus.write.v2.Request", "snappy", good, 415, "unknown remote write specification version for given proto type: io.prometheus.write.v2.Request");
        yield return ("gzip", "application/x-protobuf", "gzip", good, 415, "gzip encoding (compression) is not accepted by this server; only snappy is acceptable");
        yield return ("not snappy", "application/x-protobuf", "snappy", "plain text"u8.ToArray(), 400, "snappy: corrupt input");
        yield return ("not protobuf", "application/x-protobuf", "snappy", Snappier.Snappy.CompressToArray("\u000a\u00ff"u8), 400, "proto: cannot parse WriteRequest");
        yield return (
            "unsorted labels in the second series",
            "application/x-protobuf", "snappy",
            RemoteWriteCodec.Encode(new WriteRequest(
                [
                    new WriteSeries([new("__name__", "rw_bad_probe"), new("job", "t")], [new WriteSample(1, now)]),
                    new WriteSeries([new("__name__", "rw_bad_probe"), new("job", "t"), new("a", "b")], [new WriteSample(1, now)]),
                ], [])),
            400, "time series 2: labels are not sorted by name (\"job\" before \"a\")");
        yield return ("no metric name", "application/x-protobuf", "snappy", RemoteWriteCodec.Encode(new WriteRequest([new WriteSeries([new("job", "t")], [new WriteSample(1, now)])], [])), 400, "time series 1 has no __name__ label");
        yield return (
            "out of order",
            "application/x-protobuf", "snappy",
            RemoteWriteCodec.Encode(new WriteRequest([new WriteSeries([new("__name__", "rw_bad_probe")], [new WriteSample(1, now), new WriteSample(2, now - 1)])], [])),
            400, "out of order sample: rw_bad_probe has a sample at");
        yield return ("hours late", "application/x-protobuf", "snappy", RemoteWriteCodec.Encode(Request(now - 3_600_000, "rw_bad_probe")), 400, "out of bounds: sample of rw_bad_probe{job=\"t\"} at");
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_malformed_request_is_refused_with_a_reason_and_stores_nothing(string what)
    {
        var (_, contentType, encoding, body, status, reason) = BadRequest(Now()).Single(c => c.What == what);
        using var response = await PostAsync($"api/v1/write?{CollectionHost.Key}", body, contentType: contentType, encoding: encoding);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"{what}: {(int)response.StatusCode} {text}");
        Assert.StartsWith(reason, text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        Assert.Empty(await ValuesAsync("rw_bad_probe", Now()));
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 * 1000;

    private static WriteRequest Request(long at, string name) =>
        new([new WriteSeries([new("__name__", name), new("job", "t")], [new WriteSample(1, at)])], []);

    private async Task<HttpResponseMessage> PostAsync(string path, byte[] body, string? bearer = null, string? contentType = "application/x-protobuf", string? encoding = "snappy")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        if (encoding is not null)
        {
            request.Content.Headers.ContentEncoding.Add(encoding);
        }
        request.Headers.Add(RemoteWriteHeaders.VersionHeader, RemoteWriteHeaders.Version);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return await App.Http.SendAsync(request);
    }

    private async Task<string[]> ValuesAsync(string metric, long atMs)
    {
        var result = await QueryAsync(App.Http, $"api/v1/query?query={metric}&time={(atMs / 1000.0).ToString(CultureInfo.InvariantCulture)}&{CollectionHost.Key}");
        return [.. result.EnumerateArray().Select(r => r.GetProperty("value")[1].GetString()!)];
    }

    private static async Task<JsonElement> QueryAsync(HttpClient client, string path)
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync(path));
        return doc.RootElement.GetProperty("data").GetProperty("result").Clone();
    }

    /// <summary>A vector as sorted lines <c>labels value</c> (the sample's time left out: it is the query's).</summary>
    private static string Describe(JsonElement vector) =>
        string.Join('\n', vector.EnumerateArray()
            .Select(r => $"{Labels.From(r.GetProperty("metric").EnumerateObject().Select(p => new Label(p.Name, p.Value.GetString()!)))} {r.GetProperty("value")[1].GetString()}")
            .Order(StringComparer.Ordinal));
}
