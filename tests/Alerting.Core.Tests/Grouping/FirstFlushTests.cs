using Alerting.Core.Grouping;

namespace Alerting.Core.Tests.Grouping;

public sealed class FirstFlushTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_fresh_alert_waits_group_wait()
    {
        Assert.Equal(Now + Wait, FirstFlush.At(Now, Now, Wait));
        Assert.Equal(Now + Wait, FirstFlush.At(Now - Wait, Now, Wait)); // exactly group_wait ago: Go's Before is strict
    }

    [Fact]
    public void An_alert_that_started_longer_than_group_wait_ago_flushes_at_once()
    {
        Assert.Equal(Now, FirstFlush.At(Now - TimeSpan.FromMinutes(3), Now, Wait));
    }

    [Fact]
    public void An_old_alert_joining_a_group_that_has_not_flushed_brings_its_flush_forward()
    {
        var created = Now - TimeSpan.FromSeconds(10);
        Assert.True(FirstFlush.BringForward(created, created + Wait, Now - TimeSpan.FromMinutes(5), Now, Wait));
        Assert.False(FirstFlush.BringForward(created, created + Wait, Now, Now, Wait), "a fresh alert does not");
        Assert.False(FirstFlush.BringForward(created, created + Wait + TimeSpan.FromMinutes(5), Now - TimeSpan.FromMinutes(5), Now, Wait), "a group that has flushed keeps group_interval");
    }
}
