using Alerting.Core.Acknowledgement;
using Alerting.Core.Alertmanager;
using Alerting.Core.Escalation;
using Alerting.Core.Model;
using Alerting.Core.Notify.Sms;
using Alerting.Functions.Notify.PagerDuty;
using Alerting.Functions.Notify.Slack;
using Alerting.Functions.Options;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Notify;

/// <summary>One escalation step's delivery to one recipient: an id stable across redeliveries of the step, and when the step fell due.</summary>
public sealed record EscalationDelivery(string Id, DateTimeOffset DueAt);

/// <summary>Where one escalation delivery left something that later updates must reach.</summary>
public sealed record DeliveryRefs(IReadOnlyList<SlackMessageRef> Slack, IReadOnlyList<PagerDutyRef> PagerDuty)
{
    public static readonly DeliveryRefs None = new([], []);
}

/// <summary>
/// Sends escalation steps for one alert and keeps what was sent in step with the operators' actions,
/// through the same integrations and the same <see cref="Deliverer"/> as group flushes. A step to a
/// receiver uses each of its integrations with the incident attached to the notification, which the
/// receivers that support it turn into operator actions (Slack: Block Kit with an Acknowledge button,
/// posted with the bot token so it can be edited; email: a signed one-click Acknowledge link; PagerDuty:
/// a trigger keyed per alert and routing key); every other receiver sends its usual message about the
/// alert. A step to an on-call person uses their own contacts (PagerDuty, email, SMS through Azure
/// Communication Services with the acknowledge link, Slack direct message). Updates (acknowledge, resolve) edit the
/// Slack messages and acknowledge/resolve PagerDuty.
/// </summary>
public sealed partial class IncidentMessenger(
    ConfigProvider config,
    Deliverer deliverer,
    SlackNotifier slack,
    LinkSigning links,
    IOptions<AlertingOptions> options,
    ILogger<IncidentMessenger> logger)
{
    /// <summary>
    /// Notifies one recipient of an escalation step. <paramref name="delivery"/> names the step's delivery to this
    /// recipient and when it fell due, the same on every redelivery of the step, so receivers that can deduplicate
    /// (SMS repeatability, email Message-ID) recognise a resend.
    /// </summary>
    public async Task<DeliveryRefs> NotifyAsync(EscalationRecipient recipient, Alert alert, IncidentRecord incident, EscalationDelivery delivery, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (recipient.Problem is not null)
        {
            LogNobody(logger, recipient.Target.ToString(), incident.AlertId, recipient.Problem);
            return DeliveryRefs.None;
        }
        var (am, _) = config.Alertmanager();
        if (recipient.Receiver is { } receiverName)
        {
            var receiver = am.GetReceiver(receiverName);
            if (receiver is null)
            {
                LogUnknownReceiver(logger, receiverName, incident.AlertId);
                return DeliveryRefs.None;
            }
            return await DeliverAllAsync(Integration.For(receiver), NotificationFor(receiver.Name, alert, incident, delivery, now), ct).ConfigureAwait(false);
        }
        return await NotifyPersonAsync(recipient.Person!, am, alert, incident, delivery, now, ct).ConfigureAwait(false);
    }

    private async Task<DeliveryRefs> NotifyPersonAsync(Core.OnCall.OnCallPerson person, AlertmanagerConfig am, Alert alert, IncidentRecord incident, EscalationDelivery delivery, DateTimeOffset now, CancellationToken ct)
    {
        var notification = NotificationFor(person.Name, alert, incident, delivery, now);
        var integrations = new List<Integration>();
        if (!string.IsNullOrEmpty(person.PagerDuty))
        {
            integrations.Add(new Integration("pagerduty-person", new PagerDutyConfig { RoutingKey = person.PagerDuty, Url = options.Value.PagerDutyEventsUrl, HttpConfig = am.Global.HttpConfig }));
        }
        if (!string.IsNullOrEmpty(person.Email) && !string.IsNullOrEmpty(am.Global.SmtpSmarthost))
        {
            var email = new EmailConfig
            {
                To = person.Email,
                From = am.Global.SmtpFrom ?? string.Empty,
                Hello = am.Global.SmtpHello,
                Smarthost = am.Global.SmtpSmarthost,
                AuthUsername = am.Global.SmtpAuthUsername,
                AuthPassword = am.Global.SmtpAuthPassword,
                AuthPasswordFile = am.Global.SmtpAuthPasswordFile,
                RequireTls = am.Global.SmtpRequireTls,
                TlsConfig = am.Global.SmtpTlsConfig,
            };
            if (notification.Incident?.AcknowledgeUrl is not null)
            {
                // A page to one person is read on a phone: the short, Slack-like variant with the button.
                email = email with { Html = AcknowledgeEmail.CompactHtml, Text = AcknowledgeEmail.CompactText };
            }
            integrations.Add(new Integration("email-person", email));
        }
        if (!string.IsNullOrEmpty(person.Sms) && Sms() is { } acs)
        {
            integrations.Add(new Integration("sms-person", new SmsConfig
            {
                To = person.Sms,
                From = options.Value.AcsSmsFrom,
                Connection = acs,
                EnableDeliveryReport = options.Value.AcsSmsDeliveryReport,
                MaxSegments = options.Value.SmsMaxSegments,
                HttpConfig = am.Global.HttpConfig,
            }));
        }
        var refs = await DeliverAllAsync(integrations, notification, ct).ConfigureAwait(false);
        var reached = integrations.Count > 0;
        if (!string.IsNullOrEmpty(person.Slack) && slack.CanPostDirect)
        {
            // Posting to a user id opens (or reuses) the bot's direct message with that person.
            var posted = await slack.PostDirectAsync(person.Slack, notification, ct).ConfigureAwait(false);
            refs = refs with { Slack = [.. refs.Slack, new SlackMessageRef(posted.Channel, posted.Ts)] };
            reached = true;
        }
        if (!reached)
        {
            LogNobody(logger, person.Name, incident.AlertId, "the person has no usable contact (pagerduty, slack with a bot token, email with global smtp settings, or sms with Alerting:AcsConnectionString)");
        }
        return refs;
    }

    /// <summary>The ACS resource SMS pages go through; null when SMS is not configured (validated at start).</summary>
    private AcsConnectionString? Sms() =>
        AcsConnectionString.TryParse(options.Value.AcsConnectionString, out var acs, out _) ? acs : null;

    /// <summary>
    /// Delivers to every integration; a transient failure fails the step (its message is redelivered and,
    /// with the targets already recorded, resends only what had not gone out).
    /// </summary>
    private async Task<DeliveryRefs> DeliverAllAsync(IReadOnlyList<Integration> integrations, Notification notification, CancellationToken ct)
    {
        var slackRefs = new List<SlackMessageRef>();
        var pages = new List<PagerDutyRef>();
        foreach (var integration in integrations)
        {
            // One id per integration, as group flushes have: two integrations of a receiver are two deliveries.
            var each = notification.DeliveryId is { } id ? notification with { DeliveryId = $"{id}/{integration.Id}" } : notification;
            var result = await deliverer.DeliverAsync(integration, each, ct).ConfigureAwait(false);
            switch (result)
            {
                case { Status: DeliveryStatus.Failed, Error: { } error }:
                    throw new InvalidOperationException($"escalation delivery to {integration.Id} of {notification.Receiver} failed: {error.Message}", error);
                case { Receipt: SlackReceipt s }:
                    slackRefs.Add(new SlackMessageRef(s.Channel, s.Ts));
                    break;
                case { Receipt: PagerDutyReceipt p }:
                    pages.Add(new PagerDutyRef(p.Url, p.RoutingKey, p.DedupKey));
                    break;
            }
        }
        return new DeliveryRefs(slackRefs, pages);
    }

    /// <summary>Brings every message about the incident up to date with its state (idempotent: safe to repeat).</summary>
    public async Task SyncAsync(IncidentRecord incident, Alert? alert, DateTimeOffset now, CancellationToken ct)
    {
        var status = incident.Ack.EffectiveStatus(now);
        if (alert is not null && alert.IsResolvedAt(now))
        {
            status = AlertStatus.Resolved;
        }
        var context = new IncidentContext(incident.AlertId, status, incident.Ack.By ?? "alerting", incident.Ack.Since, null);
        var (am, templates) = config.Alertmanager();
        var notification = new Notification("escalation", alert?.Labels.Keep(["alertname"]) ?? Labels.Empty, alert is null ? [] : [alert], now, options.Value.ExternalUrl, EscalationGroupKey(incident.AlertId))
        {
            Templates = templates,
            Incident = context,
        };
        if (alert is not null)
        {
            foreach (var m in incident.Slack)
            {
                await deliverer.UpdateAsync("slack", new SlackReceipt(m.Channel, m.Ts), notification, ct).ConfigureAwait(false);
            }
        }
        foreach (var p in incident.PagerDuty)
        {
            var receiptConfig = new PagerDutyConfig { RoutingKey = p.RoutingKey, Url = p.Url, HttpConfig = am.Global.HttpConfig };
            await deliverer.UpdateAsync("pagerduty", new PagerDutyReceipt(p.Url, p.RoutingKey, p.DedupKey, receiptConfig), notification, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The dedup key of an escalation page for this alert and routing key.</summary>
    public static string DedupKey(string alertId, string routingKey) => PagerDutyNotifier.DedupKey(alertId, routingKey);

    private Notification NotificationFor(string receiver, Alert alert, IncidentRecord incident, EscalationDelivery delivery, DateTimeOffset now)
    {
        var (_, templates) = config.Alertmanager();
        // The notification is about the alert as it stands: firing alerts carry no end time, as in group flushes.
        var shown = alert.IsResolvedAt(now) ? alert : alert with { EndsAt = null };
        return new Notification(receiver, alert.Labels.Keep(["alertname"]), [shown], now, options.Value.ExternalUrl, EscalationGroupKey(alert.Fingerprint))
        {
            Templates = templates,
            Incident = new IncidentContext(incident.AlertId, AlertStatus.Firing, null, null, links.AcknowledgeUrl(incident.AlertId, delivery)),
            DeliveryId = delivery.Id,
            DueAt = delivery.DueAt,
        };
    }

    private static string EscalationGroupKey(string fingerprint) => "{}/escalation:" + fingerprint;

    [LoggerMessage(Level = LogLevel.Error, Message = "Escalation target {Target} of alert {AlertId} reaches nobody: {Problem}")]
    private static partial void LogNobody(ILogger logger, string target, string alertId, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Escalation of alert {AlertId} names receiver {Receiver}, which is not in the Alertmanager configuration")]
    private static partial void LogUnknownReceiver(ILogger logger, string receiver, string alertId);
}
