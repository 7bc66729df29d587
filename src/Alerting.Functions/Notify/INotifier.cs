using Alerting.Core.Templating;

namespace Alerting.Functions.Notify;

/// <summary>Delivers one notification for one integration kind. Throws on failure so the flush is retried.</summary>
public interface INotifier
{
    string Kind { get; }

    Task SendAsync(Integration integration, Notification notification, TemplateSet templates, CancellationToken ct);
}

/// <summary>A failure the receiver reported that retrying will not fix (e.g. 400): logged, not retried.</summary>
public sealed class PermanentNotificationException(string message, Exception? inner = null) : Exception(message, inner);
