using Alerting.Core.Model;
using Alerting.Core.Templating;

namespace Alerting.Functions.Notify;

/// <summary>What one flush tells one integration: the group and its alerts at a point in time.</summary>
public sealed record Notification(string Receiver, Labels GroupLabels, IReadOnlyList<Alert> Alerts, DateTimeOffset Now, string ExternalUrl, string GroupKey)
{
    /// <summary>
    /// Alertmanager's template data; with <paramref name="maxAlerts"/> the data is built from the first
    /// alerts only and records how many were left out (the webhook's max_alerts).
    /// </summary>
    public NotificationData Data(long maxAlerts = 0)
    {
        var sorted = NotificationData.SortLikeAlertmanager(Alerts);
        var alerts = maxAlerts > 0 && sorted.Count > maxAlerts ? sorted.Take((int)maxAlerts).ToArray() : sorted;
        return NotificationData.Create(Receiver, GroupLabels, alerts, Now, ExternalUrl, GroupKey, (ulong)(Alerts.Count - alerts.Count));
    }
}
