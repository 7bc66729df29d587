using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alerting.Core.Acknowledgement;
using Alerting.Core.Alertmanager;
using Alerting.Core.Notify;
using Alerting.Core.Notify.PagerDuty;
using Alerting.Functions.Notify.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.PagerDuty;

/// <summary>
/// Alertmanager's PagerDuty integration. Events API v2 (<c>routing_key</c>): one event per flush,
/// <c>trigger</c> while any alert of the group fires and <c>resolve</c> once all are resolved, keyed by
/// the SHA-256 of the group key so PagerDuty keeps one incident per group (and a resend cannot open a
/// second one). The legacy Events API v1 (<c>service_key</c>) sends Alertmanager's v1 message. An
/// escalation step triggers one incident per alert and routing key, which <see cref="UpdateAsync"/>
/// acknowledges or resolves when an operator acts here.
/// </summary>
public sealed class PagerDutyNotifier(NotifyHttpClients clients, ILogger<PagerDutyNotifier> logger) : Notifier<PagerDutyConfig>, IUpdatingNotifier
{
    /// <summary>Alertmanager's limit on the encoded event; beyond it the custom details are replaced.</summary>
    public const int MaxEventBytes = 512_000;

    /// <summary>Where Alertmanager sends v1 events (it does not use <c>url</c> for them).</summary>
    public const string EventsV1Url = "https://events.pagerduty.com/generic/2010-04-15/create_event.json";

    public const string DefaultEventsV2Url = "https://events.pagerduty.com/v2/enqueue";

    private static readonly PagerDutyEventBuilder EscalationEvents = new();

    public override string Kind => "pagerduty";

    protected override async Task<DeliveryReceipt?> SendAsync(PagerDutyConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        if (notification.Incident is { } incident)
        {
            var routingKey = LiteralRoutingKey(config, "an escalation page");
            var dedup = DedupKey(incident.AlertId, routingKey);
            var snapshot = new AlertGroupSnapshot(incident.AlertId, notification.Alerts, notification.Now);
            // One incident per alert and service: a resent trigger (after a crash) joins the open incident.
            await SendEventAsync(config, config.Url, EscalationEvents.Trigger(routingKey, snapshot, dedup).ToJson(), ct).ConfigureAwait(false);
            return new PagerDutyReceipt(config.Url, routingKey, dedup, config);
        }
        var templater = new Templater(notification.Templates, notification.Data());
        var (url, body) = config.UsesEventsV2 ? (config.Url, BuildV2(config, notification, templater)) : (V1Url(config), BuildV1(config, notification, templater));
        templater.Report(logger, integration.Id, notification.Receiver);
        await SendEventAsync(config, url, Encode(body, config.UsesEventsV2), ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>Acknowledges or resolves the incident an escalation step opened, as the operator's action here says.</summary>
    public Task UpdateAsync(DeliveryReceipt receipt, Notification notification, CancellationToken ct)
    {
        if (receipt is not PagerDutyReceipt p)
        {
            return Task.CompletedTask;
        }
        var ev = notification.Incident?.Status switch
        {
            AlertStatus.Acknowledged or AlertStatus.Snoozed or AlertStatus.Silenced => PagerDutyEventBuilder.Acknowledge(p.RoutingKey, p.DedupKey),
            AlertStatus.Resolved => PagerDutyEventBuilder.Resolve(p.RoutingKey, p.DedupKey),
            _ => null,
        };
        return ev is null ? Task.CompletedTask : SendEventAsync(p.Config, p.Url, ev.ToJson(), ct);
    }

    /// <summary>The dedup key of an escalation page: one per alert and routing key.</summary>
    public static string DedupKey(string alertId, string routingKey) => PagerDutyEventBuilder.DedupKeyFor(alertId + "\n" + routingKey);

    /// <summary>
    /// The config's Events API v2 routing key for events sent outside a group flush (escalation pages and
    /// their updates). A templated key depends on a group's alerts, which those events do not carry.
    /// </summary>
    public static string LiteralRoutingKey(PagerDutyConfig config, string purpose)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.UsesEventsV2)
        {
            throw new PermanentNotificationException($"pagerduty_config uses service_key (Events API v1); {purpose} needs a routing_key");
        }
        var routingKey = config.RoutingKey ?? HttpClientConfigs.ReadSecret(config.RoutingKeyFile)?.Trim();
        if (string.IsNullOrEmpty(routingKey) || routingKey.Contains("{{", StringComparison.Ordinal))
        {
            throw new PermanentNotificationException($"pagerduty_config: {purpose} needs a literal routing key");
        }
        return routingKey;
    }

    private Task SendEventAsync(PagerDutyConfig config, string url, string json, CancellationToken ct) =>
        NotifyRequests.PostJsonAsync(clients.For(config.HttpConfig), url, json, Kind, ct, describe: InvalidEventDetail);

    /// <summary>Alertmanager 0.25 posts v1 events to PagerDuty's v1 endpoint; a url pointed elsewhere (a proxy, a test double) is honoured.</summary>
    private static string V1Url(PagerDutyConfig c) => c.Url == DefaultEventsV2Url ? EventsV1Url : c.Url;

