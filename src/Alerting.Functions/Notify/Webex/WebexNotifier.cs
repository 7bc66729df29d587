using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Functions.Notify.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.Webex;

/// <summary>
/// Alertmanager 0.25's Webex integration: one <c>POST {api_url}</c> (the Messages API) per notification with
/// <c>{"markdown": message, "roomId": room_id}</c>, the message truncated to Webex's 7439 bytes. The bot token
/// travels as <c>http_config.authorization</c>, which the shared HTTP client adds. 429 and 5xx are retried by
/// the shared pipeline (Webex's Retry-After honoured), anything else is permanent.
/// </summary>
public sealed partial class WebexNotifier(NotifyHttpClients clients, ILogger<WebexNotifier> logger) : Notifier<WebexConfig>
{
    /// <summary>Webex's limit on a message (bytes); Alertmanager truncates to it.</summary>
    public const int MaxMessageBytes = 7439;

    public override string Kind => "webex";

    protected override async Task<DeliveryReceipt?> SendAsync(WebexConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var templater = new Templater(notification.Templates, notification.Data());
        var body = Message(config, templater, out var truncated);
        templater.Report(logger, integration.Id, notification.Receiver);
        if (truncated)
        {
            LogTruncated(logger, notification.GroupKey, MaxMessageBytes);
        }
        await NotifyRequests.PostJsonAsync(clients.For(config.HttpConfig), config.ApiUrl, body, Kind, ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>The body Alertmanager 0.25 posts (Go's json.Encoder: one line and a newline).</summary>
    public static string Message(WebexConfig c, Templater t, out bool truncated)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(t);
        var rendered = t.Text(c.Message);
        var markdown = Truncate.InBytes(rendered, MaxMessageBytes);
        truncated = !ReferenceEquals(markdown, rendered);
        var o = new JsonObject { ["markdown"] = markdown };
        if (c.RoomId.Length > 0)
        {
            o["roomId"] = c.RoomId;
        }
        return o.ToJsonString(NotifyRequests.Json) + "\n";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Truncated message for group {GroupKey} to {MaxBytes} bytes")]
    private static partial void LogTruncated(ILogger logger, string groupKey, int maxBytes);
}
