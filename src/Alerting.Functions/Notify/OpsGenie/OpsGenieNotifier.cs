using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Functions.Notify.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.OpsGenie;

/// <summary>
/// Alertmanager's OpsGenie integration (Alerts API v2). While any alert of the group fires, one
/// <c>POST v2/alerts</c> creates the alert, its alias the SHA-256 of the group key so OpsGenie keeps one
/// alert per group and a resend only bumps its count; with <c>update_alerts</c> the message and description
/// of an existing alert are also replaced (two PUTs). Once everything resolved,
/// <c>POST v2/alerts/{alias}/close?identifierType=alias</c> closes it. Authorisation is
/// <c>GenieKey &lt;api_key&gt;</c>. OpsGenie answers 202 to accepted requests (processing is asynchronous);
/// 429 and 5xx are retried, any other status is permanent, as Alertmanager's notifier decides.
/// </summary>
public sealed class OpsGenieNotifier(NotifyHttpClients clients, ILogger<OpsGenieNotifier> logger) : Notifier<OpsGenieConfig>
{
    /// <summary>OpsGenie's limit on <c>message</c> (runes); Alertmanager truncates to it.</summary>
    public const int MaxMessageRunes = 130;

    public override string Kind => "opsgenie";

    protected override async Task<DeliveryReceipt?> SendAsync(OpsGenieConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var templater = new Templater(notification.Templates, notification.Data());
        var requests = Requests(config, notification.GroupKeyHash, templater);
        var apiKey = ApiKey(config, templater);
        templater.Report(logger, integration.Id, notification.Receiver);
        var client = clients.For(config.HttpConfig);
        foreach (var (method, url, body) in requests)
        {
            using var response = await NotifyRequests.SendAsync(client, method, url, NotifyRequests.Content(body), ct,
                r => r.Headers.Authorization = new AuthenticationHeaderValue("GenieKey", apiKey)).ConfigureAwait(false);
            await DeliveryResponses.EnsureDeliveredAsync(response, Kind, ct).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>The requests Alertmanager's notifier sends for this notification, in its order.</summary>
    public static IReadOnlyList<(HttpMethod Method, string Url, string Body)> Requests(OpsGenieConfig c, string alias, Templater t)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(t);
        var data = t.Data;
        var escaped = Uri.EscapeDataString(alias);
        if (data.Status == "resolved")
        {
            var close = new JsonObject { ["source"] = t.Text(c.Source) };
            return [(HttpMethod.Post, $"{c.ApiUrl}v2/alerts/{escaped}/close?identifierType=alias", Json(close))];
        }
        // Common labels first, then the configured details (which win on a shared key); Go marshals a map sorted by key.
        var details = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in data.CommonLabels)
        {
            details[k] = v;
        }
        foreach (var (k, v) in c.Details)
        {
            details[k] = t.Text(v);
        }
        var message = Truncate.InRunes(t.Text(c.Message), MaxMessageRunes);
        var description = t.Text(c.Description);
        var create = new JsonObject
        {
            ["alias"] = alias,
            ["message"] = message,
        };
        Optional(create, "description", description);
        create["details"] = new JsonObject(details.Select(d => KeyValuePair.Create(d.Key, (JsonNode?)d.Value)));
        create["source"] = t.Text(c.Source);
        if (Responders(c, t) is { Count: > 0 } responders)
        {
            create["responders"] = responders;
        }
        OptionalList(create, "tags", SafeSplit(t.Text(c.Tags)));
        Optional(create, "note", t.Text(c.Note));
        Optional(create, "priority", t.Text(c.Priority));
        Optional(create, "entity", t.Text(c.Entity));
        OptionalList(create, "actions", SafeSplit(t.Text(c.Actions)));
        var requests = new List<(HttpMethod, string, string)> { (HttpMethod.Post, c.ApiUrl + "v2/alerts", Json(create)) };
        if (c.UpdateAlerts)
        {
            var messageUpdate = new JsonObject();
            Optional(messageUpdate, "message", message);
            var descriptionUpdate = new JsonObject();
            Optional(descriptionUpdate, "description", description);
            requests.Add((HttpMethod.Put, $"{c.ApiUrl}v2/alerts/{escaped}/message?identifierType=alias", Json(messageUpdate)));
            requests.Add((HttpMethod.Put, $"{c.ApiUrl}v2/alerts/{escaped}/description?identifierType=alias", Json(descriptionUpdate)));
        }
        return requests;
    }

    /// <summary>
    /// The templated responders, empty ones left out (they let a config fill responders from labels), and a
    /// <c>teams</c> responder expanded into one <c>team</c> per comma-separated name.
    /// </summary>
    private static JsonArray Responders(OpsGenieConfig c, Templater t)
    {
        var result = new JsonArray();
        foreach (var r in c.Responders)
        {
            var (id, name, username, type) = (t.Text(r.Id), t.Text(r.Name), t.Text(r.Username), t.Text(r.Type));
            if (id.Length == 0 && name.Length == 0 && username.Length == 0 && type.Length == 0)
            {
                continue;
            }
            if (type == "teams")
            {
                foreach (var team in SafeSplit(name))
                {
                    result.Add(Responder(string.Empty, t.Text(team), string.Empty, "team"));
                }
                continue;
            }
            result.Add(Responder(id, name, username, type));
        }
        return result;
    }

    private static JsonObject Responder(string id, string name, string username, string type)
    {
        var o = new JsonObject();
        Optional(o, "id", id);
        Optional(o, "name", name);
        Optional(o, "username", username);
        o["type"] = type;
        return o;
    }

    /// <summary>The key, templated like every field; a key file is read per send (a rotated key is picked up) and trimmed.</summary>
    private static string ApiKey(OpsGenieConfig c, Templater t)
    {
        if (!string.IsNullOrEmpty(c.ApiKey))
        {
            return t.Text(c.ApiKey);
        }
        return t.Text(NotifySecrets.ReadFile(c.ApiKeyFile, "opsgenie: read api_key_file")).Trim();
    }

    /// <summary>Alertmanager's safeSplit: split on the separator after trimming, empty parts dropped (parts are not trimmed).</summary>
    private static List<string> SafeSplit(string s) =>
        s.Trim().Split(',').Where(x => x.Length > 0).ToList();

    private static string Json(JsonObject o) => o.ToJsonString(NotifyRequests.Json) + "\n";

    private static void Optional(JsonObject o, string key, string value)
    {
        if (value.Length > 0)
        {
            o[key] = value;
        }
    }

    private static void OptionalList(JsonObject o, string key, List<string> values)
    {
        if (values.Count > 0)
        {
            o[key] = new JsonArray(values.Select(v => (JsonNode?)v).ToArray());
        }
    }
}