    /// <summary>Alertmanager's Events API v2 message for this notification, field for field.</summary>
    public static JsonObject BuildV2(PagerDutyConfig c, Notification notification, Templater t)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentNullException.ThrowIfNull(t);
        var details = Details(c, t);
        var routingKey = t.Text(c.RoutingKey ?? HttpClientConfigs.ReadSecret(c.RoutingKeyFile)?.Trim());
        if (routingKey.Length == 0)
        {
            throw new PermanentNotificationException("routing key cannot be empty");
        }
        var msg = new JsonObject { ["routing_key"] = routingKey, ["dedup_key"] = PagerDutyEventBuilder.DedupKeyFor(notification.GroupKey) };
        msg["event_action"] = t.Data.Status == "firing" ? "trigger" : "resolve";
        var payload = new JsonObject
        {
            ["summary"] = Truncate.InRunes(t.Text(c.Description), PagerDutyEventBuilder.MaxSummary),
            ["source"] = t.Text(c.Source ?? c.Client),
            ["severity"] = t.Text(c.Severity is { Length: > 0 } s ? s : "error"),
        };
        Optional(payload, "class", t.Text(c.Class));
        Optional(payload, "component", t.Text(c.Component));
        Optional(payload, "group", t.Text(c.Group));
        if (details.Count > 0)
        {
            payload["custom_details"] = details;
        }
        msg["payload"] = payload;
        Optional(msg, "client", t.Text(c.Client));
        Optional(msg, "client_url", t.Text(c.ClientUrl));
        // Alertmanager drops images and links whose src/href render empty.
        var images = c.Images.Select(i => new JsonObject { ["src"] = t.Text(i.Src), ["alt"] = t.Text(i.Alt), ["href"] = t.Text(i.Href) })
            .Where(i => ((string?)i["src"])!.Length > 0).Select(i => (JsonNode?)i).ToArray();
        var links = c.Links.Select(l => new JsonObject { ["href"] = t.Text(l.Href), ["text"] = t.Text(l.Text) })
            .Where(l => ((string?)l["href"])!.Length > 0).Select(l => (JsonNode?)l).ToArray();
        if (images.Length > 0)
        {
            msg["images"] = new JsonArray(images);
        }
        if (links.Length > 0)
        {
            msg["links"] = new JsonArray(links);
        }
        return msg;
    }

    /// <summary>Alertmanager's Events API v1 message (<c>service_key</c>), with its <c>"event_action":""</c> and <c>"payload":null</c>.</summary>
    public static JsonObject BuildV1(PagerDutyConfig c, Notification notification, Templater t)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentNullException.ThrowIfNull(t);
        var details = Details(c, t);
        var serviceKey = t.Text(c.ServiceKey ?? HttpClientConfigs.ReadSecret(c.ServiceKeyFile)?.Trim());
        if (serviceKey.Length == 0)
        {
            throw new PermanentNotificationException("service key cannot be empty");
        }
        var firing = t.Data.Status == "firing";
        var msg = new JsonObject
        {
            ["service_key"] = serviceKey,
            ["incident_key"] = PagerDutyEventBuilder.DedupKeyFor(notification.GroupKey),
            ["event_type"] = firing ? "trigger" : "resolve",
        };
        Optional(msg, "description", Truncate.InRunes(t.Text(c.Description), 1024));
        msg["event_action"] = string.Empty;
        msg["payload"] = null;
        if (firing)
        {
            Optional(msg, "client", t.Text(c.Client));
            Optional(msg, "client_url", t.Text(c.ClientUrl));
        }
        if (details.Count > 0)
        {
            msg["details"] = details;
        }
        return msg;
    }

    private static JsonObject Details(PagerDutyConfig c, Templater t)
    {
        var details = new JsonObject();
        foreach (var (name, template) in c.Details.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            details[name] = t.Text(template);
        }
        return details;
    }

    /// <summary>The encoded event; over PagerDuty's size limit the custom details are replaced, as Alertmanager does.</summary>
    private static string Encode(JsonObject msg, bool v2)
    {
        var json = msg.ToJsonString(NotifyRequests.Json);
        if (Encoding.UTF8.GetByteCount(json) <= MaxEventBytes)
        {
            return json;
        }
        var replaced = new JsonObject { ["error"] = $"Custom details have been removed because the original event exceeds the maximum size of {MaxEventBytes / 1000}KB" };
        if (v2)
        {
            msg["payload"]!["custom_details"] = replaced;
        }
        else
        {
            msg["details"] = replaced;
        }
        return msg.ToJsonString(NotifyRequests.Json);
    }

    /// <summary>PagerDuty's 400 body as Alertmanager reports it: "message: error1,error2".</summary>
    private static string InvalidEventDetail(string body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject o && o["message"] is JsonValue m)
            {
                var errors = o["errors"] is JsonArray a ? string.Join(",", a.Select(e => e?.ToString())) : string.Empty;
                return $"{m}: {errors}";
            }
        }
        catch (JsonException)
        {
        }
        return DeliveryResponses.Truncate(body);
    }

    private static void Optional(JsonObject o, string key, string value)
    {
        if (value.Length > 0)
        {
            o[key] = value;
        }
    }
}

/// <summary>An incident an escalation step opened: where its events go, with which routing key and dedup key.</summary>
public sealed record PagerDutyReceipt(string Url, string RoutingKey, string DedupKey, PagerDutyConfig Config) : DeliveryReceipt;
