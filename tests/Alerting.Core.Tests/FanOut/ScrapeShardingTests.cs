using Alerting.Core.FanOut;

namespace Alerting.Core.Tests.FanOut;

public sealed class ScrapeShardingTests
{
    private static readonly string[] Instances = [.. Enumerable.Range(0, 2000).Select(i => $"10.0.{i / 250}.{i % 250}:9100")];

    [Fact]
    public void Every_target_belongs_to_exactly_one_shard_of_the_plan()
    {
        var plan = ScrapeSharding.Plan([("node", Instances.Length)], 1_000, 16_000, shardSize: 200);
        Assert.Equal(10, plan.Count);
        foreach (var instance in Instances)
        {
            Assert.Single(plan, w => w.Shard.Contains(instance));
        }
    }

    [Fact]
    public void Shards_hold_about_the_shard_size()
    {
        var count = ScrapeSharding.ShardCount(Instances.Length, 200);
        var sizes = Instances.GroupBy(i => ScrapeSharding.ShardOf(i, count)).Select(g => g.Count()).ToArray();
        Assert.Equal(count, sizes.Length);
        Assert.All(sizes, s => Assert.InRange(s, 140, 260));
    }

    [Fact]
    public void A_target_stays_in_its_shard_from_tick_to_tick_whatever_else_joins_or_leaves()
    {
        var before = Instances.ToDictionary(i => i, i => ScrapeSharding.ShardOf(i, 10));
        // Half the fleet leaves; as long as the shard count stands, nobody moves.
        var count = ScrapeSharding.ShardCount(Instances.Length - 150, 200);
        Assert.Equal(10, count);
        Assert.All(Instances.Skip(150), i => Assert.Equal(before[i], ScrapeSharding.ShardOf(i, count)));
    }

    [Fact]
    public void Every_job_gets_at_least_one_shard_and_the_tick_and_next_tick_stamp_every_message()
    {
        var plan = ScrapeSharding.Plan([("empty", 0), ("small", 3), ("big", 401)], 30_000, 45_000, shardSize: 200);
        Assert.Equal([("empty", 1), ("small", 1), ("big", 3)], plan.GroupBy(w => w.Job).Select(g => (g.Key, g.Count())));
        Assert.All(plan, w => Assert.Equal((30_000L, 45_000L), (w.TickMs, w.SupersededAtMs)));
        Assert.All(plan.Where(w => w.Job != "big"), w => Assert.True(w.Shard.IsWhole));
    }

    [Fact]
    public void A_message_handled_once_the_next_tick_is_planned_is_superseded()
    {
        var work = new ScrapeShardWork("node", 0, 2, 30_000, 45_000);
        Assert.False(ScrapeSharding.IsSuperseded(work, 44_999));
        Assert.True(ScrapeSharding.IsSuperseded(work, 45_000));
    }
}
