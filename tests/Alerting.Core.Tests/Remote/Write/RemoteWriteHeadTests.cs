using Alerting.Core.Model;
using Alerting.Core.Remote.Write;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Wal;

namespace Alerting.Core.Tests.Remote.Write;

/// <summary>Remote-written ticks in the head: the sender's samples as sent, staleness only where it marked it.</summary>
public sealed class RemoteWriteHeadTests
{
    private const long Range = 7_200_000;

    private static readonly Label[] Up = [new("__name__", "up"), new("instance", "a"), new("job", "node")];

    private static ScrapeTick[] Ticks(string id, params (long T, double V)[] samples) =>
        [.. RemoteWritePlan.Plan(new WriteRequest([new WriteSeries(Up, [.. samples.Select(s => new WriteSample(s.V, s.T))])], []), id, 0, Range).Ticks];

    private static IReadOnlyList<Sample> Read(Head head) =>
        head.Select([new LabelMatcher(MatcherType.Equal, "__name__", "up")], long.MinValue, long.MaxValue).Single().Samples;

    [Fact]
    public void A_series_missing_from_the_next_request_is_not_marked_stale()
    {
        var head = new Head(SeriesSelection.All, Range);
        var other = new WriteSeries([new("__name__", "other")], [new WriteSample(1, 20_000)]);
        head.Append(ScrapeTickCodec.Encode(Ticks("r1", (10_000, 1), (15_000, 1))[0]));
        head.Append(ScrapeTickCodec.Encode(RemoteWritePlan.Plan(new WriteRequest([other], []), "r2", 0, Range).Ticks[0]));
        Assert.Equal([10_000L, 15_000], Read(head).Select(s => s.TimestampMs));
        Assert.DoesNotContain(Read(head), s => s.IsStale);
    }

    [Fact]
    public void Concurrent_requests_landing_out_of_order_keep_each_series_in_time_order()
    {
        var head = new Head(SeriesSelection.All, Range);
        head.Append(ScrapeTickCodec.Encode(Ticks("r2", (30_000, 3))[0]));
        head.Append(ScrapeTickCodec.Encode(Ticks("r1", (20_000, 2))[0]));
        head.Append(ScrapeTickCodec.Encode(Ticks("r3", (40_000, Sample.StaleNaN))[0]));
        var samples = Read(head);
        Assert.Equal([30_000L, 40_000], samples.Select(s => s.TimestampMs));
        Assert.True(samples[1].IsStale);
        Assert.Equal(1, head.OutOfOrderSamples);
    }

    [Fact]
    public void Truncation_forgets_remote_write_series_and_their_jobs_once_they_are_in_blocks()
    {
        var head = new Head(SeriesSelection.All, Range);
        head.Append(ScrapeTickCodec.Encode(Ticks("r1", (10_000, 1))[0]));
        head.Truncate(3 * Range);
        Assert.Equal(0, head.SeriesCount);
        Assert.Null(head.LastTimestamp(Ticks("r1", (10_000, 1))[0].Job));
    }
}
