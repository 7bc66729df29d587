using System.Net.Http.Headers;
using Alerting.Core.Notify;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify;

/// <summary>
/// A transient failure the receiver reported (429 or 5xx), with its <c>Retry-After</c> if it sent one.
/// Still an <see cref="HttpRequestException"/> with the status, so callers that classify by those keep working.
/// </summary>
public sealed class TransientNotificationException(string message, System.Net.HttpStatusCode status, RetryConditionHeaderValue? retryAfter)
    : HttpRequestException(message, null, status)
{
    public RetryConditionHeaderValue? RetryAfter { get; } = retryAfter;
}

/// <summary>
/// Runs one send and retries it after transient failures (<see cref="HttpRequestException"/>: 429, 5xx,
/// connection failures) as <see cref="DeliveryRetryPolicy"/> says, honouring <c>Retry-After</c>. When the
/// policy gives up the last failure propagates, so the flush fails and its queue message is redelivered.
/// Permanent failures (<see cref="PermanentNotificationException"/>) and timeouts are not retried here:
/// the first cannot succeed, and a timed-out request may have been delivered already.
/// </summary>
/// <param name="time">
/// The clock the waits run on. Registered as the system clock, not the application's, because a
/// Retry-After is the receiver's wall-clock limit; a sped-up or test-driven application clock must not shorten it.
/// </param>
public sealed partial class DeliveryRetrier(DeliveryRetryPolicy policy, TimeProvider time, ILogger<DeliveryRetrier> logger)
{
    public DeliveryRetryPolicy Policy => policy;

    /// <param name="what">The integration kind, for logs (slack, webhook, pagerduty).</param>
    /// <param name="attempt">One complete attempt; it must build a fresh request each time.</param>
    public async Task RunAsync(string what, Func<CancellationToken, Task> attempt, CancellationToken ct)
    {
        for (var failed = 1; ; failed++)
        {
            try
            {
                await attempt(ct).ConfigureAwait(false);
                if (failed > 1)
                {
                    LogRecovered(logger, what, failed);
                }
                return;
            }
            catch (HttpRequestException e) when (!ct.IsCancellationRequested && NextDelay(e, failed) is { } delay)
            {
                LogRetrying(logger, what, failed, policy.MaxAttempts, delay.TotalMilliseconds, e.Message);
                await Task.Delay(delay, time, ct).ConfigureAwait(false);
            }
        }
    }

    private TimeSpan? NextDelay(HttpRequestException e, int failed)
    {
        TimeSpan? retryAfter = null;
        if (e is TransientNotificationException { RetryAfter: { } header })
        {
            retryAfter = header.Delta ?? (header.Date is { } date ? date - time.GetUtcNow() : null);
            if (retryAfter < TimeSpan.Zero)
            {
                retryAfter = TimeSpan.Zero;
            }
        }
        return policy.NextDelay(failed, retryAfter);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery to {Integration} failed transiently (attempt {Attempt} of {MaxAttempts}), retrying in {DelayMs} ms: {Error}")]
    private static partial void LogRetrying(ILogger logger, string integration, int attempt, int maxAttempts, double delayMs, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery to {Integration} succeeded on attempt {Attempt}")]
    private static partial void LogRecovered(ILogger logger, string integration, int attempt);
}
