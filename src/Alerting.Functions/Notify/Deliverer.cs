using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify;

public enum DeliveryStatus
{
    /// <summary>The receiver accepted the notification.</summary>
    Delivered,

    /// <summary>The receiver refused it for good (a 4xx, a missing secret): retrying cannot help, so it is logged and recorded.</summary>
    Rejected,

    /// <summary>A transient failure outlasted the in-process retries: the caller fails so its queue message is redelivered.</summary>
    Failed,

    /// <summary>No notifier exists for the integration's kind.</summary>
    Unsupported,
}

/// <summary>The outcome of one delivery: the receipt of an updatable message, or the error.</summary>
public sealed record DeliveryResult(DeliveryStatus Status, DeliveryReceipt? Receipt = null, Exception? Error = null);

/// <summary>
/// The one delivery path: group flushes (<c>GroupFlusher</c>) and escalation steps (<c>IncidentMessenger</c>)
/// both hand an integration and a notification to this, which finds the receiver kind's notifier,
/// sends, classifies the outcome the same way for every receiver and logs it. Updates of sent messages
/// (acknowledged, resolved) go through <see cref="UpdateAsync"/> for the kinds that support them.
/// </summary>
public sealed partial class Deliverer(IEnumerable<INotifier> notifiers, ILogger<Deliverer> logger)
{
    private readonly Dictionary<string, INotifier> _notifiers = notifiers.ToDictionary(n => n.Kind, StringComparer.Ordinal);

    public bool Supports(string kind) => _notifiers.ContainsKey(kind);

    public async Task<DeliveryResult> DeliverAsync(Integration integration, Notification notification, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(integration);
        ArgumentNullException.ThrowIfNull(notification);
        if (!_notifiers.TryGetValue(integration.Kind, out var notifier))
        {
            LogUnsupported(logger, integration.Kind, notification.Receiver);
            return new DeliveryResult(DeliveryStatus.Unsupported);
        }
        try
        {
            var receipt = await notifier.SendAsync(integration, notification, ct).ConfigureAwait(false);
            Telemetry.AlertingTelemetry.NotificationSent(integration.Kind);
            return new DeliveryResult(DeliveryStatus.Delivered, receipt);
        }
        catch (PermanentNotificationException e)
        {
            LogRejected(logger, e, integration.Id, notification.Receiver, e.Message);
            Telemetry.AlertingTelemetry.NotificationFailed(integration.Kind);
            return new DeliveryResult(DeliveryStatus.Rejected, Error: e);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogFailed(logger, e, integration.Id, notification.Receiver, e.Message);
            Telemetry.AlertingTelemetry.NotificationFailed(integration.Kind);
            return new DeliveryResult(DeliveryStatus.Failed, Error: e);
        }
    }

    /// <summary>Updates a sent message; kinds without the capability are skipped. Throws on failure so the caller's message is redelivered.</summary>
    public async Task UpdateAsync(string kind, DeliveryReceipt receipt, Notification notification, CancellationToken ct)
    {
        if (_notifiers.TryGetValue(kind, out var notifier) && notifier is IUpdatingNotifier updating)
        {
            try
            {
                await updating.UpdateAsync(receipt, notification, ct).ConfigureAwait(false);
            }
            catch (PermanentNotificationException e)
            {
                LogRejected(logger, e, kind, notification.Receiver, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Integration kind {Kind} of receiver {Receiver} is not delivered by this version")]
    private static partial void LogUnsupported(ILogger logger, string kind, string receiver);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery to {Integration} of {Receiver} failed, will retry: {Error}")]
    private static partial void LogFailed(ILogger logger, Exception e, string integration, string receiver, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery to {Integration} of {Receiver} was rejected permanently: {Error}")]
    private static partial void LogRejected(ILogger logger, Exception e, string integration, string receiver, string error);
}
