using Alerting.Core.Exposition;
using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;
using Alerting.Core.PromQL;
using Alerting.Core.Push;
using Google.Protobuf;

namespace Alerting.Core.Tests.Scrape;

/// <summary>
/// Bodies built field by field from Prometheus' metrics.proto (io.prometheus.client), checked against the
/// expectations of Prometheus' own protobuf parser tests and against classic histograms of the same observations.
/// </summary>
public sealed class ProtobufExpositionTests
{
    private const string ContentType = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

    [Fact]
    public void Reads_the_native_histogram_of_prometheus_parser_tests()
    {
        // model/textparse/protobufparse_test.go, "test_histogram": integer counts, delta-encoded, two spans a side.
        var body = Delimited(Family("test_histogram", "Test histogram with many buckets removed to keep it manageable in size.", 4,
            Metric([], histogram: Histogram(sampleCount: 175, sampleSum: 0.0008280461746287094, schema: 3, zeroThreshold: 2.938735877055719e-39, zeroCount: 2,
                negativeSpans: [(-162, 1), (23, 4)], negativeDeltas: [1, 3, -2, -1, 1],
                positiveSpans: [(-161, 1), (8, 3)], positiveDeltas: [1, 2, -1, -1],
                buckets: [(2, -0.0004899999999999998), (4, -0.0003899999999999998), (16, -0.0002899999999999998)]))));

        var result = ScrapeProtocols.Parse(body, ContentType);

        var sample = Assert.Single(result.Samples);
        Assert.Equal("test_histogram", sample.Labels.Name);
        var h = Assert.IsType<FloatHistogram>(sample.Histogram);
        Assert.Equal(3, h.Schema);
        Assert.Equal(175, h.Count);
        Assert.Equal(2, h.ZeroCount);
        Assert.Equal(2.938735877055719e-39, h.ZeroThreshold);
        Assert.Equal([new(-161, 1), new(-152, 3), new(-151, 2), new(-150, 1)], h.Positive);
        Assert.Equal([new(-162, 1), new(-138, 4), new(-137, 2), new(-136, 1), new(-135, 2)], h.Negative);
        Assert.Equal(MetricType.Histogram, result.Metadata["test_histogram"].Type);
    }

    [Fact]
    public void Classic_only_histograms_summaries_and_counters_become_series_as_in_prometheus()
    {
        var body = Delimited(
            Family("rpc_total", null, 0, Metric([("code", "200")], counterValue: 42)),
            Family("rpc_seconds", null, 2, Metric([], summary: Summary(10, 2.5, [(0.5, 0.2), (0.99, 0.9)]))),
            Family("req_seconds", null, 4, Metric([], histogram: Histogram(sampleCount: 3, sampleSum: 1.5, buckets: [(1, 0.1), (3, 1)]))));

        var result = ScrapeProtocols.Parse(body, ContentType);

        var byText = result.Samples.ToDictionary(s => s.Labels.ToString(), s => s.Value);
        Assert.Equal(42, byText["rpc_total{code=\"200\"}"]);
        Assert.Equal(10, byText["rpc_seconds_count"]);
        Assert.Equal(0.9, byText["rpc_seconds{quantile=\"0.99\"}"]);
        Assert.Equal(1, byText["req_seconds_bucket{le=\"0.1\"}"]);
        Assert.Equal(3, byText["req_seconds_bucket{le=\"+Inf\"}"]);
        Assert.Equal(1.5, byText["req_seconds_sum"]);
        Assert.All(result.Samples, s => Assert.Null(s.Histogram));
    }

