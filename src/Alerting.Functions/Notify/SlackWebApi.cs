using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Core.Notify.Slack;
using Alerting.Functions.Options;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Notify;

/// <summary>
/// Slack's Web API methods we use with a bot token: <c>chat.postMessage</c> (returns the message's
/// channel and ts) and <c>chat.update</c>. Slack answers HTTP 200 with <c>{"ok":false,"error":...}</c>
/// for most failures; rate limits (429) and server errors are transient, everything else permanent.
/// </summary>
public sealed class SlackWebApi(IHttpClientFactory httpFactory, DeliveryRetrier retrier, IOptions<AlertingOptions> options)
{
    public bool IsConfigured => !string.IsNullOrEmpty(options.Value.SlackBotToken);

    public async Task<(string Channel, string Ts)> PostMessageAsync(string channel, SlackMessage message, CancellationToken ct)
    {
        var answer = await CallAsync("chat.postMessage", SlackRequests.PostMessage(channel, message), ct).ConfigureAwait(false);
        return (answer["channel"]?.GetValue<string>() ?? channel, answer["ts"]?.GetValue<string>()
            ?? throw new PermanentNotificationException("slack: chat.postMessage answered ok without a ts"));
    }

    public Task UpdateAsync(string channel, string ts, SlackMessage message, CancellationToken ct) =>
        CallAsync("chat.update", SlackRequests.Update(channel, ts, message), ct);

    /// <summary>One call, retried in process after 429/5xx as the delivery policy says.</summary>
    private async Task<JsonObject> CallAsync(string method, JsonObject body, CancellationToken ct)
    {
        JsonObject? answer = null;
        await retrier.RunAsync("slack " + method, async attemptCt => answer = await CallOnceAsync(method, body, attemptCt).ConfigureAwait(false), ct).ConfigureAwait(false);
        return answer!;
    }

    private async Task<JsonObject> CallOnceAsync(string method, JsonObject body, CancellationToken ct)
    {
        var baseUrl = options.Value.SlackApiUrl.EndsWith('/') ? options.Value.SlackApiUrl : options.Value.SlackApiUrl + "/";
        using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + method)
        {
            Content = new StringContent(SlackRequests.ToJson(body), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Value.SlackBotToken);
        using var response = await httpFactory.CreateClient("notify").SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
        {
            throw new TransientNotificationException($"slack {method}: status {(int)response.StatusCode}: {text}", response.StatusCode, response.Headers.RetryAfter);
        }
        JsonObject? answer = null;
        try
        {
            answer = JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
        }
        if (answer is null)
        {
            throw new PermanentNotificationException($"slack {method}: status {(int)response.StatusCode}, body is not a JSON object: {text}");
        }
        if (answer["ok"]?.GetValue<bool>() != true)
        {
            var error = answer["error"]?.ToString() ?? "unknown_error";
            if (error is "ratelimited" or "internal_error" or "fatal_error" or "service_unavailable" or "request_timeout")
            {
                throw new HttpRequestException($"slack {method}: {error}");
            }
            throw new PermanentNotificationException($"slack {method}: {error}");
        }
        return answer;
    }
}
