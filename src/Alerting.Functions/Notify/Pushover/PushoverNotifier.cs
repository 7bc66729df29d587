using System.Globalization;
using System.Text;
using Alerting.Core.Alertmanager;
using Alerting.Functions.Notify.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.Pushover;

/// <summary>
/// Alertmanager 0.25's Pushover integration: one <c>POST https://api.pushover.net/1/messages.json</c> per
/// notification with every parameter in the query string (sorted by name, as Go's <c>url.Values</c> encodes
/// them) and an empty text/plain body. Title cut to 250 runes, message to 1024 (then trimmed; an empty one
/// becomes "(no details)", which Pushover would reject), URL to 512; priority templated (emergency while
/// firing by default) with retry and expire in whole seconds. Later releases' device, ttl and monospace are
/// sent only when set. The URL carries the token and user key, so it never appears in errors. 429 and 5xx
/// are retried by the shared pipeline, anything else is permanent.
/// </summary>
public sealed partial class PushoverNotifier(NotifyHttpClients clients, ILogger<PushoverNotifier> logger) : Notifier<PushoverConfig>
{
    public const int MaxTitleRunes = 250;
    public const int MaxMessageRunes = 1024;
    public const int MaxUrlRunes = 512;

    public override string Kind => "pushover";

    protected override async Task<DeliveryReceipt?> SendAsync(PushoverConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var token = string.IsNullOrEmpty(config.Token) ? NotifySecrets.ReadFile(config.TokenFile, "pushover: read token_file") : config.Token;
        var userKey = string.IsNullOrEmpty(config.UserKey) ? NotifySecrets.ReadFile(config.UserKeyFile, "pushover: read user_key_file") : config.UserKey;
        var templater = new Templater(notification.Templates, notification.Data());
        var query = Query(config, token, userKey, templater, out var truncated);
        templater.Report(logger, integration.Id, notification.Receiver);
        foreach (var field in truncated)
        {
            LogTruncated(logger, field, notification.GroupKey);
        }
        using var content = new ByteArrayContent([]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
        using var response = await NotifyRequests.SendAsync(clients.For(config.HttpConfig), HttpMethod.Post, PushoverConfig.MessagesUrl + "?" + query, content, ct).ConfigureAwait(false);
        await DeliveryResponses.EnsureDeliveredAsync(response, Kind, ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>The query string Alertmanager sends, parameters sorted by name and escaped as Go's <c>url.QueryEscape</c>.</summary>
    public static string Query(PushoverConfig c, string token, string userKey, Templater t, out IReadOnlyList<string> truncated)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(t);
        var cut = new List<string>();
        string Cut(string field, string value, int max)
        {
            var kept = Truncate.InRunes(value, max);
            if (!ReferenceEquals(kept, value))
            {
                cut.Add(field);
            }
            return kept;
        }
        var message = Cut("message", c.Html ? t.Html(c.Message) : t.Text(c.Message), MaxMessageRunes).Trim();
        var p = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["token"] = t.Text(token),
            ["user"] = t.Text(userKey),
            ["title"] = Cut("title", t.Text(c.Title), MaxTitleRunes),
            ["message"] = message.Length == 0 ? "(no details)" : message,
            ["url"] = Cut("url", t.Text(c.Url), MaxUrlRunes),
            ["url_title"] = t.Text(c.UrlTitle),
            ["priority"] = t.Text(c.Priority),
            ["retry"] = Seconds(c.Retry),
            ["expire"] = Seconds(c.Expire),
            ["sound"] = t.Text(c.Sound),
        };
        if (c.Html)
        {
            p["html"] = "1";
        }
        if (c.Monospace)
        {
            p["monospace"] = "1";
        }
        if (c.Device.Length > 0)
        {
            p["device"] = t.Text(c.Device);
        }
        if (c.Ttl > TimeSpan.Zero)
        {
            p["ttl"] = Seconds(c.Ttl);
        }
        truncated = cut;
        var sb = new StringBuilder();
        foreach (var (k, v) in p)
        {
            sb.Append(sb.Length == 0 ? string.Empty : "&").Append(QueryEscape(k)).Append('=').Append(QueryEscape(v));
        }
        return sb.ToString();
    }

    private static string Seconds(TimeSpan d) => ((long)d.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    /// <summary>Go's <c>url.QueryEscape</c>: unreserved characters kept, space as '+', everything else %XX of its UTF-8 bytes.</summary>
    private static string QueryEscape(string s) => Uri.EscapeDataString(s).Replace("%20", "+", StringComparison.Ordinal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Truncated {Field} for group {GroupKey}")]
    private static partial void LogTruncated(ILogger logger, string field, string groupKey);
}