    [Fact]
    public void A_truncated_body_is_a_parse_error_not_a_crash()
    {
        var body = Delimited(Family("x", null, 1, Metric([], gaugeValue: 1)));
        var ex = Assert.Throws<ExpositionParseException>(() => ScrapeProtocols.Parse(body.AsSpan(0, body.Length - 3), ContentType));
        Assert.Contains("protobuf", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Spans_that_promise_more_buckets_than_sent_are_rejected()
    {
        var body = Delimited(Family("h", null, 4, Metric([], histogram: Histogram(sampleCount: 1, schema: 0, positiveSpans: [(0, 3)], positiveDeltas: [1]))));
        var ex = Assert.Throws<ExpositionParseException>(() => ScrapeProtocols.Parse(body, ContentType));
        Assert.Contains("spans", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The same observations as a native histogram (schema 3, buckets 2^(1/8) wide) and as classic buckets on the
    /// same boundaries give the same histogram_quantile of the rate, within one bucket's width.
    /// </summary>
    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.99)]
    public void Native_and_classic_histograms_of_the_same_observations_agree_on_quantiles(double q)
    {
        var random = new Random(7);
        var observations = new List<double>();
        var store = new MemorySeriesStore();
        for (var scrape = 0; scrape < 2; scrape++)
        {
            for (var i = 0; i < 5000; i++)
            {
                // Log-normal latencies around 50 ms.
                var u1 = 1.0 - random.NextDouble();
                var u2 = random.NextDouble();
                var z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                observations.Add(Math.Exp(Math.Log(0.05) + (0.6 * z)));
            }
            var body = Delimited(
                Family("lat_native_seconds", null, 4, Metric([], histogram: NativeOf(observations))),
                Family("lat_classic_seconds", null, 4, Metric([], histogram: ClassicOf(observations))));
            var parsed = ScrapeProtocols.Parse(body, ContentType, new ProtobufOptions(NativeHistograms: true));
            foreach (var s in parsed.Samples)
            {
                var t = scrape * 60_000L;
                if (s.Histogram is { } h)
                {
                    store.Append(s.Labels, new HistogramSample(t, h));
                }
                else
                {
                    store.Append(s.Labels, new Sample(t, s.Value));
                }
            }
        }
        var engine = new PromQlEngine();
        double Query(string expr) => ((VectorValue)engine.Instant(PromQlParser.Parse(expr), store, 60_000)).Samples.Single().Value;

        var native = Query($"histogram_quantile({q}, rate(lat_native_seconds[2m]))");
        var classic = Query($"histogram_quantile({q}, rate(lat_classic_seconds_bucket[2m]))");
        var secondHalf = observations.Skip(5000).Order().ToArray();
        var truth = secondHalf[(int)(q * (secondHalf.Length - 1))];

        var bucketRatio = Math.Pow(2, 1.0 / 8);
        Assert.InRange(native / classic, 1 / bucketRatio, bucketRatio);
        Assert.InRange(native / truth, 1 / bucketRatio, bucketRatio);
        Assert.InRange(classic / truth, 1 / bucketRatio, bucketRatio);
    }

    [Fact]
    public void The_pushgateway_api_accepts_protobuf_and_keeps_native_histograms()
    {
        var body = Delimited(
            Family("job_seconds", "Job time.", 4, Metric([("step", "load")], histogram: Histogram(sampleCount: 2, sampleSum: 3, schema: 0, positiveSpans: [(1, 2)], positiveDeltas: [1, 0]))),
            Family("job_last_success", null, 1, Metric([], gaugeValue: 1700000000)));
        var store = new PushStore(TimeProvider.System);
        var key = PushGroupingKey.Parse("/metrics/job/batch");

        store.Put(key, PushStore.ParseBody(body, ContentType));

        var gathered = store.Gather();
        var histogram = Assert.Single(gathered, s => s.Labels.Name == "job_seconds");
        Assert.Equal("batch", histogram.Labels.Get("job"));
        Assert.Equal(2, histogram.Histogram!.Count);
        Assert.Equal(1700000000, Assert.Single(gathered, s => s.Labels.Name == "job_last_success").Value);
    }

    [Fact]
    public void A_malformed_protobuf_push_is_a_400()
    {
        var ex = Assert.Throws<PushException>(() => PushStore.ParseBody(new byte[] { 0x0a, 0xff }, ContentType));
        Assert.Equal(400, ex.StatusCode);
    }

    [Fact]
    public void The_accept_header_lists_protobuf_first_when_native_histograms_are_scraped() =>
        Assert.Equal(
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=underscores;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1",
            ScrapeProtocols.AcceptHeader(ScrapeProtocols.ProtoFirst));

    private static byte[] NativeOf(List<double> observations)
    {
        const int schema = 3;
        var counts = new SortedDictionary<int, long>();
        foreach (var v in observations)
        {
            // Bucket i holds (2^((i-1)/8), 2^(i/8)].
            var idx = (int)Math.Ceiling(Math.Log2(v) * (1 << schema));
            counts[idx] = counts.GetValueOrDefault(idx) + 1;
        }
        var spans = new List<(int, uint)>();
        var deltas = new List<long>();
        int? prevIdx = null;
        long prevCount = 0;
        foreach (var (idx, count) in counts)
        {
            if (prevIdx is { } p && idx == p + 1)
            {
                spans[^1] = (spans[^1].Item1, spans[^1].Item2 + 1);
            }
            else
            {
                spans.Add((prevIdx is { } q ? idx - q - 1 : idx, 1));
            }
            deltas.Add(count - prevCount);
            prevCount = count;
            prevIdx = idx;
        }
        return Histogram(sampleCount: (ulong)observations.Count, sampleSum: observations.Sum(), schema: schema, zeroThreshold: 1e-128,
            positiveSpans: spans, positiveDeltas: deltas);
    }

    private static byte[] ClassicOf(List<double> observations)
    {
        var bounds = Enumerable.Range(-80, 64).Select(i => Math.Pow(2, i / 8.0)).ToArray();
        var buckets = bounds.Select(b => ((ulong)observations.Count(v => v <= b), b)).ToList();
        return Histogram(sampleCount: (ulong)observations.Count, sampleSum: observations.Sum(), buckets: buckets);
    }

    private static byte[] Delimited(params byte[][] families)
    {
        using var ms = new MemoryStream();
        var output = new CodedOutputStream(ms, leaveOpen: true);
        foreach (var f in families)
        {
            // A delimited message is its varint length and bytes: exactly a bytes field's payload.
            output.WriteBytes(ByteString.CopyFrom(f));
        }
        output.Flush();
        return ms.ToArray();
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var ms = new MemoryStream();
        var output = new CodedOutputStream(ms);
        write(output);
        output.Flush();
        return ms.ToArray();
    }

    private static void Bytes(CodedOutputStream o, int field, byte[] value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(value));
    }

    private static byte[] Family(string name, string? help, int type, params byte[][] metrics) => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.LengthDelimited);
        o.WriteString(name);
        if (help is not null)
        {
            o.WriteTag(2, WireFormat.WireType.LengthDelimited);
            o.WriteString(help);
        }
        o.WriteTag(3, WireFormat.WireType.Varint);
        o.WriteEnum(type);
        foreach (var m in metrics)
        {
            Bytes(o, 4, m);
        }
    });

    private static byte[] Metric((string Name, string Value)[] labels, double? counterValue = null, double? gaugeValue = null, byte[]? summary = null, byte[]? histogram = null) => Message(o =>
    {
        foreach (var (n, v) in labels)
        {
            Bytes(o, 1, Message(l =>
            {
                l.WriteTag(1, WireFormat.WireType.LengthDelimited);
                l.WriteString(n);
                l.WriteTag(2, WireFormat.WireType.LengthDelimited);
                l.WriteString(v);
            }));
        }
        if (gaugeValue is { } g)
        {
            Bytes(o, 2, Message(x => { x.WriteTag(1, WireFormat.WireType.Fixed64); x.WriteDouble(g); }));
        }
        if (counterValue is { } c)
        {
            Bytes(o, 3, Message(x => { x.WriteTag(1, WireFormat.WireType.Fixed64); x.WriteDouble(c); }));
        }
        if (summary is not null)
        {
            Bytes(o, 4, summary);
        }
        if (histogram is not null)
        {
            Bytes(o, 7, histogram);
        }
    });

    private static byte[] Summary(ulong count, double sum, (double Q, double V)[] quantiles) => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.Varint);
        o.WriteUInt64(count);
        o.WriteTag(2, WireFormat.WireType.Fixed64);
        o.WriteDouble(sum);
        foreach (var (q, v) in quantiles)
        {
            Bytes(o, 3, Message(x =>
            {
                x.WriteTag(1, WireFormat.WireType.Fixed64);
                x.WriteDouble(q);
                x.WriteTag(2, WireFormat.WireType.Fixed64);
                x.WriteDouble(v);
            }));
        }
    });

    private static byte[] Histogram(
        ulong sampleCount = 0, double sampleSum = 0, int? schema = null, double zeroThreshold = 0, ulong zeroCount = 0,
        IReadOnlyList<(int Offset, uint Length)>? negativeSpans = null, IReadOnlyList<long>? negativeDeltas = null,
        IReadOnlyList<(int Offset, uint Length)>? positiveSpans = null, IReadOnlyList<long>? positiveDeltas = null,
        IReadOnlyList<(ulong Count, double Upper)>? buckets = null) => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.Varint);
        o.WriteUInt64(sampleCount);
        o.WriteTag(2, WireFormat.WireType.Fixed64);
        o.WriteDouble(sampleSum);
        foreach (var (count, upper) in buckets ?? [])
        {
            Bytes(o, 3, Message(x =>
            {
                x.WriteTag(1, WireFormat.WireType.Varint);
                x.WriteUInt64(count);
                x.WriteTag(2, WireFormat.WireType.Fixed64);
                x.WriteDouble(upper);
            }));
        }
        if (schema is { } s)
        {
            o.WriteTag(5, WireFormat.WireType.Varint);
            o.WriteSInt32(s);
        }
        if (zeroThreshold != 0)
        {
            o.WriteTag(6, WireFormat.WireType.Fixed64);
            o.WriteDouble(zeroThreshold);
        }
        if (zeroCount != 0)
        {
            o.WriteTag(7, WireFormat.WireType.Varint);
            o.WriteUInt64(zeroCount);
        }
        Spans(9, negativeSpans);
        Deltas(10, negativeDeltas);
        Spans(12, positiveSpans);
        Deltas(13, positiveDeltas);

        void Spans(int field, IReadOnlyList<(int Offset, uint Length)>? spans)
        {
            foreach (var (offset, length) in spans ?? [])
            {
                Bytes(o, field, Message(x =>
                {
                    x.WriteTag(1, WireFormat.WireType.Varint);
                    x.WriteSInt32(offset);
                    x.WriteTag(2, WireFormat.WireType.Varint);
                    x.WriteUInt32(length);
                }));
            }
        }

        void Deltas(int field, IReadOnlyList<long>? deltas)
        {
            if (deltas is null || deltas.Count == 0)
            {
                return;
            }
            // Packed, as protoc-generated encoders (client_golang, client_java) write repeated sint64.
            Bytes(o, field, Message(x =>
            {
                foreach (var d in deltas)
                {
                    x.WriteSInt64(d);
                }
            }));
        }
    });
}
