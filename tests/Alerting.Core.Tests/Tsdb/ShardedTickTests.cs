using Alerting.Core.FanOut;
using Alerting.Core.Model;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Wal;
using static Alerting.Core.Tests.Tsdb.TsdbTestData;

namespace Alerting.Core.Tests.Tsdb;

/// <summary>One job's tick written as separate shard blobs by different instances, read back by one head.</summary>
public sealed class ShardedTickTests
{
    private const long Range = 7_200_000;

    private static readonly string[] Instances = [.. Enumerable.Range(0, 40).Select(i => $"host-{i}:9100")];

    private static Labels Up(string instance) => L("up", ("instance", instance), ("job", "node"));

    private static IReadOnlyList<Sample> Samples(Head head, Labels labels) =>
        head.Select([.. labels.Select(l => new LabelMatcher(MatcherType.Equal, l.Name, l.Value))], long.MinValue, long.MaxValue).Single(s => s.Labels == labels).Samples;

    /// <summary>The shards of one tick of <paramref name="instances"/>, encoded as the scrape handlers write them.</summary>
    private static byte[][] Shards(long ts, int count, IEnumerable<string> instances) =>
        [.. Enumerable.Range(0, count).Select(i => ScrapeTickCodec.Encode(
            Tick("node", ts, [.. instances.Where(x => ScrapeSharding.ShardOf(x, count) == i).Select(x => (x, new[] { (Up(x), 1.0) }))]) with { Shard = new ScrapeShard(i, count) }))];

    [Fact]
    public void A_shard_tick_round_trips_its_shard()
    {
        var tick = ScrapeTickCodec.Decode(Shards(1000, 4, Instances)[2]);
        Assert.Equal(new ScrapeShard(2, 4), tick.Shard);
        Assert.All(tick.Targets, t => Assert.Equal(2, ScrapeSharding.ShardOf(t.Instance, 4)));
    }

    [Fact]
    public void Shards_of_one_tick_in_any_order_give_every_target_one_sample_and_no_stale_marker()
    {
        var head = new Head(SeriesSelection.All, Range);
        foreach (var ts in new long[] { 1000, 2000, 3000 })
        {
            // Each tick's shards land in a different order, as different instances finish them.
            foreach (var blob in Shards(ts, 4, Instances).OrderBy(b => (b.Length * ts) % 7))
            {
                head.Append(blob);
            }
        }
        Assert.All(Instances, i => Assert.Equal([1000L, 2000, 3000], Samples(head, Up(i)).Select(s => s.TimestampMs)));
        Assert.All(Instances, i => Assert.DoesNotContain(Samples(head, Up(i)), s => s.IsStale));
    }

    [Fact]
    public void A_target_that_leaves_goes_stale_once_by_its_own_shard()
    {
        var head = new Head(SeriesSelection.All, Range);
        foreach (var blob in Shards(1000, 4, Instances))
        {
            head.Append(blob);
        }
        var gone = Instances[7];
        foreach (var blob in Shards(2000, 4, Instances.Where(i => i != gone)))
        {
            head.Append(blob);
        }
        var samples = Samples(head, Up(gone));
        Assert.Equal(2, samples.Count);
        Assert.True(samples[1].IsStale);
        Assert.Equal(2000, samples[1].TimestampMs);
    }

    [Fact]
    public void Targets_that_move_when_the_shard_count_changes_do_not_go_stale()
    {
        var head = new Head(SeriesSelection.All, Range);
        foreach (var blob in Shards(1000, 2, Instances))
        {
            head.Append(blob);
        }
        // The fleet grew: three shards now, most targets hash elsewhere; shards arrive in both orders.
        foreach (var blob in Shards(2000, 3, Instances).Reverse())
        {
            head.Append(blob);
        }
        Assert.All(Instances, i => Assert.Equal([1.0, 1.0], Samples(head, Up(i)).Select(s => s.Value)));
    }

    [Fact]
    public void A_late_shard_of_an_older_tick_adds_its_targets_samples_in_order_and_no_stale_marker()
    {
        var head = new Head(SeriesSelection.All, Range);
        var t1 = Shards(1000, 2, Instances);
        var t2 = Shards(2000, 2, Instances);
        head.Append(t1[0]);
        head.Append(t2[0]);
        head.Append(t2[1]);
        // Shard 1 of the first tick lands after the second tick: it is older than every target's last sample.
        head.Append(t1[1]);
        Assert.All(Instances, i => Assert.DoesNotContain(Samples(head, Up(i)), s => s.IsStale));
        Assert.Equal(0, head.OutOfOrderSamples);
    }
}
