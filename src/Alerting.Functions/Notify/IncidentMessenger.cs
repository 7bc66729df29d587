using Alerting.Core.Acknowledgement;
using Alerting.Core.Alertmanager;
using Alerting.Core.Escalation;
using Alerting.Core.Model;
using Alerting.Core.Notify;
using Alerting.Core.Notify.PagerDuty;
using Alerting.Core.Notify.Slack;
using Alerting.Core.Templating;
using Alerting.Functions.Options;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Notify;

/// <summary>Where one escalation delivery left something that later updates must reach.</summary>
public sealed record DeliveryRefs(IReadOnlyList<SlackMessageRef> Slack, IReadOnlyList<PagerDutyRef> PagerDuty)
{
    public static readonly DeliveryRefs None = new([], []);
}

/// <summary>
/// Sends escalation steps for one alert and keeps what was sent in step with the operators' actions.
/// A step to a receiver uses each of its integrations: Slack as a Block Kit message with an Acknowledge
/// button (chat.postMessage with the bot token, so it can be updated; the webhook otherwise), email from
/// Alertmanager's templates plus a signed one-click Acknowledge link, PagerDuty as a trigger keyed per
/// alert and routing key, webhooks as Alertmanager's JSON. A step to an on-call person uses their own
/// contacts. Updates (acknowledge, resolve) edit the Slack messages and acknowledge/resolve PagerDuty.
/// </summary>
public sealed partial class IncidentMessenger(
    ConfigProvider config,
    SlackWebApi slackApi,
    PagerDutyNotifier pagerDuty,
    WebhookNotifier webhook,
    IHttpClientFactory httpFactory,
    DeliveryRetrier retrier,
    LinkSigning links,
    IOptions<AlertingOptions> options,
    ILogger<IncidentMessenger> logger)
{
    private static readonly SlackMessageBuilder SlackBuilder = new();
    private static readonly PagerDutyEventBuilder PagerDutyBuilder = new();

    public async Task<DeliveryRefs> NotifyAsync(EscalationRecipient recipient, Alert alert, IncidentRecord incident, DateTimeOffset now, CancellationToken ct)
    {
        if (recipient.Problem is not null)
        {
            LogNobody(logger, recipient.Target.ToString(), incident.AlertId, recipient.Problem);
            return DeliveryRefs.None;
        }
        var (am, templates) = config.Alertmanager();
        if (recipient.Receiver is { } receiverName)
        {
            var receiver = am.Receivers.FirstOrDefault(r => r.Name == receiverName);
            if (receiver is null)
            {
                LogUnknownReceiver(logger, receiverName, incident.AlertId);
                return DeliveryRefs.None;
            }
            return await NotifyReceiverAsync(receiver, alert, incident, templates, now, ct).ConfigureAwait(false);
        }
        return await NotifyPersonAsync(recipient.Person!, am, alert, incident, templates, now, ct).ConfigureAwait(false);
    }

    private async Task<DeliveryRefs> NotifyReceiverAsync(Receiver receiver, Alert alert, IncidentRecord incident, TemplateSet templates, DateTimeOffset now, CancellationToken ct)
    {
        var slack = new List<SlackMessageRef>();
        var pages = new List<PagerDutyRef>();
        var notification = NotificationFor(receiver.Name, alert, now);
        var snapshot = new AlertGroupSnapshot(incident.AlertId, [alert], now);
        foreach (var integration in Integration.For(receiver))
        {
            switch (integration.Config)
            {
                case EmailConfig c:
                    await SendEmailAsync(c, integration.Id, notification, templates, incident.AlertId, ct).ConfigureAwait(false);
                    break;
                case SlackConfig c:
                    if (await PostSlackAsync(c, snapshot, ct).ConfigureAwait(false) is { } posted)
                    {
                        slack.Add(posted);
                    }
                    break;
                case PagerDutyConfig c:
                    pages.Add(await PageAsync(c.Url, PagerDutyNotifier.LiteralRoutingKey(c, "an escalation page"), snapshot, ct).ConfigureAwait(false));
                    break;
                case WebhookConfig:
                    await webhook.SendAsync(integration, notification, templates, ct).ConfigureAwait(false);
                    break;
                default:
                    LogUnsupported(logger, integration.Kind, receiver.Name);
                    break;
            }
        }
        return new DeliveryRefs(slack, pages);
    }

    private async Task<DeliveryRefs> NotifyPersonAsync(Core.OnCall.OnCallPerson person, AlertmanagerConfig am, Alert alert, IncidentRecord incident, TemplateSet templates, DateTimeOffset now, CancellationToken ct)
    {
        var slack = new List<SlackMessageRef>();
        var pages = new List<PagerDutyRef>();
        var snapshot = new AlertGroupSnapshot(incident.AlertId, [alert], now);
        var reached = false;
        if (!string.IsNullOrEmpty(person.PagerDuty))
        {
            pages.Add(await PageAsync(options.Value.PagerDutyEventsUrl, person.PagerDuty, snapshot, ct).ConfigureAwait(false));
            reached = true;
        }
        if (!string.IsNullOrEmpty(person.Slack) && slackApi.IsConfigured)
        {
            // Posting to a user id opens (or reuses) the bot's direct message with that person.
            var (channel, ts) = await slackApi.PostMessageAsync(person.Slack, SlackBuilder.Build(snapshot), ct).ConfigureAwait(false);
            slack.Add(new SlackMessageRef(channel, ts));
            reached = true;
        }
        if (!string.IsNullOrEmpty(person.Email) && !string.IsNullOrEmpty(am.Global.SmtpSmarthost))
        {
            var c = new EmailConfig
            {
                To = person.Email,
                From = am.Global.SmtpFrom ?? string.Empty,
                Smarthost = am.Global.SmtpSmarthost,
                AuthUsername = am.Global.SmtpAuthUsername,
                AuthPassword = am.Global.SmtpAuthPassword,
                AuthPasswordFile = am.Global.SmtpAuthPasswordFile,
                RequireTls = am.Global.SmtpRequireTls,
            };
            if (links.Signer is not null)
            {
                // A page to one person is read on a phone: the short, Slack-like variant with the button.
                c = c with { Html = AcknowledgeEmail.CompactHtml, Text = AcknowledgeEmail.CompactText };
            }
            await SendEmailAsync(c, "email", NotificationFor(person.Name, alert, now), templates, incident.AlertId, ct).ConfigureAwait(false);
            reached = true;
        }
        if (!reached)
        {
            LogNobody(logger, person.Name, incident.AlertId, "the person has no usable contact (pagerduty, slack with a bot token, or email with global smtp settings)");
        }
        return new DeliveryRefs(slack, pages);
    }

    /// <summary>Brings every message about the incident up to date with its state (idempotent: safe to repeat).</summary>
    public async Task SyncAsync(IncidentRecord incident, Alert? alert, DateTimeOffset now, CancellationToken ct)
    {
        var status = incident.Ack.EffectiveStatus(now);
        if (alert is not null && alert.IsResolvedAt(now))
        {
            status = AlertStatus.Resolved;
        }
        if (alert is not null && slackApi.IsConfigured)
        {
            var change = status == AlertStatus.Firing ? null : new SlackStatusChange(status, incident.Ack.By ?? "alerting", incident.Ack.Since);
            var message = SlackBuilder.Build(new AlertGroupSnapshot(incident.AlertId, [alert], now), change);
            foreach (var m in incident.Slack)
            {
                await slackApi.UpdateAsync(m.Channel, m.Ts, message, ct).ConfigureAwait(false);
            }
        }
        foreach (var p in incident.PagerDuty)
        {
            var ev = status switch
            {
                AlertStatus.Acknowledged or AlertStatus.Snoozed or AlertStatus.Silenced => PagerDutyEventBuilder.Acknowledge(p.RoutingKey, p.DedupKey),
                AlertStatus.Resolved => PagerDutyEventBuilder.Resolve(p.RoutingKey, p.DedupKey),
                _ => null,
            };
            if (ev is not null)
            {
                await pagerDuty.SendEventAsync(p.Url, ev, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The alert id a PagerDuty dedup key of ours belongs to, found among the incidents.</summary>
    public static string DedupKey(string alertId, string routingKey) => PagerDutyEventBuilder.DedupKeyFor(alertId + "\n" + routingKey);

    private async Task<PagerDutyRef> PageAsync(string url, string routingKey, AlertGroupSnapshot snapshot, CancellationToken ct)
    {
        // One incident per alert and service: a resent trigger (after a crash) joins the open incident.
        var dedup = DedupKey(snapshot.GroupId, routingKey);
        await pagerDuty.SendEventAsync(url, PagerDutyBuilder.Trigger(routingKey, snapshot, dedup), ct).ConfigureAwait(false);
        return new PagerDutyRef(url, routingKey, dedup);
    }

    private async Task<SlackMessageRef?> PostSlackAsync(SlackConfig c, AlertGroupSnapshot snapshot, CancellationToken ct)
    {
        var message = SlackBuilder.Build(snapshot);
        if (slackApi.IsConfigured && !string.IsNullOrEmpty(c.Channel) && !c.Channel.Contains("{{", StringComparison.Ordinal))
        {
            var (channel, ts) = await slackApi.PostMessageAsync(c.Channel, message, ct).ConfigureAwait(false);
            return new SlackMessageRef(channel, ts);
        }
        // Without a bot token the message still goes out (with its button), but cannot be edited later.
        var url = c.ApiUrl ?? SecretFile.Read(c.ApiUrlFile) ?? throw new PermanentNotificationException("slack_config has no api_url");
        var body = System.Text.Encoding.UTF8.GetBytes(SlackRequests.ToJson(SlackRequests.IncomingWebhook(message)));
        await HttpDelivery.PostJsonAsync(httpFactory.CreateClient("notify"), retrier, url, body, "slack", ct).ConfigureAwait(false);
        return null;
    }

    private async Task SendEmailAsync(EmailConfig c, string integrationId, Notification notification, TemplateSet templates, string alertId, CancellationToken ct)
    {
        var errors = new List<string>();
        var action = links.AcknowledgeUrl(alertId) is { } url ? new EmailAction("Acknowledge", url) : null;
        var message = EmailNotifier.Compose(c, notification, templates, errors, action);
        TemplateFallback.Report(logger, integrationId, notification.Receiver, errors);
        await EmailNotifier.SendMessageAsync(c, message, ct).ConfigureAwait(false);
    }

    private Notification NotificationFor(string receiver, Alert alert, DateTimeOffset now) =>
        new(receiver, alert.Labels.Keep(["alertname"]), [alert], now, options.Value.ExternalUrl, "{}/escalation:" + alert.Fingerprint);

    [LoggerMessage(Level = LogLevel.Error, Message = "Escalation target {Target} of alert {AlertId} reaches nobody: {Problem}")]
    private static partial void LogNobody(ILogger logger, string target, string alertId, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Escalation of alert {AlertId} names receiver {Receiver}, which is not in the Alertmanager configuration")]
    private static partial void LogUnknownReceiver(ILogger logger, string receiver, string alertId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Integration kind {Kind} of receiver {Receiver} is not delivered by escalation")]
    private static partial void LogUnsupported(ILogger logger, string kind, string receiver);
}
