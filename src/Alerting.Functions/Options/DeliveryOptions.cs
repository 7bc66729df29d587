namespace Alerting.Functions.Options;

/// <summary>
/// In-process retries of one notification send (configuration section <c>Alerting:Delivery</c>, app
/// settings <c>Alerting__Delivery__*</c> on Azure). A send still failing after these attempts fails the
/// flush, whose queue message is then redelivered and eventually poisoned, as before.
/// </summary>
public sealed class DeliveryOptions
{
    public const string Section = "Alerting:Delivery";

    /// <summary>Attempts per send, the first included; 1 turns in-process retrying off.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Upper bound of the first jittered wait; each further wait's bound doubles.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Largest backoff wait between two attempts.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Longest <c>Retry-After</c> waited for in process. A longer one fails the send at once, so a flush
    /// never holds its claim for long; the queue's redelivery waits instead.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(10);
}
