using System.Diagnostics;

namespace Alerting.Integration.Tests.Infrastructure;

/// <summary>
/// The one way tests wait for something that happens asynchronously: poll a condition until it holds
/// or a deadline passes, then fail naming what was awaited. A fixed sleep either races the system (too
/// short on a loaded CI machine) or wastes time (too long everywhere else); a deadline only costs time
/// when the test is failing anyway.
/// </summary>
public static class Eventually
{
    /// <summary>Generous for a machine shared by many builds; a passing test returns as soon as its condition holds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>Waits until <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/> otherwise.</summary>
    /// <param name="what">What the test waits for, as the failure should read ("the flush reached Slack").</param>
    /// <param name="details">Called once on timeout, for what the test saw (counts, a peer's output).</param>
    public static async Task UntilAsync(string what, Func<Task<bool>> condition, TimeSpan? timeout = null, Func<string>? details = null, TimeSpan? poll = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                var seen = details?.Invoke();
                throw new TimeoutException($"waited {limit.TotalSeconds:0.#} s for {what}, in vain" + (string.IsNullOrEmpty(seen) ? string.Empty : ":\n" + seen));
            }
            // The poll interval only paces the checks; nothing depends on its length.
            await Task.Delay(poll ?? DefaultPoll);
        }
    }

    /// <inheritdoc cref="UntilAsync(string, Func{Task{bool}}, TimeSpan?, Func{string}?, TimeSpan?)"/>
    public static Task UntilAsync(string what, Func<bool> condition, TimeSpan? timeout = null, Func<string>? details = null, TimeSpan? poll = null) =>
        UntilAsync(what, () => Task.FromResult(condition()), timeout, details, poll);

    /// <summary>Waits until <paramref name="probe"/> returns a value, and returns it.</summary>
    public static async Task<T> ValueAsync<T>(string what, Func<Task<T?>> probe, TimeSpan? timeout = null, Func<string>? details = null, TimeSpan? poll = null)
        where T : struct
    {
        T? found = null;
        await UntilAsync(what, async () => (found = await probe()) is not null, timeout, details, poll);
        return found!.Value;
    }
}
