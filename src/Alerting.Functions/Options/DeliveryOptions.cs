namespace Alerting.Functions.Options;

/// <summary>
/// In-process retries of one notification request (configuration section <c>Alerting:Delivery</c>, app
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

    /// <summary>
    /// How long one attempt may take before it is abandoned and retried (a receiver that hangs). A
    /// receiver's own <c>timeout</c> (webhook, incident.io) replaces it for that receiver.
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The <c>User-Agent</c> of every notification request. Alertmanager sends <c>Alertmanager/&lt;version&gt;</c>;
    /// we send the version whose behaviour we reproduce, so receivers and proxies that recognise or allow
    /// Alertmanager treat us the same.
    /// </summary>
    public string UserAgent { get; set; } = "Alertmanager/0.25.0";
}
