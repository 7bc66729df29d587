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
    /// One Web API call: a JSON body to <paramref name="url"/> with the bot token (or the http_config's own
    /// authorization when <paramref name="token"/> is null), checked for Slack's <c>ok</c>.
    /// </summary>
    public async Task<JsonObject> CallAsync(string url, string? token, JsonObject body, HttpClientConfig http, CancellationToken ct)
    {
        var method = url[(url.LastIndexOf('/') + 1)..];
        using var response = await NotifyRequests.SendAsync(clients.For(http), HttpMethod.Post, url,
            NotifyRequests.Content(SlackRequests.ToJson(body), "application/json; charset=utf-8"), ct,
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
            throw TransientErrors.Contains(error)
                ? new TransientNotificationException($"slack {method}: {error}")
                : new PermanentNotificationException($"slack {method}: {error}");
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
