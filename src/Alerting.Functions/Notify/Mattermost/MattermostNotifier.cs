using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Functions.Notify.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.Mattermost;

/// <summary>
/// Alertmanager's Mattermost integration (<c>mattermost</c>, first in Alertmanager 0.30): one <c>POST</c> per
/// notification to the incoming webhook (read from <c>webhook_url_file</c> per send when given) with the
/// templated text (cut to Mattermost's 16383 runes), the optional channel, username, icon, type, Slack-style
/// attachments, <c>props.card</c> and message priority. A webhook cannot edit a post, so there is no update.
/// 5xx (and 408/429, which Mattermost answers when rate limited) are retried by the shared pipeline,
/// anything else is permanent.
/// </summary>
public sealed partial class MattermostNotifier(NotifyHttpClients clients, ILogger<MattermostNotifier> logger) : Notifier<MattermostConfig>
{
    /// <summary>Mattermost's limit on a post's message.</summary>
    public const int MaxTextRunes = 16383;

    public override string Kind => "mattermost";

    protected override async Task<DeliveryReceipt?> SendAsync(MattermostConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var url = config.WebhookUrl ?? NotifySecrets.ReadFile(config.WebhookUrlFile, "mattermost: read webhook_url_file");
        if (url.Length == 0)
        {
            throw new PermanentNotificationException("mattermost: webhook url missing");
        }
        var templater = new Templater(notification.Templates, notification.Data());
        var body = Message(config, templater, warning => LogAdjusted(logger, integration.Id, notification.GroupKey, warning));
        templater.Report(logger, integration.Id, notification.Receiver);
        await NotifyRequests.PostJsonAsync(clients.For(config.HttpConfig), url, body, Kind, ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// The request Alertmanager 0.30 posts, in its field order (Go's json.Encoder: one line and a newline):
    /// <c>text</c> always, every other field only when not empty; <paramref name="warn"/> hears what was adjusted.
    /// </summary>
    public static string Message(MattermostConfig c, Templater t, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(t);
        var text = t.Text(c.Text);
        var cut = Truncate.InRunes(text, MaxTextRunes);
        if (!ReferenceEquals(cut, text))
        {
            warn?.Invoke($"text truncated to {MaxTextRunes} runes");
        }
        var message = new JsonObject { ["text"] = cut };
        Add(message, "channel", t.Text(c.Channel));
        Add(message, "username", t.Text(c.Username));
        Add(message, "icon_url", t.Text(c.IconUrl));
        Add(message, "icon_emoji", t.Text(c.IconEmoji));
        if (c.Attachments.Count > 0)
        {
            message["attachments"] = new JsonArray([.. c.Attachments.Select(a => (JsonNode)Attachment(a, t))]);
        }
        Add(message, "type", t.Text(c.Type));
        if (c.Card.Length > 0)
        {
            var props = new JsonObject();
            Add(props, "card", t.Text(c.Card));
            message["props"] = props;
        }
        if (c.Priority is { Priority.Length: > 0 } p)
        {
            message["priority"] = Priority(p, t.Text(p.Priority), warn);
        }
        return message.ToJsonString(NotifyRequests.Json) + "\n";
    }

    private static JsonObject Attachment(MattermostAttachment a, Templater t)
    {
        var o = new JsonObject();
        Add(o, "fallback", t.Text(a.Fallback));
        Add(o, "color", t.Text(a.Color));
        Add(o, "pretext", t.Text(a.Pretext));
        Add(o, "text", t.Text(a.Text));
        Add(o, "author_name", t.Text(a.AuthorName));
        Add(o, "author_link", t.Text(a.AuthorLink));
        Add(o, "author_icon", t.Text(a.AuthorIcon));
        Add(o, "title", t.Text(a.Title));
        Add(o, "title_link", t.Text(a.TitleLink));
        if (a.Fields.Count > 0)
        {
            o["fields"] = new JsonArray([.. a.Fields.Select(f =>
            {
                var field = new JsonObject();
                Add(field, "title", t.Text(f.Title));
                Add(field, "value", t.Text(f.Value));
                if (f.Short is { } s)
                {
                    field["short"] = s;
                }
                return (JsonNode)field;
            })]);
        }
        Add(o, "thumb_url", t.Text(a.ThumbUrl));
        Add(o, "footer", t.Text(a.Footer));
        Add(o, "footer_icon", t.Text(a.FooterIcon));
        Add(o, "image_url", t.Text(a.ImageUrl));
        return o;
    }

    /// <summary>
    /// Alertmanager's sanitising: an unknown priority becomes <c>standard</c>; an acknowledgement is only
    /// requested above standard, persistent notifications only for <c>urgent</c>.
    /// </summary>
    private static JsonObject Priority(MattermostPriority p, string priority, Action<string>? warn)
    {
        var level = priority.ToLowerInvariant();
        if (level is not ("urgent" or "important" or "standard"))
        {
            warn?.Invoke($"priority \"{priority}\" is not urgent, important or standard: sent as standard");
            level = "standard";
        }
        var ack = p.RequestedAck;
        if (ack && level == "standard")
        {
            warn?.Invoke("requested_ack dropped: the priority is standard");
            ack = false;
        }
        var persistent = p.PersistentNotifications;
        if (persistent && level != "urgent")
        {
            warn?.Invoke("persistent_notifications dropped: the priority is not urgent");
            persistent = false;
        }
        var o = new JsonObject { ["priority"] = level };
        if (ack)
        {
            o["requested_ack"] = true;
        }
        if (persistent)
        {
            o["persistent_notifications"] = true;
        }
        return o;
    }

    private static void Add(JsonObject o, string key, string value)
    {
        if (value.Length > 0)
        {
            o[key] = value;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mattermost integration {Integration} adjusted the message for group {GroupKey}: {Adjustment}")]
    private static partial void LogAdjusted(ILogger logger, string integration, string groupKey, string adjustment);
}
