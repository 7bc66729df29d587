using Polly;
using Polly.Retry;

namespace Alerting.Functions.Storage;

/// <summary>A read-modify-write that kept losing to other writers until <see cref="ETagUpdater.MaxAttempts"/> ran out.</summary>
public sealed class ConcurrentUpdateException(string what, int attempts)
    : InvalidOperationException($"could not update {what}: it changed concurrently {attempts} times in a row")
{
    public string What { get; } = what;
}

/// <summary>
/// The one optimistic read-modify-write of the app: load the row with its ETag, compute the change,
/// write it only if the row is unchanged (<c>If-Match</c>, or insert-only for a new row), and on a lost
/// race load again and recompute. Every store's update goes through here, so all of them retry the same
/// way: at most <see cref="MaxAttempts"/> attempts, with exponential backoff and jitter between them
/// (Polly's retry strategy, the same library as the notifiers' resilience pipeline), so instances that
/// collide do not collide again in lockstep.
/// </summary>
/// <param name="time">
/// The clock the backoff waits on. Registered as the system clock: a conflict is resolved in real time
/// between real processes, which a sped-up or test-driven application clock must not stretch or freeze.
/// </param>
public sealed class ETagUpdater(TimeProvider time)
{
    public const int MaxAttempts = 12;

    private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder { TimeProvider = time }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<LostRace>(),
            MaxRetryAttempts = MaxAttempts - 1,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(5),
            MaxDelay = TimeSpan.FromMilliseconds(500),
        })
        .Build();

    /// <summary>
    /// Runs the loop. <paramref name="change"/> gets the loaded row (null or a record holding its ETag) and
    /// returns the row to write with a result for the caller; returning a row equal to the loaded one
    /// (the same instance, or null for a missing row) means there is nothing to write, and the result is
    /// returned at once. <paramref name="tryWrite"/> writes conditionally on the loaded row's ETag and
    /// returns false when another writer got there first (HTTP 409, 412, or 404 for a row deleted meanwhile).
    /// </summary>
    /// <param name="what">Names the row in the exception when the attempts run out.</param>
    public async Task<TResult> UpdateAsync<TRow, TResult>(
        string what,
        Func<CancellationToken, Task<TRow>> load,
        Func<TRow, (TRow Next, TResult Result)> change,
        Func<TRow, TRow, CancellationToken, Task<bool>> tryWrite,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(tryWrite);
        try
        {
            return await _retry.ExecuteAsync(async token =>
            {
                var loaded = await load(token).ConfigureAwait(false);
                var (next, result) = change(loaded);
                return EqualityComparer<TRow>.Default.Equals(next, loaded) || await tryWrite(loaded, next, token).ConfigureAwait(false)
                    ? result
                    : throw new LostRace();
            }, ct).ConfigureAwait(false);
        }
        catch (LostRace)
        {
            throw new ConcurrentUpdateException(what, MaxAttempts);
        }
    }

    /// <summary>The same loop for a change whose result is the row it wrote (or kept).</summary>
    public Task<TRow> UpdateAsync<TRow>(
        string what,
        Func<CancellationToken, Task<TRow>> load,
        Func<TRow, TRow> change,
        Func<TRow, TRow, CancellationToken, Task<bool>> tryWrite,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        return UpdateAsync(what, load, row =>
        {
            var next = change(row);
            return (next, next);
        }, tryWrite, ct);
    }

    /// <summary>One attempt lost its conditional write; only the retry strategy sees it.</summary>
    private sealed class LostRace : Exception
    {
    }

    /// <summary>True for the answers Azure Storage gives a write that lost an optimistic race.</summary>
    public static bool IsConflict(Azure.RequestFailedException e) => e?.Status is 409 or 412 or 404;
}
