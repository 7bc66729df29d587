using System.Text.Json.Nodes;
using Alerting.Integration.Tests.Scrape;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Alerting.Integration.Tests.Tsdb;

/// <summary>
/// Scrape → store → rule → alert with native histograms: the function app scrapes a target serving the
/// protobuf exposition (a native histogram and a classic histogram of the same observations), stores the
/// ticks on Azurite, and a latency alert over each fires at the same evaluation with the same value.
/// </summary>
public sealed class NativeHistogramRuleTests : IAsyncLifetime
{
    private const string Rules = """
        groups:
          - name: latency
            interval: 30s
            rules:
              - alert: NativeP90High
                expr: histogram_quantile(0.9, rate(lat_seconds[2m])) > 0.8
              - alert: ClassicP90High
                expr: histogram_quantile(0.9, sum by (le, job, instance) (rate(lat_classic_seconds_bucket[2m]))) > 0.8
        """;

    private const string ProtobufType = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

    private LocalServer _target = null!;
    private CollectionHost _host = null!;
    private int _step;

    public async Task InitializeAsync()
    {
        _target = await LocalServer.StartAsync(app => app.MapGet("/metrics", (HttpContext ctx) =>
        {
            ctx.Response.ContentType = ProtobufType;
            return ctx.Response.Body.WriteAsync(Body(_step)).AsTask();
        }));
        _host = await CollectionHost.StartAsync($"""
            global:
              scrape_interval: 30s
            scrape_configs:
              - job_name: api
                scrape_native_histograms: true
                static_configs:
                  - targets: ['{_target.Address}']
            """, rulesYaml: Rules);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _target.DisposeAsync();
    }

    [Fact]
    public async Task A_latency_alert_on_a_scraped_native_histogram_fires_with_the_classic_alert_at_the_same_time_and_value()
    {
        var firstFiring = new Dictionary<string, (string ActiveAt, double Value)>();
        for (_step = 0; _step < 6; _step++)
        {
            await _host.ScrapeAndEvaluateAsync();
            foreach (var alert in await AlertsAsync())
            {
                var name = alert!["labels"]!["alertname"]!.GetValue<string>();
                if (alert["state"]!.GetValue<string>() == "firing" && !firstFiring.ContainsKey(name))
                {
                    firstFiring[name] = (alert["activeAt"]!.GetValue<string>(), double.Parse(alert["value"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            _host.Time.Advance(TimeSpan.FromSeconds(30));
        }

        Assert.True(firstFiring.ContainsKey("NativeP90High"), "the native-histogram alert never fired");
        Assert.True(firstFiring.ContainsKey("ClassicP90High"), "the classic-histogram alert never fired");
        Assert.Equal(firstFiring["ClassicP90High"].ActiveAt, firstFiring["NativeP90High"].ActiveAt);
        // Exponential interpolation inside a native bucket lands on the bound up to float rounding.
        Assert.Equal(firstFiring["ClassicP90High"].Value, firstFiring["NativeP90High"].Value, 12);
        Assert.Equal(1.0, firstFiring["NativeP90High"].Value, 12);

        // The query API reads the same stored samples: the scraped series is a histogram, not a float.
        var query = JsonNode.Parse(await _host.Http.GetStringAsync($"/api/v1/query?query=lat_seconds&{CollectionHost.Key}"))!;
        var sample = Assert.Single(query["data"]!["result"]!.AsArray());
        Assert.NotNull(sample!["histogram"]);
        Assert.Null(sample["value"]);
    }

    private async Task<JsonArray> AlertsAsync() =>
        (JsonNode.Parse(await _host.Http.GetStringAsync($"/api/v1/alerts?{CollectionHost.Key}"))!["data"]!["alerts"]!).AsArray();

    /// <summary>
    /// At step k, 10k observations: 9k in (0.5, 1] and k in (1, 2]. As a schema-0 native histogram (bucket i
    /// covers (2^(i-1), 2^i]) and as classic buckets on the same bounds, so the 90th percentile is exactly 1
    /// either way. Delimited MetricFamily messages written field by field from metrics.proto.
    /// </summary>
    private static byte[] Body(int k)
    {
        static byte[] Msg(Action<CodedOutputStream> write)
        {
            using var ms = new MemoryStream();
            var o = new CodedOutputStream(ms);
            write(o);
            o.Flush();
            return ms.ToArray();
        }

        static void Field(CodedOutputStream o, int number, byte[] bytes)
        {
            o.WriteTag(number, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(bytes));
        }

        static byte[] Family(string name, byte[] histogram) => Msg(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteString(name);
            o.WriteTag(3, WireFormat.WireType.Varint);
            o.WriteEnum(4); // HISTOGRAM
            Field(o, 4, Msg(m => Field(m, 7, histogram)));
        });

        ulong count = 10UL * (ulong)k;
        var sum = (9 * k * 0.75) + (k * 1.5);
        var native = Msg(h =>
        {
            h.WriteTag(1, WireFormat.WireType.Varint);
            h.WriteUInt64(count);
            h.WriteTag(2, WireFormat.WireType.Fixed64);
            h.WriteDouble(sum);
            h.WriteTag(5, WireFormat.WireType.Varint);
            h.WriteSInt32(0); // schema
            h.WriteTag(6, WireFormat.WireType.Fixed64);
            h.WriteDouble(Math.Pow(2, -128)); // zero threshold
            h.WriteTag(7, WireFormat.WireType.Varint);
            h.WriteUInt64(0); // zero count
            Field(h, 12, Msg(s =>
            {
                s.WriteTag(1, WireFormat.WireType.Varint);
                s.WriteSInt32(0);
                s.WriteTag(2, WireFormat.WireType.Varint);
                s.WriteUInt32(2);
            }));
            h.WriteTag(13, WireFormat.WireType.Varint);
            h.WriteSInt64(9L * k);
            h.WriteTag(13, WireFormat.WireType.Varint);
            h.WriteSInt64(k - (9L * k));
        });
        var classic = Msg(h =>
        {
            h.WriteTag(1, WireFormat.WireType.Varint);
            h.WriteUInt64(count);
            h.WriteTag(2, WireFormat.WireType.Fixed64);
            h.WriteDouble(sum);
            foreach (var (bound, cumulative) in new[] { (0.5, 0UL), (1.0, 9UL * (ulong)k), (2.0, count) })
            {
                Field(h, 3, Msg(b =>
                {
                    b.WriteTag(1, WireFormat.WireType.Varint);
                    b.WriteUInt64(cumulative);
                    b.WriteTag(2, WireFormat.WireType.Fixed64);
                    b.WriteDouble(bound);
                }));
            }
        });
        using var body = new MemoryStream();
        foreach (var family in new[] { Family("lat_seconds", native), Family("lat_classic_seconds", classic) })
        {
            var o = new CodedOutputStream(body, leaveOpen: true);
            o.WriteLength(family.Length);
            o.Flush();
            body.Write(family);
        }
        return body.ToArray();
    }
}
