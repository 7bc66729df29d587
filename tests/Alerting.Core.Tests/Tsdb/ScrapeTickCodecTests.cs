using Alerting.Core.Exposition;
using Alerting.Core.Model;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Wal;
using static Alerting.Core.Tests.Tsdb.TsdbTestData;

namespace Alerting.Core.Tests.Tsdb;

public sealed class ScrapeTickCodecTests
{
    private static readonly ScrapeTick Sample = new("node", 1_700_000_000_000,
    [
        new TargetSamples("a:9100", [new CollectedSample(L("up", ("instance", "a:9100"), ("job", "node")), 1, 1_700_000_000_000), new CollectedSample(L("x", ("job", "node")), Alerting.Core.Model.Sample.StaleNaN, 1_699_999_999_000)],
            [new MetricMetadata("x", MetricType.Gauge, "An \"x\".", null)]),
        new TargetSamples("b:9100", []),
    ]);

    [Fact]
    public void A_tick_round_trips_with_labels_values_timestamps_and_metadata()
    {
        var back = ScrapeTickCodec.Decode(ScrapeTickCodec.Encode(Sample));
        Assert.Equal(Sample.Job, back.Job);
        Assert.Equal(Sample.TimestampMs, back.TimestampMs);
        Assert.Equal(2, back.Targets.Count);
        Assert.Equal(Sample.Targets[0].Samples, back.Targets[0].Samples.Select(s => s with { }).ToArray(), new SampleComparer());
        Assert.Equal(Sample.Targets[0].Metadata, back.Targets[0].Metadata);
        Assert.Empty(back.Targets[1].Samples);
    }

    [Fact]
    public void A_truncated_tick_is_reported_not_decoded()
    {
        var bytes = ScrapeTickCodec.Encode(Sample);
        var e = Assert.Throws<TsdbFormatException>(() => ScrapeTickCodec.Decode(bytes.AsSpan(0, bytes.Length - 3)));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_flipped_bit_in_a_tick_fails_its_checksum()
    {
        var bytes = ScrapeTickCodec.Encode(Sample);
        bytes[^2] ^= 1;
        Assert.Contains("checksum", Assert.Throws<TsdbFormatException>(() => ScrapeTickCodec.Decode(bytes)).Message, StringComparison.Ordinal);
    }

    private sealed class SampleComparer : IEqualityComparer<CollectedSample>
    {
        public bool Equals(CollectedSample x, CollectedSample y) =>
            x.Labels == y.Labels && x.TimestampMs == y.TimestampMs && BitConverter.DoubleToInt64Bits(x.Value) == BitConverter.DoubleToInt64Bits(y.Value);

        public int GetHashCode(CollectedSample obj) => obj.Labels.GetHashCode();
    }
}
