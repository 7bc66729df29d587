using Alerting.Core.Acknowledgement;
using Alerting.Core.Model;
using Alerting.Core.Templating;

namespace Alerting.Functions.Notify;

/// <summary>
/// What one flush (or one escalation step) tells one integration: the group and its alerts at a point in
/// time, with the templates in force.
/// </summary>
public sealed record Notification(string Receiver, Labels GroupLabels, IReadOnlyList<Alert> Alerts, DateTimeOffset Now, string ExternalUrl, string GroupKey)
{
    /// <summary>The configuration's templates (Alertmanager's defaults plus the config's files).</summary>
    public required TemplateSet Templates { get; init; }

    /// <summary>
    /// Identifies this delivery across redeliveries of the same flush (group, flush token, integration):
    /// the email <c>Message-ID</c> and the Slack message metadata are derived from it, so a resend is
    /// recognisable. Null for sends outside a flush.
    /// </summary>
    public string? DeliveryId { get; init; }

    /// <summary>
    /// When this delivery first fell due (an escalation step's due time), the same on every redelivery; SMS
    /// sends it as the repeatability first-sent time. Null for group flushes.
    /// </summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>
    /// The send's identity across attempts and re-armed flush chains (Core's <c>SendIdentity</c>): a receiver
    /// that can read back what it was sent (Slack's Web API) carries it, to find the post of an attempt that
    /// left no record. Null for sends outside a flush.
    /// </summary>
    public string? SendKey { get; init; }

    /// <summary>
    /// Set when an earlier attempt at this send began at this time and left no record (it crashed or
    /// failed): it may have reached the receiver. Null on a first attempt, which never looks anything up.
    /// </summary>
    public DateTimeOffset? UnrecordedAttemptSince { get; init; }

    /// <summary>Set when the notification is an escalation step or an update of one; receivers that support it add the operator's actions.</summary>
    public IncidentContext? Incident { get; init; }

    /// <summary>Alertmanager's <c>GroupKey.Hash()</c>: the hex SHA-256 of the group key (PagerDuty's dedup_key, OpsGenie's alias).</summary>
    public string GroupKeyHash => Alerting.Core.Notify.PagerDuty.PagerDutyEventBuilder.DedupKeyFor(GroupKey);

    /// <summary>
    /// Alertmanager's template data; with <paramref name="maxAlerts"/> the data is built from the first
    /// alerts only and records how many were left out (max_alerts of the webhook and incident.io).
    /// </summary>
    public NotificationData Data(long maxAlerts = 0)
    {
        var sorted = NotificationData.SortLikeAlertmanager(Alerts);
        var alerts = maxAlerts > 0 && sorted.Count > maxAlerts ? sorted.Take((int)maxAlerts).ToArray() : sorted;
        return NotificationData.Create(Receiver, GroupLabels, alerts, Now, ExternalUrl, GroupKey, (ulong)(Alerts.Count - alerts.Count));
    }
}

/// <summary>
/// The incident an escalation notification is about: its id (the alert's fingerprint, which the
/// Acknowledge button and one-click links name), the operator state to show, and the signed one-click
/// acknowledge link for emails.
/// </summary>
public sealed record IncidentContext(string AlertId, AlertStatus Status, string? ChangedBy, DateTimeOffset? ChangedAt, string? AcknowledgeUrl);
