using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.Integration.Tests.Infrastructure;

/// <summary>
/// A test clock that also records every wait armed on it. "Nothing happened while the clock stood still"
/// is only an assertion once the code under test has provably reached its wait: a recorded timer is that
/// positive signal, where a sleep would only hope the code got there.
/// </summary>
public sealed class ObservedClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly ConcurrentQueue<TimeSpan> _waits = new();

    /// <summary>The due times of the timers armed so far (Task.Delay on this clock arms one), in order.</summary>
    public IReadOnlyCollection<TimeSpan> Waits => _waits;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        // Recorded after arming, so a test that sees the wait can advance past it.
        _waits.Enqueue(dueTime);
        return timer;
    }
}
