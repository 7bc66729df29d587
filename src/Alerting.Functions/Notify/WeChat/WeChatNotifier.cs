using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Functions.Notify.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.WeChat;

/// <summary>
/// Alertmanager's WeChat integration (WeChat Work application messages). An access token is fetched with
/// <c>GET {api_url}gettoken?corpid=..&amp;corpsecret=..</c> (both templated; the secret file read at each
/// fetch) and kept for two hours, as Alertmanager keeps it; then one
/// <c>POST {api_url}message/send?access_token=..</c> per notification with Alertmanager's body: <c>text</c>
/// and <c>markdown</c> (the message in the one <c>msgtype</c> names), <c>touser</c>/<c>toparty</c>/
/// <c>totag</c>/<c>agentid</c> when they render non-empty, <c>safe</c> "0".
/// </summary>
/// <remarks>
/// Failures as Alertmanager classifies them: a connection error or a status other than 200 is retried;
/// WeChat's <c>errcode</c> 42001 (token expired) drops the cached token and is retried; any other
/// <c>errcode</c>, a token answer without a token, or one that is not JSON is permanent. WeChat answers
/// errors with 200 and <c>errcode</c>/<c>errmsg</c>, which Alertmanager reads since 0.26 (0.25 read fields
/// WeChat never sends, so it took every error for success); we follow the fix. A gettoken answer of
/// 429 or 5xx, which Alertmanager would fail to decode and drop, is transient here as for every receiver.
/// </remarks>
public sealed class WeChatNotifier(NotifyHttpClients clients, TimeProvider time, ILogger<WeChatNotifier> logger) : Notifier<WeChatConfig>
{
    /// <summary>How long a token is used before a new one is fetched (Alertmanager's fixed 2 hours; WeChat's lifetime is 7200 s).</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(2);

    /// <summary>WeChat's "access_token expired".</summary>
    public const int TokenExpired = 42001;

    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset At)> _tokens = new(StringComparer.Ordinal);

    public override string Kind => "wechat";

    protected override async Task<DeliveryReceipt?> SendAsync(WeChatConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var templater = new Templater(notification.Templates, notification.Data());
        var client = clients.For(config.HttpConfig);
        var body = Body(config, templater);

        // A token belongs to a company's application: integrations configured for the same one share it.
        // As in Alertmanager, the secret (file) and corp id are only read and rendered when a token is fetched.
        var key = string.Join('\n', config.ApiUrl, config.CorpId, config.ApiSecretFile ?? string.Empty, config.ApiSecret ?? string.Empty);
        if (!_tokens.TryGetValue(key, out var cached) || time.GetUtcNow() - cached.At > TokenLifetime)
        {
            var secret = config.ApiSecretFile is null ? config.ApiSecret : NotifySecrets.ReadFile(config.ApiSecretFile, "wechat: read api_secret_file");
            cached = (await FetchTokenAsync(client, config, templater.Text(config.CorpId), templater.Text(secret), ct).ConfigureAwait(false), time.GetUtcNow());
            _tokens[key] = cached;
        }
        templater.Report(logger, integration.Id, notification.Receiver);

        var url = $"{config.ApiUrl}message/send?access_token={Uri.EscapeDataString(cached.Token)}";
        using var response = await NotifyRequests.SendAsync(client, HttpMethod.Post, url, NotifyRequests.Content(body), ct).ConfigureAwait(false);
        var answer = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new TransientNotificationException($"wechat: unexpected status code {(int)response.StatusCode}", response.StatusCode, response.Headers.RetryAfter);
        }
        var (code, message) = Result(answer) ?? throw new TransientNotificationException($"wechat: message/send answered what is not WeChat's JSON: {DeliveryResponses.Truncate(answer)}");
        if (code == 0)
        {
            return null;
        }
        if (code == TokenExpired)
        {
            _tokens.TryRemove(KeyValuePair.Create(key, cached));
            throw new TransientNotificationException($"wechat: {message} ({code})");
        }
        throw new PermanentNotificationException($"wechat: {message} ({code})");
    }

    /// <summary>The message/send body as Go's encoder writes Alertmanager's struct: fields in its order, empty strings left out, one line.</summary>
    public static string Body(WeChatConfig c, Templater t)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(t);
        var content = t.Text(c.Message);
        var markdown = c.MessageType == "markdown";
        // "text" and "markdown" are structs, which Go's omitempty never drops: the unused one is sent empty.
        var o = new JsonObject { ["text"] = new JsonObject { ["content"] = markdown ? string.Empty : content } };
        foreach (var (name, template) in new[] { ("touser", c.ToUser), ("toparty", c.ToParty), ("totag", c.ToTag), ("agentid", c.AgentId) })
        {
            if (t.Optional(template) is { } value)
            {
                o[name] = value;
            }
        }
        o["safe"] = "0";
        o["msgtype"] = c.MessageType;
        o["markdown"] = new JsonObject { ["content"] = markdown ? content : string.Empty };
        return o.ToJsonString(NotifyRequests.Json) + "\n";
    }

    private static async Task<string> FetchTokenAsync(HttpClient client, WeChatConfig c, string corpId, string secret, CancellationToken ct)
    {
        // url.Values.Encode sorts the keys.
        var url = $"{c.ApiUrl}gettoken?corpid={Uri.EscapeDataString(corpId)}&corpsecret={Uri.EscapeDataString(secret)}";
        using var response = await NotifyRequests.SendAsync(client, HttpMethod.Get, url, null, ct).ConfigureAwait(false);
        var answer = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (DeliveryResponses.IsTransient(response.StatusCode))
        {
            throw new TransientNotificationException($"wechat: gettoken: unexpected status code {(int)response.StatusCode}", response.StatusCode, response.Headers.RetryAfter);
        }
        JsonObject? o;
        try
        {
            o = JsonNode.Parse(answer) as JsonObject;
        }
        catch (JsonException)
        {
            o = null;
        }
        if (o is null)
        {
            throw new PermanentNotificationException($"wechat: gettoken answered what is not WeChat's JSON: {DeliveryResponses.Truncate(answer)}");
        }
        if (o["access_token"] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { Length: > 0 } token)
        {
            return token;
        }
        var why = Result(answer) is { Code: not 0 } r ? $" ({r.Message}, {r.Code})" : string.Empty;
        throw new PermanentNotificationException($"wechat: invalid APISecret for CorpID: {c.CorpId}{why}");
    }

    /// <summary>WeChat's <c>errcode</c> and <c>errmsg</c>; null when the answer is not a JSON object.</summary>
    private static (int Code, string Message)? Result(string answer)
    {
        try
        {
            if (JsonNode.Parse(answer) is not JsonObject o)
            {
                return null;
            }
            var code = o["errcode"] is JsonValue c && c.GetValueKind() == JsonValueKind.Number && c.TryGetValue<int>(out var n) ? n : 0;
            var message = o["errmsg"] is JsonValue m && m.GetValueKind() == JsonValueKind.String ? m.GetValue<string>() : string.Empty;
            return (code, message);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
