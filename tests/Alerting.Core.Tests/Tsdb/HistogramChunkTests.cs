using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Chunks;
using Alerting.Core.Tsdb.Wal;
using static Alerting.Core.Tests.Tsdb.TsdbTestData;

namespace Alerting.Core.Tests.Tsdb;

/// <summary>Native histogram samples through the store: tick log, head chunks (Prometheus' encodings 2 and 3), blocks and the querier.</summary>
public sealed class HistogramChunkTests
{
    private const long Range = 7_200_000;

    /// <summary>An exponential histogram with buckets given as (index, count) pairs.</summary>
    internal static FloatHistogram H(double count, double sum, (int Index, double Count)[] positive, (int Index, double Count)[]? negative = null, int schema = 1, double zeroCount = 0, double zeroThreshold = 0.001, CounterResetHint hint = CounterResetHint.Unknown) => new()
    {
        Schema = schema,
        Count = count,
        Sum = sum,
        ZeroCount = zeroCount,
        ZeroThreshold = zeroThreshold,
        CounterResetHint = hint,
        Positive = [.. positive.Select(p => new HistogramBucket(p.Index, p.Count))],
        Negative = [.. (negative ?? []).Select(p => new HistogramBucket(p.Index, p.Count))],
    };

    private static (List<HistogramSample> Histograms, List<Sample> Stale) Decode(HistogramAppender a)
    {
        var h = new List<HistogramSample>();
        var f = new List<Sample>();
        HistogramChunk.Decode(a.Encoding, a.ToArray(), long.MinValue, long.MaxValue, h, f);
        return (h, f);
    }

