using System.Diagnostics;
using Alerting.Functions.Storage;

namespace Alerting.Functions.Tests.Storage;

/// <summary>
/// A queue listener in the app's process is woken when a message the app stored becomes visible, not at
/// the end of its idle back-off; other queues' messages do not wake it, and an idle wait ends on time.
/// Real time (queue visibility is storage's clock), so the bounds are generous.
/// </summary>
public sealed class QueueWakeupsTests
{
    private static readonly TimeSpan LongIdle = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_waiting_listener_wakes_when_a_delayed_message_becomes_visible_not_before()
    {
        var wakeups = new QueueWakeups();
        var clock = Stopwatch.StartNew();
        var wait = wakeups.WaitAsync("notifications", LongIdle, CancellationToken.None);

        wakeups.Sent("notifications", TimeSpan.FromMilliseconds(300));

        Assert.True(await wait);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(290), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_message_sent_while_nobody_waited_is_picked_up_by_the_next_wait_at_once_and_only_once()
    {
        var wakeups = new QueueWakeups();
        wakeups.Sent("alerts", TimeSpan.Zero);

        var clock = Stopwatch.StartNew();
        Assert.True(await wakeups.WaitAsync("alerts", LongIdle, CancellationToken.None));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.False(await wakeups.WaitAsync("alerts", TimeSpan.FromMilliseconds(100), CancellationToken.None));
    }

    [Fact]
    public async Task Another_queues_message_does_not_wake_the_listener_and_an_idle_wait_ends_after_its_back_off()
    {
        var wakeups = new QueueWakeups();
        var clock = Stopwatch.StartNew();
        var wait = wakeups.WaitAsync("alerts", TimeSpan.FromMilliseconds(400), CancellationToken.None);

        wakeups.Sent("notifications", TimeSpan.Zero);

        Assert.False(await wait);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(390), $"ended after {clock.Elapsed}");
    }
}
