using System.Text.Json;
using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Functions.Notify.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.Rocketchat;

/// <summary>
/// Alertmanager's Rocket.Chat integration (<c>rocketchat</c>, first in Alertmanager 0.28): one
/// <c>POST {api_url}/api/v1/chat.postMessage</c> per notification, authenticated with the personal access
/// token in <c>X-Auth-Token</c> and <c>X-User-Id</c> (files read per send), carrying one attachment (title
/// cut to 1024 runes, link, text, colour, images, fields, buttons) plus emoji and avatar. Status 5xx (and
/// 408/429) are retried by the shared pipeline, any other failing status is permanent; a 200 whose body
/// says <c>"success": false</c> is permanent, one that is not JSON transient, as in Alertmanager.
/// </summary>
public sealed class RocketchatNotifier(NotifyHttpClients clients, ILogger<RocketchatNotifier> logger) : Notifier<RocketchatConfig>
{
    public const int MaxTitleRunes = 1024;

    public override string Kind => "rocketchat";

    protected override async Task<DeliveryReceipt?> SendAsync(RocketchatConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var token = config.Token ?? NotifySecrets.ReadFile(config.TokenFile, "rocketchat: read token_file");
        var tokenId = config.TokenId ?? NotifySecrets.ReadFile(config.TokenIdFile, "rocketchat: read token_id_file");
        var templater = new Templater(notification.Templates, notification.Data());
        var body = Message(config, templater);
        templater.Report(logger, integration.Id, notification.Receiver);
        var url = config.ApiUrl.TrimEnd('/') + "/api/v1/chat.postMessage";
        using var response = await NotifyRequests.SendAsync(clients.For(config.HttpConfig), HttpMethod.Post, url, NotifyRequests.Content(body), ct, r =>
        {
            r.Headers.Add("X-Auth-Token", token);
            r.Headers.Add("X-User-Id", tokenId);
        }).ConfigureAwait(false);
        await DeliveryResponses.EnsureDeliveredAsync(response, $"rocketchat: channel \"{config.Channel}\"", ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        bool success;
        string? error;
        try
        {
            using var doc = JsonDocument.Parse(text);
            success = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("success", out var s) && s.ValueKind == JsonValueKind.True;
            error = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        }
        catch (JsonException)
        {
            throw new TransientNotificationException($"rocketchat: channel \"{config.Channel}\": could not unmarshal JSON response \"{DeliveryResponses.Truncate(text)}\"");
        }
        if (!success)
        {
            throw new PermanentNotificationException($"rocketchat: channel \"{config.Channel}\": error response from Rocketchat: {error}");
        }
        return null;
    }

    /// <summary>The chat.postMessage body Alertmanager 0.28 posts, in its field order (Go's json.Encoder: one line and a newline).</summary>
    public static string Message(RocketchatConfig c, Templater t)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(t);
        var attachment = new JsonObject();
        Add(attachment, "title", Truncate.InRunes(t.Text(c.Title), MaxTitleRunes));
        Add(attachment, "title_link", t.Text(c.TitleLink));
        Add(attachment, "text", t.Text(c.Text));
        Add(attachment, "image_url", t.Text(c.ImageUrl));
        Add(attachment, "thumb_url", t.Text(c.ThumbUrl));
        Add(attachment, "color", t.Text(c.Color));
        if (c.Fields.Count > 0)
        {
            attachment["fields"] = new JsonArray([.. c.Fields.Select(f =>
            {
                var field = new JsonObject { ["short"] = f.Short ?? c.ShortFields };
                Add(field, "title", t.Text(f.Title));
                Add(field, "value", t.Text(f.Value));
                return (JsonNode)field;
            })]);
        }
        if (c.Actions.Count > 0)
        {
            attachment["actions"] = new JsonArray([.. c.Actions.Select(a =>
            {
                var action = new JsonObject { ["type"] = "button" };
                Add(action, "text", t.Text(a.Text));
                Add(action, "url", t.Text(a.Url));
                action["is_webview"] = false;
                Add(action, "msg", t.Text(a.Msg));
                action["msg_in_chat_window"] = false;
                return (JsonNode)action;
            })]);
        }
        var message = new JsonObject();
        Add(message, "channel", c.Channel);
        Add(message, "emoji", t.Text(c.Emoji));
        Add(message, "avatar", t.Text(c.IconUrl));
        message["attachments"] = new JsonArray(attachment);
        return message.ToJsonString(NotifyRequests.Json) + "\n";
    }

    private static void Add(JsonObject o, string key, string value)
    {
        if (value.Length > 0)
        {
            o[key] = value;
        }
    }
}
