using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Functions.Notify.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.Telegram;

/// <summary>
/// Alertmanager's Telegram integration: one Bot API <c>sendMessage</c> per notification,
/// <c>POST {api_url}/bot{token}/sendMessage</c> with the string map its Telegram client (telebot) sends:
/// <c>chat_id</c>, <c>text</c> (the message, truncated to Telegram's 4096 runes), <c>parse_mode</c> unless
/// empty, <c>disable_web_page_preview</c> always and <c>disable_notification</c> when configured. With
/// parse_mode HTML the message is templated with HTML escaping, as Alertmanager does. Alertmanager retries
/// every failed send (any status, or <c>"ok": false</c>), so every failure here is transient, with
/// Telegram's <c>retry_after</c> kept for a 429.
/// </summary>
public sealed partial class TelegramNotifier(NotifyHttpClients clients, ILogger<TelegramNotifier> logger) : Notifier<TelegramConfig>
{
    /// <summary>Telegram's limit on a message's text (runes); Alertmanager truncates to it.</summary>
    public const int MaxMessageRunes = 4096;

    public override string Kind => "telegram";

    protected override async Task<DeliveryReceipt?> SendAsync(TelegramConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var templater = new Templater(notification.Templates, notification.Data());
        var text = config.ParseMode == "HTML" ? templater.Html(config.Message) : templater.Text(config.Message);
        var body = Body(config, ChatId(config), text, out var truncated);
        templater.Report(logger, integration.Id, notification.Receiver);
        if (truncated)
        {
            LogTruncated(logger, notification.GroupKey, MaxMessageRunes);
        }
        var url = $"{config.ApiUrl}/bot{BotToken(config)}/sendMessage";
        using var response = await NotifyRequests.SendAsync(clients.For(config.HttpConfig), HttpMethod.Post, url, NotifyRequests.Content(body), ct).ConfigureAwait(false);
        var answer = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        EnsureSent(response, answer);
        return null;
    }

    /// <summary>The <c>sendMessage</c> body as telebot encodes it: a map of strings, keys sorted (Go's map encoding), one line.</summary>
    public static string Body(TelegramConfig c, long chatId, string text, out bool truncated)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(text);
        var message = Truncate.InRunes(text, MaxMessageRunes);
        truncated = !ReferenceEquals(message, text);
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["chat_id"] = chatId.ToString(CultureInfo.InvariantCulture),
            ["text"] = message,
            ["disable_web_page_preview"] = "true",
        };
        if (c.ParseMode.Length > 0)
        {
            fields["parse_mode"] = c.ParseMode;
        }
        if (c.DisableNotifications)
        {
            fields["disable_notification"] = "true";
        }
        if (c.MessageThreadId != 0)
        {
            fields["message_thread_id"] = c.MessageThreadId.ToString(CultureInfo.InvariantCulture);
        }
        var o = new JsonObject(fields.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)f.Value)));
        return o.ToJsonString(NotifyRequests.Json) + "\n";
    }

    /// <summary>Telegram answers <c>{"ok": true, "result": ...}</c>; anything else failed and Alertmanager retries it.</summary>
    private static void EnsureSent(HttpResponseMessage response, string answer)
    {
        JsonObject? o = null;
        try
        {
            o = JsonNode.Parse(answer) as JsonObject;
        }
        catch (JsonException)
        {
        }
        if (response.IsSuccessStatusCode && o?["ok"] is JsonValue ok && ok.GetValueKind() == JsonValueKind.True)
        {
            return;
        }
        var description = o?["description"] is JsonValue d && d.GetValueKind() == JsonValueKind.String ? d.GetValue<string>() : DeliveryResponses.Truncate(answer);
        var code = o?["error_code"] is JsonValue c && c.GetValueKind() == JsonValueKind.Number ? c.GetValue<int>() : (int)response.StatusCode;
        RetryConditionHeaderValue? retryAfter = response.Headers.RetryAfter;
        if (o?["parameters"]?["retry_after"] is JsonValue r && r.GetValueKind() == JsonValueKind.Number)
        {
            retryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(r.GetValue<double>()));
        }
        throw new TransientNotificationException($"telegram: {description} ({code})", (HttpStatusCode)code, retryAfter);
    }

    /// <summary>The token, its file read at each send (a rotated token is picked up) and trimmed.</summary>
    private static string BotToken(TelegramConfig c)
    {
        if (!string.IsNullOrEmpty(c.BotToken))
        {
            return c.BotToken;
        }
        return NotifySecrets.ReadFile(c.BotTokenFile, "telegram: read bot_token_file");
    }

    /// <summary>The chat, from <c>chat_id</c> or read from <c>chat_id_file</c> at each send.</summary>
    private static long ChatId(TelegramConfig c)
    {
        if (c.ChatIdFile is null)
        {
            return c.ChatId;
        }
        var content = NotifySecrets.ReadFile(c.ChatIdFile, "telegram: read chat_id_file");
        return long.TryParse(content, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id) && id != 0
            ? id
            : throw new PermanentNotificationException($"telegram: chat_id_file {c.ChatIdFile} does not hold a chat id");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Truncated message for group {GroupKey} to {MaxRunes} runes")]
    private static partial void LogTruncated(ILogger logger, string groupKey, int maxRunes);
}