    private static void AssertSame(FloatHistogram expected, FloatHistogram actual)
    {
        Assert.Equal(expected.Schema, actual.Schema);
        Assert.Equal(expected.ZeroThreshold, actual.ZeroThreshold);
        Assert.Equal(expected.ZeroCount, actual.ZeroCount);
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected.Sum), BitConverter.DoubleToInt64Bits(actual.Sum));
        Assert.Equal(expected.Positive.Where(b => b.Count != 0), actual.Positive.Where(b => b.Count != 0));
        Assert.Equal(expected.Negative.Where(b => b.Count != 0), actual.Negative.Where(b => b.Count != 0));
        Assert.Equal(expected.CustomValues, actual.CustomValues);
    }

    [Fact]
    public void Integer_histograms_round_trip_through_an_integer_chunk_with_new_buckets_and_negative_buckets()
    {
        var samples = new[]
        {
            H(5, 12.5, [(0, 2), (1, 3)], zeroCount: 0),
            H(9, 20.25, [(0, 3), (1, 4), (4, 1)], [(2, 1)]),
            H(15, 33.0, [(-2, 1), (0, 5), (1, 6), (4, 1)], [(2, 2)]),
            H(15, 33.0, [(-2, 1), (0, 5), (1, 6), (4, 1)], [(2, 2)]),
            H(40, 1e6, [(-2, 1), (0, 5), (1, 30), (4, 1)], [(2, 2)], zeroCount: 1),
        };
        var a = new HistogramAppender(ChunkEncoding.Histogram, CounterResetHeader.Unknown);
        for (var i = 0; i < samples.Length; i++)
        {
            Assert.Equal(ChunkEncoding.Histogram, HistogramAppender.EncodingFor(samples[i]));
            Assert.True(a.CanAppend(samples[i]));
            a = a.Append(1000 + (i * 15_000) + (i == 3 ? 7 : 0), samples[i]);
        }
        var (decoded, stale) = Decode(a);
        Assert.Empty(stale);
        Assert.Equal(samples.Length, decoded.Count);
        for (var i = 0; i < samples.Length; i++)
        {
            AssertSame(samples[i], decoded[i].Histogram);
        }
        Assert.Equal(46_007, decoded[3].TimestampMs);
        Assert.Equal(CounterResetHint.Unknown, decoded[0].Histogram.CounterResetHint);
        Assert.All(decoded.Skip(1), s => Assert.Equal(CounterResetHint.NotCounterReset, s.Histogram.CounterResetHint));
    }

    [Fact]
    public void Float_histograms_and_custom_bucket_histograms_round_trip_bit_for_bit()
    {
        var fractional = new[] { H(2.5, 0.1, [(0, 1.25), (3, 1.25)]), H(3.75, 0.30000000000000004, [(0, 1.5), (3, 2.25)]) };
        var a = new HistogramAppender(ChunkEncoding.FloatHistogram, CounterResetHeader.Unknown);
        Assert.Equal(ChunkEncoding.FloatHistogram, HistogramAppender.EncodingFor(fractional[0]));
        a = a.Append(0, fractional[0]).Append(10_000, fractional[1]);
        var (decoded, _) = Decode(a);
        AssertSame(fractional[0], decoded[0].Histogram);
        AssertSame(fractional[1], decoded[1].Histogram);

        var nhcb = new FloatHistogram
        {
            Schema = FloatHistogram.CustomBucketsSchema,
            Count = 6,
            Sum = 3.2,
            CustomValues = [0.1, 0.25, 1, 12345.678, -1, 1e9],
            Positive = [new(0, 1), new(1, 2), new(2, 3)],
        };
        var c = new HistogramAppender(ChunkEncoding.Histogram, CounterResetHeader.Unknown).Append(5, nhcb);
        AssertSame(nhcb, Decode(c).Histograms.Single().Histogram);
    }

    [Fact]
    public void Zero_thresholds_Prometheus_stores_in_one_byte_and_others_survive()
    {
        foreach (var zt in new[] { 0, Math.Pow(2, -128), 0.001, 1024, Math.Pow(2, -243), 3 })
        {
            var h = H(1, 1, [(0, 1)], zeroThreshold: zt);
            var a = new HistogramAppender(ChunkEncoding.Histogram, CounterResetHeader.Unknown).Append(0, h);
            Assert.Equal(zt, Decode(a).Histograms.Single().Histogram.ZeroThreshold);
        }
    }

    [Fact]
    public void A_stale_marker_is_kept_exactly_and_no_sample_may_follow_it_in_the_chunk()
    {
        var a = new HistogramAppender(ChunkEncoding.Histogram, CounterResetHeader.Unknown)
            .Append(0, H(1, 1, [(0, 1)]))
            .Append(15_000, new FloatHistogram { Sum = Sample.StaleNaN });
        Assert.False(a.CanAppend(H(2, 2, [(0, 2)])));
        Assert.True(a.CanAppend(new FloatHistogram { Sum = Sample.StaleNaN }));
        var (decoded, stale) = Decode(a);
        Assert.Single(decoded);
        var marker = Assert.Single(stale);
        Assert.Equal(15_000, marker.TimestampMs);
        Assert.True(marker.IsStale);

        var startsStale = new HistogramAppender(ChunkEncoding.FloatHistogram, CounterResetHeader.Unknown).Append(7, new FloatHistogram { Sum = Sample.StaleNaN });
        Assert.True(Assert.Single(Decode(startsStale).Stale).IsStale);
    }

    [Fact]
    public void A_counter_reset_or_a_schema_change_needs_a_new_chunk_and_a_reset_is_in_its_header()
    {
        var before = H(10, 10, [(0, 4), (1, 6)]);
        var a = new HistogramAppender(ChunkEncoding.Histogram, CounterResetHeader.Unknown).Append(0, before);
        Assert.False(a.CanAppend(H(5, 5, [(0, 2), (1, 3)])));
        Assert.False(a.CanAppend(H(11, 11, [(0, 3), (1, 8)])));
        Assert.False(a.CanAppend(H(10, 10, [(0, 10)])));
        Assert.False(a.CanAppend(H(12, 12, [(0, 4), (1, 8)], schema: 2)));
        Assert.False(a.CanAppend(H(12, 12, [(0, 4), (1, 8)], zeroThreshold: 0.01)));
        Assert.False(a.CanAppend(H(12, 12.5, [(0, 4.5), (1, 7.5)])));
        Assert.True(a.CanAppend(H(12, 12, [(0, 4), (1, 8)])));

        Assert.Equal(CounterResetHeader.CounterReset, HistogramAppender.HeaderFor(H(5, 5, [(0, 2), (1, 3)]), a.Last));
        Assert.Equal(CounterResetHeader.NotCounterReset, HistogramAppender.HeaderFor(H(12, 12, [(0, 4), (1, 8)]), a.Last));
        Assert.Equal(CounterResetHeader.Unknown, HistogramAppender.HeaderFor(before, null));

        var reset = new HistogramAppender(ChunkEncoding.Histogram, CounterResetHeader.CounterReset).Append(15_000, H(5, 5, [(0, 2), (1, 3)]));
        Assert.Equal(CounterResetHint.CounterReset, Decode(reset).Histograms.Single().Histogram.CounterResetHint);
    }

    [Fact]
    public void Gauge_histograms_go_up_and_down_in_one_chunk_and_read_back_as_gauges()
    {
        var a = new HistogramAppender(ChunkEncoding.Histogram, CounterResetHeader.Gauge);
        var samples = new[]
        {
            H(10, 10, [(0, 4), (1, 6)], hint: CounterResetHint.Gauge),
            H(3, 1, [(1, 3)], hint: CounterResetHint.Gauge),
            H(7, 9, [(0, 1), (2, 6)], hint: CounterResetHint.Gauge),
        };
        for (var i = 0; i < samples.Length; i++)
        {
            Assert.True(a.CanAppend(samples[i]));
            a = a.Append(i * 1000, samples[i]);
        }
        var decoded = Decode(a).Histograms;
        Assert.Equal(3, decoded.Count);
        for (var i = 0; i < samples.Length; i++)
        {
            AssertSame(samples[i], decoded[i].Histogram);
            Assert.Equal(CounterResetHint.Gauge, decoded[i].Histogram.CounterResetHint);
        }
    }

    [Fact]
    public void A_damaged_histogram_chunk_is_reported_not_decoded()
    {
        var a = new HistogramAppender(ChunkEncoding.Histogram, CounterResetHeader.Unknown).Append(0, H(5, 5, [(0, 2), (1, 3)])).Append(1000, H(6, 6, [(0, 2), (1, 4)]));
        var bytes = a.ToArray();
        var e = Assert.Throws<ChunkFormatException>(() => HistogramChunk.Decode(ChunkEncoding.Histogram, bytes.AsSpan(0, bytes.Length - 2), long.MinValue, long.MaxValue, [], []));
        Assert.Contains("histogram chunk", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tick_keeps_native_histograms_exactly_and_floats_beside_them()
    {
        var h = H(15, 33.0, [(-2, 1), (0, 0), (1, 6), (4, 8)], [(2, 2)], zeroCount: 0.5, hint: CounterResetHint.CounterReset) with { Count = 17.5 };
        var nhcb = new FloatHistogram { Schema = FloatHistogram.CustomBucketsSchema, Count = 3, Sum = 1, CustomValues = [1, 2], Positive = [new(0, 1), new(2, 2)] };
        var tick = new ScrapeTick("j", 5000, [new TargetSamples("i", [
            new CollectedSample(L("lat", ("job", "j")), 0, 5000) { Histogram = h },
            new CollectedSample(L("up", ("job", "j")), 1, 5000),
            new CollectedSample(L("nhcb", ("job", "j")), 0, 4990) { Histogram = nhcb },
        ])]);
        var back = ScrapeTickCodec.Decode(ScrapeTickCodec.Encode(tick)).Targets.Single().Samples;
        Assert.Equal(3, back.Count);
        AssertSame(h, back[0].Histogram!);
        Assert.Equal(h.Positive, back[0].Histogram!.Positive);
        Assert.Equal(CounterResetHint.CounterReset, back[0].Histogram!.CounterResetHint);
        Assert.Null(back[1].Histogram);
        Assert.Equal(1, back[1].Value);
        AssertSame(nhcb, back[2].Histogram!);
        Assert.Equal(4990, back[2].TimestampMs);
    }

    [Fact]
    public void The_head_returns_histograms_and_marks_a_vanished_histogram_series_stale()
    {
        var head = new Head(SeriesSelection.All, Range);
        var lat = L("lat", ("instance", "i"), ("job", "j"));
        var up = L("up", ("instance", "i"), ("job", "j"));
        ScrapeTick T(long ts, FloatHistogram? h) => new("j", ts, [new TargetSamples("i", h is null
            ? [new CollectedSample(up, 1, ts)]
            : [new CollectedSample(lat, 0, ts) { Histogram = h }, new CollectedSample(up, 1, ts)])]);
        head.Append(ScrapeTickCodec.Encode(T(1000, H(1, 1, [(0, 1)]))));
        head.Append(ScrapeTickCodec.Encode(T(16_000, H(3, 3, [(0, 1), (1, 2)]))));
        head.Append(ScrapeTickCodec.Encode(T(31_000, H(1, 0.5, [(0, 1)]))));
        head.Append(ScrapeTickCodec.Encode(T(46_000, null)));
        var series = head.Select([new LabelMatcher(MatcherType.Equal, "__name__", "lat")], long.MinValue, long.MaxValue).Single();
        Assert.Equal([1000L, 16_000, 31_000], series.Histograms.Select(s => s.TimestampMs));
        Assert.Equal(CounterResetHint.CounterReset, series.Histograms[2].Histogram.CounterResetHint);
        var stale = Assert.Single(series.Samples);
        Assert.True(stale.IsStale);
        Assert.Equal(46_000, stale.TimestampMs);

        // A block written from the head reads back the same.
        var block = BlockWriter.Write(head.Export(0, Range), 0, Range, 1);
        var fromBlock = Open(block).Select([new LabelMatcher(MatcherType.Equal, "__name__", "lat")], 0, Range).Single();
        Assert.Equal(series.Histograms.Select(s => (s.TimestampMs, s.Histogram.Count, s.Histogram.CounterResetHint)), fromBlock.Histograms.Select(s => (s.TimestampMs, s.Histogram.Count, s.Histogram.CounterResetHint)));
        Assert.True(Assert.Single(fromBlock.Samples).IsStale);
    }

    [Fact]
    public void A_histogram_series_that_turns_into_floats_keeps_both_kinds_in_time_order()
    {
        var head = new Head(SeriesSelection.All, Range);
        var x = L("x", ("instance", "i"), ("job", "j"));
        head.Append(new ScrapeTick("j", 1000, [new TargetSamples("i", [new CollectedSample(x, 0, 1000) { Histogram = H(1, 1, [(0, 1)]) }])]));
        head.Append(new ScrapeTick("j", 2000, [new TargetSamples("i", [new CollectedSample(x, 7, 2000)])]));
        head.Append(new ScrapeTick("j", 3000, [new TargetSamples("i", [new CollectedSample(x, 0, 3000) { Histogram = H(2, 2, [(0, 2)]) }])]));
        var s = head.Select([new LabelMatcher(MatcherType.Equal, "__name__", "x")], long.MinValue, long.MaxValue).Single();
        Assert.Equal([1000L, 3000], s.Histograms.Select(h => h.TimestampMs));
        Assert.Equal([7.0], s.Samples.Select(f => f.Value));
        Assert.Equal(3, head.Export(0, Range).Single().Chunks.Count);
    }

    /// <summary>
    /// A head chunk Prometheus 2.42 (Debian's, --enable-feature=native-histograms) wrote to chunks_head/ after
    /// scraping a protobuf target once a second: 121 integer histograms of schema 0, zero threshold 2^-128,
    /// buckets 0, 1 and 3 (spans [0,2] [1,1]) holding 3k, k and 2k observations, k zero-bucket observations,
    /// count 7k and sum 1.5k, where k counts the seconds since the target started (+1).
    /// </summary>
    private const string Prometheus242Chunk =
        "007900744a48c5fc0003447e379ad1aab201100000000000064b6986f1fc61e3b43f3b47bc06c1346408c0940d637a26" +
        "428dd106328468d390e2e4e8c4906042811e04281060691ff81bc3e06e134488c6f09448da2fc08a043026811c0d837a" +
        "041810a047810a041813a043811a041810a06b23f40814080c0834081c0874080c6188146d083c618814080c08f4081c" +
        "0834080c0814087c0814080c70d4834765881c70d49f4080c0814083c081463c80c68887463c81c0834080c081408fc0" +
        "814080c6148346d881c614874080c0814083c0814080c0d447f81c43e07013408c0940de2fc08a043026811c0dc37a04" +
        "1810a047810a041813a043811a041810a06d1ff8105142063704345083811d020604140878105020604f4083810d0206" +
        "041408f8105020604340";

    [Fact]
    public void A_histogram_chunk_Prometheus_2_42_wrote_decodes_and_we_encode_the_same_samples_to_the_same_bytes()
    {
        var bytes = Convert.FromHexString(Prometheus242Chunk);
        var decoded = new List<HistogramSample>();
        var stale = new List<Sample>();
        HistogramChunk.Decode(ChunkEncoding.Histogram, bytes, long.MinValue, long.MaxValue, decoded, stale);
        Assert.Equal(121, decoded.Count);
        Assert.Empty(stale);
        Assert.Equal(1796355116392, decoded[0].TimestampMs);
        foreach (var (_, h) in decoded)
        {
            var k = h.ZeroCount;
            Assert.Equal(0, h.Schema);
            Assert.Equal(Math.Pow(2, -128), h.ZeroThreshold);
            Assert.Equal(7 * k, h.Count);
            Assert.Equal(1.5 * k, h.Sum);
            Assert.Equal([new HistogramBucket(0, 3 * k), new HistogramBucket(1, k), new HistogramBucket(3, 2 * k)], h.Positive);
            Assert.Empty(h.Negative);
        }

        // Prometheus 2.42 cuts head chunks by predicted end time, so this one holds 121 samples; we cut at 120.
        var a = new HistogramAppender(ChunkEncoding.Histogram, CounterResetHeader.Unknown);
        foreach (var (t, h) in decoded)
        {
            Assert.True(a.Count == HistogramAppender.MaxSamples || a.CanAppend(h));
            a = a.Append(t, h);
        }
        Assert.Equal(Prometheus242Chunk, Convert.ToHexString(a.ToArray()), ignoreCase: true);
    }
}
