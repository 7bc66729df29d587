namespace Alerting.Core.Notify;

/// <summary>
/// When to try a failed delivery again within one flush: exponential backoff with full jitter
/// (a random wait between zero and <c>BaseDelay · 2^(attempt-1)</c>, capped at <see cref="MaxDelay"/>),
/// so many instances throttled at once do not retry in lockstep. A server's <c>Retry-After</c> is a
/// floor for the wait, never shortened; if it asks for longer than <see cref="MaxRetryAfter"/> the
/// policy gives up instead, because waiting that long would hold the flush (and its claim) while the
/// queue's redelivery is the better place to wait.
/// </summary>
public sealed class DeliveryRetryPolicy
{
    private readonly Random _random;

    /// <param name="maxAttempts">Attempts in total, the first included; 1 disables retrying.</param>
    /// <param name="baseDelay">Upper bound of the first jittered wait.</param>
    /// <param name="maxDelay">Upper bound of any backoff wait.</param>
    /// <param name="maxRetryAfter">Longest Retry-After still waited for in process.</param>
    /// <param name="random">Jitter source. Defaults to <see cref="Random.Shared"/>, which is safe across threads; tests pass a seeded one.</param>
    public DeliveryRetryPolicy(int maxAttempts, TimeSpan baseDelay, TimeSpan maxDelay, TimeSpan maxRetryAfter, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(baseDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDelay, baseDelay);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRetryAfter, TimeSpan.Zero);
        MaxAttempts = maxAttempts;
        BaseDelay = baseDelay;
        MaxDelay = maxDelay;
        MaxRetryAfter = maxRetryAfter;
        _random = random ?? Random.Shared;
    }

    /// <summary>A policy that never retries: the first failure propagates.</summary>
    public static DeliveryRetryPolicy None { get; } = new(1, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

    public int MaxAttempts { get; }

    public TimeSpan BaseDelay { get; }

    public TimeSpan MaxDelay { get; }

    public TimeSpan MaxRetryAfter { get; }

    /// <summary>The backoff ceiling before attempt <paramref name="failedAttempts"/>+1, before jitter.</summary>
    public TimeSpan Ceiling(int failedAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        // Doubling past 2^30 only matters for absurd settings; stop there so the multiplication cannot overflow.
        var factor = Math.Pow(2, Math.Min(failedAttempts - 1, 30));
        var ticks = BaseDelay.Ticks * factor;
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>
    /// How long to wait before the next attempt after <paramref name="failedAttempts"/> transient failures,
    /// or null when the failure should propagate (attempts used up, or the server asked for a longer wait
    /// than <see cref="MaxRetryAfter"/>).
    /// </summary>
    /// <param name="failedAttempts">Attempts made so far, all failed transiently (1 after the first failure).</param>
    /// <param name="retryAfter">The server's Retry-After, if it sent one; never waited less than.</param>
    public TimeSpan? NextDelay(int failedAttempts, TimeSpan? retryAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        if (failedAttempts >= MaxAttempts)
        {
            return null;
        }
        if (retryAfter > MaxRetryAfter)
        {
            return null;
        }
        var jittered = TimeSpan.FromTicks((long)(Ceiling(failedAttempts).Ticks * _random.NextDouble()));
        return retryAfter is { } floor && floor > jittered ? floor : jittered;
    }
}
