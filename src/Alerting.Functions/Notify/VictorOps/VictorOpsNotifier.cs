using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Functions.Notify.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.VictorOps;

/// <summary>
/// Alertmanager 0.25's VictorOps (Splunk On-Call) integration: one <c>POST {api_url}{api_key}/{routing_key}</c>
/// to the REST endpoint per notification, a flat JSON object of strings. <c>entity_id</c> is the SHA-256 of the
/// group key, so VictorOps keeps one incident per group; <c>message_type</c> is the configured one while firing
/// (CRITICAL when it is not CRITICAL, WARNING or INFO) and RECOVERY once everything resolved, which closes the
/// incident. The key is in the URL's path, so the URL never appears in errors. 429 and 5xx are retried by
/// the shared pipeline, anything else is permanent.
/// </summary>
public sealed partial class VictorOpsNotifier(NotifyHttpClients clients, ILogger<VictorOpsNotifier> logger) : Notifier<VictorOpsConfig>
{
    /// <summary>VictorOps' limit on <c>state_message</c> (runes); Alertmanager truncates to it.</summary>
    public const int MaxStateMessageRunes = 20480;

    public override string Kind => "victorops";

    protected override async Task<DeliveryReceipt?> SendAsync(VictorOpsConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var apiKey = string.IsNullOrEmpty(config.ApiKey) ? NotifySecrets.ReadFile(config.ApiKeyFile, "victorops: read api_key_file") : config.ApiKey;
        var templater = new Templater(notification.Templates, notification.Data());
        var url = config.ApiUrl + apiKey + "/" + templater.Text(config.RoutingKey);
        var body = Payload(config, notification.GroupKeyHash, templater, out var truncated);
        templater.Report(logger, integration.Id, notification.Receiver);
        if (truncated)
        {
            LogTruncated(logger, notification.GroupKey, MaxStateMessageRunes);
        }
        await NotifyRequests.PostJsonAsync(clients.For(config.HttpConfig), url, body, Kind, ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>The body Alertmanager 0.25 posts: a map of strings, keys sorted as Go encodes a map, one line.</summary>
    public static string Payload(VictorOpsConfig c, string entityId, Templater t, out bool truncated)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(t);
        var messageType = t.Text(c.MessageType);
        if (t.Data.Status == "resolved")
        {
            messageType = "RECOVERY";
        }
        else if (messageType is not ("INFO" or "WARNING" or "CRITICAL"))
        {
            messageType = "CRITICAL";
        }
        var rendered = t.Text(c.StateMessage);
        var stateMessage = Truncate.InRunes(rendered, MaxStateMessageRunes);
        truncated = !ReferenceEquals(stateMessage, rendered);
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["message_type"] = messageType,
            ["entity_id"] = entityId,
            ["entity_display_name"] = t.Text(c.EntityDisplayName),
            ["state_message"] = stateMessage,
            ["monitoring_tool"] = t.Text(c.MonitoringTool),
        };
        foreach (var (k, v) in c.CustomFields)
        {
            fields[k] = t.Text(v);
        }
        var o = new JsonObject(fields.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)f.Value)));
        return o.ToJsonString(NotifyRequests.Json) + "\n";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Truncated state_message for group {GroupKey} to {MaxRunes} runes")]
    private static partial void LogTruncated(ILogger logger, string groupKey, int maxRunes);
}
