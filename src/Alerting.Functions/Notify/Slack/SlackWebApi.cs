using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Alerting.Core.Config;
using Alerting.Core.Notify.Slack;
using Alerting.Functions.Notify.Http;
using Alerting.Functions.Options;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Notify.Slack;

/// <summary>
/// Slack's Web API methods we call with a bot token: <c>chat.postMessage</c> (returns the message's
/// channel and ts) and <c>chat.update</c>. Slack answers HTTP 200 with <c>{"ok":false,"error":...}</c>
/// for most failures; rate limits (429) and server errors are transient, everything else permanent.
/// The deployment's bot token (<c>Alerting:SlackBotToken</c>) serves escalation messages.
/// </summary>
public sealed class SlackWebApi(NotifyHttpClients clients, IOptions<AlertingOptions> options)
{
    /// <summary>Slack's error codes that a later attempt can get past.</summary>
    private static readonly HashSet<string> TransientErrors = new(StringComparer.Ordinal)
    {
        "ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
    };

    public bool IsConfigured => !string.IsNullOrEmpty(options.Value.SlackBotToken);

    private string BaseUrl => options.Value.SlackApiUrl.EndsWith('/') ? options.Value.SlackApiUrl : options.Value.SlackApiUrl + "/";

    public async Task<SlackReceipt> PostMessageAsync(string channel, SlackMessage message, CancellationToken ct)
    {
        var answer = await CallAsync(BaseUrl + "chat.postMessage", options.Value.SlackBotToken, SlackRequests.PostMessage(channel, message), HttpClientConfig.Default, ct).ConfigureAwait(false);
        return new SlackReceipt(answer["channel"]?.GetValue<string>() ?? channel, answer["ts"]?.GetValue<string>()
            ?? throw new PermanentNotificationException("slack: chat.postMessage answered ok without a ts"));
    }

    public Task UpdateAsync(SlackReceipt receipt, SlackMessage message, CancellationToken ct) =>
        CallAsync(BaseUrl + "chat.update", options.Value.SlackBotToken, SlackRequests.Update(receipt.Channel, receipt.Ts, message), HttpClientConfig.Default, ct);

    /// <summary>
    /// Finds the bot message carrying <paramref name="sendKey"/> (<see cref="SlackSendMarker"/>) posted in
    /// <paramref name="channel"/> since <paramref name="since"/>, with <c>conversations.history</c> at
    /// <paramref name="apiBaseUrl"/> (which ends in <c>/</c>), page by page. Null when there is none; throws
    /// what any Web API call throws (missing_scope, channel_not_found, 5xx), and when the channel holds more
    /// than <see cref="SlackSendMarker.MaxPages"/> pages since then.
    /// </summary>
    public async Task<SlackReceipt?> FindPostAsync(string apiBaseUrl, string? token, HttpClientConfig http, string channel, string sendKey, DateTimeOffset since, CancellationToken ct)
    {
        var query = "channel=" + Uri.EscapeDataString(channel)
            + "&oldest=" + SlackSendMarker.Timestamp(since)
            + "&limit=" + SlackSendMarker.PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + "&include_all_metadata=true";
        string? cursor = null;
        for (var page = 0; page < SlackSendMarker.MaxPages; page++)
        {
            var url = apiBaseUrl + "conversations.history?" + query + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor));
            var answer = await SendAsync(HttpMethod.Get, url, token, null, http, ct).ConfigureAwait(false);
            if (SlackSendMarker.FindTs(answer, sendKey) is { } ts)
            {
                return new SlackReceipt(answer["channel"]?.GetValue<string>() ?? channel, ts);
            }
            cursor = SlackSendMarker.NextCursor(answer);
            if (cursor is null)
            {
                return null;
            }
        }
        throw new PermanentNotificationException($"slack conversations.history: more than {SlackSendMarker.MaxPages} pages of messages since {SlackSendMarker.Timestamp(since)}; stopped looking");
    }

    /// <summary>
    /// One Web API call: a JSON body to <paramref name="url"/> with the bot token (or the http_config's own
    /// authorization when <paramref name="token"/> is null), checked for Slack's <c>ok</c>.
    /// </summary>
    public Task<JsonObject> CallAsync(string url, string? token, JsonObject body, HttpClientConfig http, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, url, token, NotifyRequests.Content(SlackRequests.ToJson(body), "application/json; charset=utf-8"), http, ct);

    private async Task<JsonObject> SendAsync(HttpMethod httpMethod, string url, string? token, HttpContent? content, HttpClientConfig http, CancellationToken ct)
    {
        var path = url.Split('?', 2)[0];
        var method = path[(path.LastIndexOf('/') + 1)..];
        using var response = await NotifyRequests.SendAsync(clients.For(http), httpMethod, url, content, ct,
            r =>
            {
                if (!string.IsNullOrEmpty(token))
                {
                    r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }
            }).ConfigureAwait(false);
        if (DeliveryResponses.IsTransient(response.StatusCode))
        {
            await DeliveryResponses.EnsureDeliveredAsync(response, "slack " + method, ct).ConfigureAwait(false);
        }
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        var answer = Parse(text);
        if (answer is null)
        {
            // An incoming webhook answers "ok" as plain text; anything else that is not JSON is classified by status.
            await DeliveryResponses.EnsureDeliveredAsync(response, "slack " + method, ct).ConfigureAwait(false);
            return new JsonObject { ["ok"] = true };
        }
        if (answer["ok"] is JsonValue ok && ok.TryGetValue<bool>(out var isOk) && !isOk)
        {
            var error = answer["error"]?.ToString() ?? "unknown_error";
            // missing_scope names the scope the token lacks: the one thing an operator has to change.
            var detail = answer["needed"]?.ToString() is { Length: > 0 } needed ? $"{error} (the token needs {needed})" : error;
            throw TransientErrors.Contains(error)
                ? new TransientNotificationException($"slack {method}: {detail}")
                : new PermanentNotificationException($"slack {method}: {detail}");
        }
        await DeliveryResponses.EnsureDeliveredAsync(response, "slack " + method, ct).ConfigureAwait(false);
        return answer;
    }

    private static JsonObject? Parse(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

/// <summary>A Slack message posted with chat.postMessage: its channel id and ts, which chat.update needs.</summary>
public sealed record SlackReceipt(string Channel, string Ts) : DeliveryReceipt;
