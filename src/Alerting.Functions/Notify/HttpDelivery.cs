using System.Net;
using System.Net.Http.Headers;

namespace Alerting.Functions.Notify;

/// <summary>
/// Posts a JSON body and classifies the answer like Alertmanager: 2xx delivered, 429 and 5xx transient
/// (retried in process by the <see cref="DeliveryRetrier"/>, then the flush is redelivered), other 4xx
/// permanent (retrying the same request cannot succeed).
/// </summary>
public static class HttpDelivery
{
    public static Task PostJsonAsync(HttpClient http, DeliveryRetrier retrier, string url, byte[] json, string what, CancellationToken ct, AuthenticationHeaderValue? auth = null) =>
        retrier.RunAsync(what, attemptCt => PostOnceAsync(http, url, json, what, auth, attemptCt), ct);

    private static async Task PostOnceAsync(HttpClient http, string url, byte[] json, string what, AuthenticationHeaderValue? auth, CancellationToken ct)
    {
        // A request message can be sent only once, so every attempt builds its own.
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(json) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = auth;
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        var detail = $"{what}: unexpected status {(int)response.StatusCode} {response.ReasonPhrase}: {Truncate(body, 512)}";
        if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
        {
            throw new TransientNotificationException(detail, response.StatusCode, response.Headers.RetryAfter);
        }
        throw new PermanentNotificationException(detail);
    }

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..n] + "…";
}
