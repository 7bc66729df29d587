using System.Net;
using System.Net.Http.Headers;

namespace Alerting.Functions.Notifying;

/// <summary>
/// Posts a JSON body and classifies the answer like Alertmanager: 2xx delivered, 429 and 5xx retried
/// (the flush is redelivered), other 4xx permanent (retrying the same request cannot succeed).
/// </summary>
public static class HttpDelivery
{
    public static async Task PostJsonAsync(HttpClient http, string url, byte[] json, string what, CancellationToken ct, AuthenticationHeaderValue? auth = null)
    {
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
            throw new HttpRequestException(detail, null, response.StatusCode);
        }
        throw new PermanentNotificationException(detail);
    }

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..n] + "…";
}
