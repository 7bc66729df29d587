using Alerting.Core.Alertmanager;

namespace Alerting.Functions.Notify;

/// <summary>
/// One receiver kind (<c>slack</c>, <c>email</c>, <c>opsgenie</c>, ...): renders a notification with the
/// integration's templates and delivers it. Group flushes and escalation steps both send through it.
/// Throws <see cref="PermanentNotificationException"/> for what retrying cannot fix and anything else
/// (transient) to have the flush redelivered.
/// </summary>
public interface INotifier
{
    /// <summary>Alertmanager's integration name, equal to <see cref="IntegrationConfig.Kind"/> of the configs it handles.</summary>
    string Kind { get; }

    /// <returns>Where the message landed when the receiver can later edit it (<see cref="IUpdatingNotifier"/>), else null.</returns>
    Task<DeliveryReceipt?> SendAsync(Integration integration, Notification notification, CancellationToken ct);
}

/// <summary>
/// The optional "update" capability: a receiver whose messages can be edited or whose incidents can change
/// state after they were sent (Slack <c>chat.update</c>, PagerDuty acknowledge/resolve).
/// </summary>
public interface IUpdatingNotifier : INotifier
{
    /// <summary>Brings what <paramref name="receipt"/> points at up to date with <paramref name="notification"/> (idempotent).</summary>
    Task UpdateAsync(DeliveryReceipt receipt, Notification notification, CancellationToken ct);
}

/// <summary>A notifier for one typed config: the cast lives here, once.</summary>
public abstract class Notifier<TConfig> : INotifier
    where TConfig : IntegrationConfig
{
    public abstract string Kind { get; }

    public Task<DeliveryReceipt?> SendAsync(Integration integration, Notification notification, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(integration);
        return integration.Config is TConfig config
            ? SendAsync(config, integration, notification, ct)
            : throw new ArgumentException($"the {Kind} notifier cannot send to a {integration.Kind} integration", nameof(integration));
    }

    protected abstract Task<DeliveryReceipt?> SendAsync(TConfig config, Integration integration, Notification notification, CancellationToken ct);
}

/// <summary>Where a sent message or event can be reached again; each updating notifier defines its own.</summary>
public abstract record DeliveryReceipt;

/// <summary>A failure the receiver reported that retrying will not fix (e.g. 400): logged, not retried.</summary>
public sealed class PermanentNotificationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A failure the receiver reported as temporary (429, 5xx, or an error its API documents as retryable):
/// after the in-process retries the flush fails and its queue message is redelivered.
/// </summary>
public sealed class TransientNotificationException(string message, System.Net.HttpStatusCode? status = null, System.Net.Http.Headers.RetryConditionHeaderValue? retryAfter = null)
    : HttpRequestException(message, null, status)
{
    /// <summary>The receiver's <c>Retry-After</c>, when it sent one.</summary>
    public System.Net.Http.Headers.RetryConditionHeaderValue? RetryAfter { get; } = retryAfter;
}
