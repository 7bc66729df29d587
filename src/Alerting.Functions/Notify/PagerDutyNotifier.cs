using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Core.Notify.PagerDuty;
using Alerting.Core.Templating;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Event = Alerting.Core.Notify.PagerDuty.PagerDutyEvent;
using EventImage = Alerting.Core.Notify.PagerDuty.PagerDutyImage;
using EventLink = Alerting.Core.Notify.PagerDuty.PagerDutyLink;

namespace Alerting.Functions.Notify;

/// <summary>
/// Alertmanager's PagerDuty integration over the Events API v2: one event per flush, <c>trigger</c> while
/// any alert of the group fires and <c>resolve</c> once all are resolved, keyed by the SHA-256 of the
/// group key so PagerDuty keeps one incident per group (and a resend cannot open a second one).
/// </summary>
public sealed partial class PagerDutyNotifier(IServiceProvider services, DeliveryRetrier retrier, ILogger<PagerDutyNotifier> logger) : INotifier
{
    /// <summary>Alertmanager's limit on the encoded event; beyond it the custom details are replaced.</summary>
    public const int MaxEventBytes = 512_000;

    public string Kind => "pagerduty";

    public async Task SendAsync(Integration integration, Notification notification, TemplateSet templates, CancellationToken ct)
    {
        var c = (PagerDutyConfig)integration.Config;
        if (!c.UsesEventsV2)
        {
            throw new PermanentNotificationException(
                "pagerduty_config uses service_key (PagerDuty's legacy Events API v1), which is not supported; use routing_key with an Events API v2 integration key");
        }
        var errors = new List<string>();
        var ev = Build(c, notification, templates, errors);
        TemplateFallback.Report(logger, integration, notification.Receiver, errors);
        await SendEventAsync(c.Url, ev, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Acknowledges the group's incident (an operator acknowledged it here), so PagerDuty stops
    /// escalating. Alertmanager has no such path; the event is PagerDuty's own <c>acknowledge</c>.
    /// </summary>
    public Task AcknowledgeAsync(PagerDutyConfig config, string groupKey, CancellationToken ct) =>
        SendEventAsync(config.Url, PagerDutyEventBuilder.Acknowledge(LiteralRoutingKey(config, "acknowledging"), PagerDutyEventBuilder.DedupKeyFor(groupKey)), ct);

    /// <summary>
    /// The config's Events API v2 routing key for events sent outside a group flush (acknowledging,
    /// escalation pages). A templated key depends on a group's alerts, which those events do not carry.
    /// </summary>
    public static string LiteralRoutingKey(PagerDutyConfig config, string purpose)
    {
        if (!config.UsesEventsV2)
        {
            throw new PermanentNotificationException($"pagerduty_config uses service_key (Events API v1); {purpose} needs a routing_key");
        }
        var routingKey = config.RoutingKey ?? SecretFile.Read(config.RoutingKeyFile);
        if (string.IsNullOrEmpty(routingKey) || routingKey.Contains("{{", StringComparison.Ordinal))
        {
            throw new PermanentNotificationException($"pagerduty_config: {purpose} needs a literal routing key");
        }
        return routingKey;
    }

    /// <summary>
    /// Sends one Events API v2 event to <paramref name="url"/>, retrying 429/5xx in process, then throws
    /// like a failed notification. Resending is safe: the event carries its dedup key, so PagerDuty adds
    /// a repeat to the same incident instead of opening another.
    /// </summary>
    public Task SendEventAsync(string url, Event ev, CancellationToken ct) =>
        retrier.RunAsync(Kind, attemptCt => SendEventOnceAsync(url, ev, attemptCt), ct);

    private async Task SendEventOnceAsync(string url, Event ev, CancellationToken ct)
    {
        var target = new Uri(url, UriKind.Absolute);
        // The typed client is transient: resolving it per send lets the client factory rotate handlers,
        // which a client captured by this singleton would never do.
        var api = services.GetRequiredService<IPagerDutyEventsApi>();
        using var response = await api.EnqueueAsync(ev, target, ct).ConfigureAwait(false);
        await ClassifyAsync(response, ct).ConfigureAwait(false);
        LogAccepted(logger, ev.EventAction, ev.DedupKey ?? string.Empty, (int)response.StatusCode);
    }

    /// <summary>The event Alertmanager would send for this notification, rendered with the config's templates.</summary>
    /// <remarks>A field whose template fails is sent as the raw template text and the error is added to <paramref name="templateErrors"/>.</remarks>
    public static Event Build(PagerDutyConfig c, Notification notification, TemplateSet templates, ICollection<string> templateErrors)
    {
        var data = notification.Data();
        string T(string? template) =>
            string.IsNullOrEmpty(template) ? string.Empty : TemplateFallback.Render(() => templates.ExecuteText(template, data), template, templateErrors);

        string? O(string? template) => T(template) is { Length: > 0 } v ? v : null;

        var routingKey = T(c.RoutingKey ?? SecretFile.Read(c.RoutingKeyFile));
        if (routingKey.Length == 0)
        {
            throw new PermanentNotificationException("pagerduty_config: routing key cannot be empty");
        }
        var firing = data.Status == "firing";

        var details = new JsonObject();
        foreach (var (name, template) in c.Details.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            details[name] = T(template);
        }

        var ev = new Event
        {
            RoutingKey = routingKey,
            EventAction = firing ? "trigger" : "resolve",
            DedupKey = PagerDutyEventBuilder.DedupKeyFor(notification.GroupKey),
            Payload = new PagerDutyPayload
            {
                Summary = TruncateRunes(T(c.Description), PagerDutyEventBuilder.MaxSummary),
                // The config loader already defaults source to client, as Alertmanager does.
                Source = T(c.Source ?? c.Client),
                Severity = T(c.Severity is { Length: > 0 } ? c.Severity : "error"),
                Timestamp = Timestamp(notification, firing),
                Class = O(c.Class),
                Component = O(c.Component),
                Group = O(c.Group),
                CustomDetails = details.Count > 0 ? details : null,
            },
            // Alertmanager drops links and images whose href/src render empty.
            Links = NullIfEmpty(c.Links.Select(l => new EventLink(T(l.Href), T(l.Text))).Where(l => l.Href.Length > 0).ToArray()),
            Images = NullIfEmpty(c.Images.Select(i => new EventImage(T(i.Src), T(i.Href), T(i.Alt))).Where(i => i.Src.Length > 0).ToArray()),
            Client = O(c.Client),
            ClientUrl = O(c.ClientUrl),
        };
        if (Encoding.UTF8.GetByteCount(ev.ToJson()) > MaxEventBytes)
        {
            ev = ev with
            {
                Payload = ev.Payload with
                {
                    CustomDetails = new JsonObject
                    {
                        ["error"] = $"Custom details have been removed because the original event exceeds the maximum size of {MaxEventBytes / 1000}KB",
                    },
                },
            };
        }
        return ev;
    }

    /// <summary>
    /// PagerDuty's documented answers: 202 accepted, 400 invalid (permanent), 429 throttled and 5xx
    /// transient: retried in process, then by failing the flush so its message is redelivered.
    /// </summary>
    private static async Task ClassifyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.TooManyRequests || status >= 500)
        {
            var retryAfter = RetryAfter(response);
            throw new TransientNotificationException(
                $"pagerduty: status {status} {response.ReasonPhrase}{(retryAfter is null ? string.Empty : $", retry after {retryAfter}")}: {Truncate(body, 512)}",
                response.StatusCode,
                response.Headers.RetryAfter);
        }
        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            throw new PermanentNotificationException($"pagerduty: 400 Bad Request: {InvalidEventDetail(body)}");
        }
        throw new PermanentNotificationException($"pagerduty: unexpected status {status} {response.ReasonPhrase}: {Truncate(body, 512)}");
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
        return Truncate(body, 512);
    }

    private static string? RetryAfter(HttpResponseMessage response)
    {
        var h = response.Headers.RetryAfter;
        if (h?.Delta is { } delta)
        {
            return $"{delta.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";
        }
        return h?.Date?.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// When the problem began for a trigger (the earliest firing alert), when it ended for a resolve.
    /// Alertmanager leaves the field out; PagerDuty then shows its receive time, which for a flush
    /// delayed by group_wait is later than the alert itself.
    /// </summary>
    private static string Timestamp(Notification n, bool firing)
    {
        var at = firing
            ? n.Alerts.Where(a => !a.IsResolvedAt(n.Now)).Select(a => a.StartsAt).DefaultIfEmpty(n.Now).Min()
            : n.Now;
        return at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>Alertmanager's notify.Truncate: at most <paramref name="max"/> runes, the last one an ellipsis.</summary>
    private static string TruncateRunes(string s, int max)
    {
        var runes = s.EnumerateRunes().ToArray();
        if (runes.Length <= max)
        {
            return s;
        }
        return string.Concat(runes.Take(max - 1).Select(r => r.ToString())) + "…";
    }

    private static IReadOnlyList<T>? NullIfEmpty<T>(IReadOnlyList<T> items) => items.Count > 0 ? items : null;

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..n] + "…";

    [LoggerMessage(Level = LogLevel.Debug, Message = "PagerDuty accepted {Action} for dedup key {DedupKey} ({Status})")]
    private static partial void LogAccepted(ILogger logger, string action, string dedupKey, int status);
}
