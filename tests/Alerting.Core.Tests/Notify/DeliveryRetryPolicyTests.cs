using Alerting.Core.Notify;

namespace Alerting.Core.Tests.Notify;

public sealed class DeliveryRetryPolicyTests
{
    private static readonly TimeSpan Base = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(10);

    private static DeliveryRetryPolicy Policy(int attempts = 5, Random? random = null) => new(attempts, Base, Max, MaxRetryAfter, random ?? new Random(42));

    [Fact]
    public void The_backoff_ceiling_doubles_per_failure_up_to_the_maximum()
    {
        var policy = Policy();

        Assert.Equal(
            [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(4)],
            Enumerable.Range(1, 5).Select(policy.Ceiling));
        Assert.Equal(Max, policy.Ceiling(1000));
    }

    [Fact]
    public void Full_jitter_waits_between_zero_and_the_ceiling()
    {
        var policy = Policy(attempts: 100, random: new Random(7));
        var delays = Enumerable.Range(1, 99).Select(n => (Failed: n, Delay: policy.NextDelay(n)!.Value)).ToArray();

        Assert.All(delays, d => Assert.InRange(d.Delay, TimeSpan.Zero, policy.Ceiling(d.Failed)));
        // Jitter, not a fixed schedule: capped waits still differ from each other.
        Assert.True(delays.Skip(4).Select(d => d.Delay).Distinct().Count() > 50);
    }

    [Fact]
    public void The_same_seed_gives_the_same_waits()
    {
        var a = Policy(random: new Random(3));
        var b = Policy(random: new Random(3));

        Assert.Equal(Enumerable.Range(1, 4).Select(n => a.NextDelay(n)), Enumerable.Range(1, 4).Select(n => b.NextDelay(n)));
    }

    [Fact]
    public void No_wait_is_offered_once_the_attempts_are_used_up()
    {
        var policy = Policy(attempts: 3);

        Assert.NotNull(policy.NextDelay(1));
        Assert.NotNull(policy.NextDelay(2));
        Assert.Null(policy.NextDelay(3));
        Assert.Null(DeliveryRetryPolicy.None.NextDelay(1));
    }

    [Fact]
    public void Retry_after_is_a_floor_for_the_wait()
    {
        var policy = Policy();

        Assert.Equal(TimeSpan.FromSeconds(7), policy.NextDelay(1, TimeSpan.FromSeconds(7)));
        // A shorter Retry-After than the jittered backoff does not shorten the backoff.
        var jitterOnly = new DeliveryRetryPolicy(5, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(8), MaxRetryAfter, new AlwaysMax());
        Assert.Equal(TimeSpan.FromSeconds(8), jitterOnly.NextDelay(1, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_retry_after_longer_than_the_cap_gives_up_rather_than_retrying_early()
    {
        var policy = Policy();

        Assert.Equal(MaxRetryAfter, policy.NextDelay(1, MaxRetryAfter));
        Assert.Null(policy.NextDelay(1, MaxRetryAfter + TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Nonsense_settings_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeliveryRetryPolicy(0, Base, Max, MaxRetryAfter));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeliveryRetryPolicy(3, Max, Base, MaxRetryAfter));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeliveryRetryPolicy(3, TimeSpan.FromSeconds(-1), Max, MaxRetryAfter));
        Assert.Throws<ArgumentOutOfRangeException>(() => Policy().NextDelay(0));
    }

    /// <summary>Jitter that always picks the ceiling, to pin the comparison with Retry-After.</summary>
    private sealed class AlwaysMax : Random
    {
        public override double NextDouble() => 1.0;
    }
}
