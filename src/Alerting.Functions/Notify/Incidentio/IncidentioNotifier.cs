using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Alerting.Core.Alertmanager;
using Alerting.Core.Templating;
using Alerting.Functions.Notify.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.Incidentio;

/// <summary>
/// Alertmanager 0.29's incident.io integration: one JSON POST per notification to the alert source's URL
/// (<c>url</c>, or <c>url_file</c> read at each send) with the webhook's body at <c>"version":"1"</c>
/// (template data, <c>groupKey</c>, <c>truncatedAlerts</c>), the alerts cut to <c>max_alerts</c>. A body
/// over incident.io's 512 KiB keeps only its first alert, as 0.29 does (truncatedAlerts unchanged). The
/// alert source token (or its file, read at each send) is the Bearer token in place of
/// <c>http_config.authorization</c>. 429 and 5xx are retried; other answers are permanent, with
/// incident.io's <c>message</c>/<c>error</c>/<c>errors</c> in the error.
/// </summary>
public sealed partial class IncidentioNotifier(NotifyHttpClients clients, ILogger<IncidentioNotifier> logger) : Notifier<IncidentioConfig>
{
    /// <summary>The largest body incident.io accepts.</summary>
    public const int MaxPayloadBytes = 512 * 1024;

    public override string Kind => "incidentio";

    protected override async Task<DeliveryReceipt?> SendAsync(IncidentioConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var body = Body(notification.Data(config.MaxAlerts), out var originalBytes);
        if (originalBytes is { } original)
        {
            var size = Encoding.UTF8.GetByteCount(body);
            LogPayloadCut(logger, notification.GroupKey, original, size, MaxPayloadBytes, size > MaxPayloadBytes ? "still exceeds the limit and is likely to be refused" : "fits");
        }
        var url = config.Url ?? NotifySecrets.ReadFile(config.UrlFile, "incidentio: read url_file");
        if (url.Length == 0)
        {
            throw new PermanentNotificationException("incidentio: url_file is empty");
        }
        var token = config.AlertSourceToken ?? (config.AlertSourceTokenFile is null ? null : NotifySecrets.ReadFile(config.AlertSourceTokenFile, "incidentio: read alert_source_token_file"));
        Action<HttpRequestMessage>? auth = string.IsNullOrEmpty(token) ? null : request => request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await NotifyRequests.PostJsonAsync(clients.For(config.HttpConfig, config.Timeout), url, body, Kind, ct, auth, ErrorDetails).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// The message as Go's json.Encoder writes it (one line and a newline). Over <see cref="MaxPayloadBytes"/>
    /// only the first alert is kept; <paramref name="originalBytes"/> is then the size before.
    /// </summary>
    public static string Body(NotificationData data, out int? originalBytes)
    {
        ArgumentNullException.ThrowIfNull(data);
        var body = data.ToWebhookJson("1") + "\n";
        originalBytes = null;
        var size = Encoding.UTF8.GetByteCount(body);
        if (size <= MaxPayloadBytes || data.Alerts.Count == 0)
        {
            return body;
        }
        originalBytes = size;
        var first = new NotificationData
        {
            Receiver = data.Receiver,
            Status = data.Status,
            Alerts = new AlertList([data.Alerts[0]]),
            GroupLabels = data.GroupLabels,
            CommonLabels = data.CommonLabels,
            CommonAnnotations = data.CommonAnnotations,
            ExternalURL = data.ExternalURL,
            GroupKey = data.GroupKey,
            TruncatedAlerts = data.TruncatedAlerts,
        };
        return first.ToWebhookJson("1") + "\n";
    }

    /// <summary>0.29's errDetails: <c>message</c>, <c>error</c> and the <c>errors</c> strings joined by ": "; the body itself when it is not that JSON.</summary>
    private static string ErrorDetails(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var parts = new List<string>();
            foreach (var name in new[] { "message", "error" })
            {
                if (root.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String && p.GetString() is { Length: > 0 } s)
                {
                    parts.Add(s);
                }
            }
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                var texts = errors.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()
                    : e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null)
                    .Where(t => !string.IsNullOrEmpty(t)).ToList();
                if (texts.Count > 0)
                {
                    parts.Add(string.Join(", ", texts));
                }
            }
            return parts.Count > 0 ? string.Join(": ", parts) : DeliveryResponses.Truncate(body);
        }
        catch (JsonException)
        {
            return DeliveryResponses.Truncate(body);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kept only the first alert of group {GroupKey} for incident.io's payload limit: {OriginalBytes} -> {FinalBytes} bytes (limit {MaxBytes}); the body {Outcome}")]
    private static partial void LogPayloadCut(ILogger logger, string groupKey, int originalBytes, int finalBytes, int maxBytes, string outcome);
}
