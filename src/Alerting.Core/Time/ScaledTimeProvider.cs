namespace Alerting.Core.Time;

/// <summary>
/// A clock that runs <c>scale</c> times faster than real time from the moment it is created, so a demo
/// can show a rule with <c>for: 5m</c> firing without waiting five minutes. Timers are shortened by the
/// same factor, so everything driven by this provider stays consistent.
/// </summary>
public sealed class ScaledTimeProvider : TimeProvider
{
    private readonly double _scale;
    private readonly DateTimeOffset _origin;
    private readonly long _originTimestamp;

    public ScaledTimeProvider(double scale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(scale, 0);
        _scale = scale;
        _origin = System.GetUtcNow();
        _originTimestamp = System.GetTimestamp();
    }

    public override DateTimeOffset GetUtcNow() =>
        _origin + System.GetElapsedTime(_originTimestamp) * _scale;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, Shrink(dueTime), Shrink(period));

    private TimeSpan Shrink(TimeSpan t) => t == Timeout.InfiniteTimeSpan ? t : t / _scale;
}
