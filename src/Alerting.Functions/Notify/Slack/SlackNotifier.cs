using System.Text.Json.Nodes;
using Alerting.Core.Acknowledgement;
using Alerting.Core.Alertmanager;
using Alerting.Core.Config;
using Alerting.Core.Notify;
using Alerting.Core.Notify.Slack;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.Slack;

/// <summary>
/// Alertmanager's Slack integration. A group notification is Alertmanager's message (one attachment
/// rendered from the config's templates, fields and actions), posted to <c>api_url</c>: an incoming
/// webhook, or <c>chat.postMessage</c> with the config's <c>app_token</c> or http_config authorization.
/// An escalation step is a Block Kit message with an Acknowledge button, posted with the deployment's
/// bot token (so it can be edited later; <see cref="UpdateAsync"/>), or to the webhook without one.
/// </summary>
public sealed partial class SlackNotifier(SlackWebApi webApi, ILogger<SlackNotifier> logger) : Notifier<SlackConfig>, IUpdatingNotifier
{
    /// <summary>Alertmanager's maxTitleLenRunes.</summary>
    public const int MaxTitleRunes = 1024;

    private static readonly SlackMessageBuilder BlockKit = new();

    public override string Kind => "slack";

    protected override async Task<DeliveryReceipt?> SendAsync(SlackConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var url = config.ApiUrl ?? HttpClientConfigs.ReadSecret(config.ApiUrlFile)?.Trim() ?? throw new PermanentNotificationException("slack_config has no api_url");
        var token = config.AppToken ?? HttpClientConfigs.ReadSecret(config.AppTokenFile)?.Trim();
        if (notification.Incident is not null)
        {
            return await SendEscalationAsync(config, url, token, notification, ct).ConfigureAwait(false);
        }
        var templater = new Templater(notification.Templates, notification.Data());
        var body = Build(config, templater);
        templater.Report(logger, integration.Id, notification.Receiver);
        if (WebApiBase(url) is { } apiBase && notification.SendKey is { } sendKey)
        {
            SlackSendMarker.AddTo(body, sendKey);
            var channel = body["channel"]?.GetValue<string>() ?? string.Empty;
            if (await FindEarlierPostAsync(apiBase, token, config.HttpConfig, channel, integration, notification, ct).ConfigureAwait(false) is not null)
            {
                return null;
            }
        }
        await webApi.CallAsync(url, token, body, config.HttpConfig, ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// How far before an unrecorded attempt's start (our clock) its post can carry a Slack timestamp (Slack's
    /// clock): clock skew between two NTP-synchronised systems, with a wide margin.
    /// </summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);

    /// <summary>
    /// On a send an earlier attempt may have made without a record (it crashed or failed after Slack
    /// accepted the post), looks for that post by its marker: found, its channel/ts stands for this send.
    /// Any failure to look (a token without channels:history, a channel given by name, Slack down) falls
    /// back to posting: at-least-once, said once in the log.
    /// </summary>
    private async Task<SlackReceipt?> FindEarlierPostAsync(string apiBase, string? token, HttpClientConfig http, string channel, Integration integration, Notification notification, CancellationToken ct)
    {
        if (notification.UnrecordedAttemptSince is not { } since || notification.SendKey is not { } sendKey)
        {
            return null;
        }
        string? reason;
        if (!SlackSendMarker.IsConversationId(channel))
        {
            reason = $"channel '{channel}' is a name, and conversations.history takes only a channel id";
        }
        else
        {
            try
            {
                var found = await webApi.FindPostAsync(apiBase, token, http, channel, sendKey, since - ClockSkew, ct).ConfigureAwait(false);
                if (found is not null)
                {
                    LogFoundEarlierPost(logger, integration.Id, notification.Receiver, found.Channel, found.Ts);
                }
                return found;
            }
            catch (Exception e) when (e is HttpRequestException or PermanentNotificationException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                reason = e.Message;
            }
        }
        LogLookupFailed(logger, integration.Id, notification.Receiver, reason);
        return null;
    }

    /// <summary>The Web API's base URL (ending in <c>/</c>) when <paramref name="url"/> is <c>chat.postMessage</c>; null for an incoming webhook.</summary>
    private static string? WebApiBase(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.AbsolutePath.EndsWith("/chat.postMessage", StringComparison.Ordinal)
            ? uri.GetLeftPart(UriPartial.Path)[..^"chat.postMessage".Length]
            : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Slack {Integration} of {Receiver}: an earlier unrecorded attempt already posted this notification ({Channel} {Ts}); recorded it instead of posting again")]
    private static partial void LogFoundEarlierPost(ILogger logger, string integration, string receiver, string channel, string ts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack {Integration} of {Receiver}: could not check whether an earlier unrecorded attempt already posted this notification, so it is posted again and may show twice: {Reason}")]
    private static partial void LogLookupFailed(ILogger logger, string integration, string receiver, string reason);

    private async Task<DeliveryReceipt?> SendEscalationAsync(SlackConfig config, string url, string? token, Notification notification, CancellationToken ct)
    {
        var message = BlockKit.Build(Snapshot(notification), Change(notification));
        if (webApi.IsConfigured && !string.IsNullOrEmpty(config.Channel) && !config.Channel.Contains("{{", StringComparison.Ordinal))
        {
            return await webApi.PostMessageAsync(config.Channel, message, ct).ConfigureAwait(false);
        }
        // Without a bot token the message still goes out (with its button), but cannot be edited later.
        await webApi.CallAsync(url, token, SlackRequests.IncomingWebhook(message), config.HttpConfig, ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>Edits a posted escalation message to show the incident's state (who acknowledged or resolved it, and when).</summary>
    public Task UpdateAsync(DeliveryReceipt receipt, Notification notification, CancellationToken ct)
    {
        if (receipt is not SlackReceipt slack || !webApi.IsConfigured)
        {
            return Task.CompletedTask;
        }
        return webApi.UpdateAsync(slack, BlockKit.Build(Snapshot(notification), Change(notification)), ct);
    }

    /// <summary>Sends one escalation message to a person's Slack user id (a direct message from the bot).</summary>
    public Task<SlackReceipt> PostDirectAsync(string userId, Notification notification, CancellationToken ct) =>
        webApi.PostMessageAsync(userId, BlockKit.Build(Snapshot(notification), Change(notification)), ct);

    public bool CanPostDirect => webApi.IsConfigured;

    private static AlertGroupSnapshot Snapshot(Notification n) =>
        new(n.Incident?.AlertId ?? n.GroupKey, n.Alerts, n.Now);

    private static SlackStatusChange? Change(Notification n) =>
        n.Incident is { Status: not AlertStatus.Firing } i ? new SlackStatusChange(i.Status, i.ChangedBy ?? "alerting", i.ChangedAt ?? n.Now) : null;

    /// <summary>The request Alertmanager's Slack notifier sends, field for field and in its order.</summary>
    public static JsonObject Build(SlackConfig c, Templater t)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(t);
        var title = Truncate.InRunes(t.Text(c.Title), MaxTitleRunes);
        var attachment = new JsonObject();
        Add(attachment, "title", title);
        Add(attachment, "title_link", t.Text(c.TitleLink));
        Add(attachment, "pretext", t.Text(c.Pretext));
        attachment["text"] = t.Text(c.Text);
        attachment["fallback"] = t.Text(c.Fallback);
        attachment["callback_id"] = t.Text(c.CallbackId);
        if (c.Fields.Count > 0)
        {
            var fields = new JsonArray();
            foreach (var f in c.Fields)
            {
                var field = new JsonObject();
                Add(field, "title", t.Text(f.Title));
                Add(field, "value", t.Text(f.Value));
                field["short"] = f.Short ?? c.ShortFields;
                fields.Add(field);
            }
            attachment["fields"] = fields;
        }
        if (c.Actions.Count > 0)
        {
            var actions = new JsonArray();
            foreach (var a in c.Actions)
            {
                var action = new JsonObject();
                Add(action, "type", t.Text(a.Type));
                Add(action, "text", t.Text(a.Text));
                Add(action, "url", t.Text(a.Url));
                Add(action, "style", t.Text(a.Style));
                Add(action, "name", t.Text(a.Name));
                Add(action, "value", t.Text(a.Value));
                if (a.Confirm is { } confirm)
                {
                    var field = new JsonObject();
                    Add(field, "text", t.Text(confirm.Text));
                    Add(field, "title", t.Text(confirm.Title));
                    Add(field, "ok_text", t.Text(confirm.OkText));
                    Add(field, "dismiss_text", t.Text(confirm.DismissText));
                    action["confirm"] = field;
                }
                actions.Add(action);
            }
            attachment["actions"] = actions;
        }
        Add(attachment, "image_url", t.Text(c.ImageUrl));
        Add(attachment, "thumb_url", t.Text(c.ThumbUrl));
        attachment["footer"] = t.Text(c.Footer);
        Add(attachment, "color", t.Text(c.Color));
        attachment["mrkdwn_in"] = new JsonArray(c.MrkdwnIn.Select(m => (JsonNode?)JsonValue.Create(m)).ToArray());

        var request = new JsonObject();
        Add(request, "channel", t.Text(c.Channel));
        Add(request, "username", t.Text(c.Username));
        Add(request, "icon_emoji", t.Text(c.IconEmoji));
        Add(request, "icon_url", t.Text(c.IconUrl));
        if (c.LinkNames)
        {
            request["link_names"] = true;
        }
        request["attachments"] = new JsonArray(attachment);
        return request;
    }

    /// <summary>Go's <c>omitempty</c> for a string.</summary>
    private static void Add(JsonObject o, string key, string value)
    {
        if (value.Length > 0)
        {
            o[key] = value;
        }
    }
}
