using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Parity;

/// <summary>
/// What a receiver parity test does on both sides: the same two DiskFull alerts posted to the real
/// Alertmanager 0.25 and to our stack, and a wait until both fakes received enough requests.
/// </summary>
internal static class ReceiverParity
{
    /// <summary>Posts the two alerts to both; resolved ones end a second ago by each one's clock (ours is a test clock).</summary>
    public static async Task SendAsync(RealAlertmanager alertmanager, AlertingStack stack, DateTimeOffset startsAt, bool resolved)
    {
        await alertmanager.PostAlertsAsync(Alerts(startsAt, resolved ? DateTimeOffset.UtcNow.AddSeconds(-1) : null));
        using var ours = await stack.Http.PostAsync("api/v2/alerts?code=local-function-key",
            new StringContent(Alerts(startsAt, resolved ? stack.Time.GetUtcNow().AddSeconds(-1) : null), System.Text.Encoding.UTF8, "application/json"));
        ours.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Drains our stack, advancing its clock a second per pass (the real Alertmanager runs on real time),
    /// until <paramref name="done"/> holds; fails naming <paramref name="what"/> after the shared deadline.
    /// </summary>
    public static Task WaitForAsync(AlertingStack stack, string what, Func<bool> done, Func<string>? details = null) =>
        stack.DrainUntilAsync(what, done, step: TimeSpan.FromSeconds(1), details: details);

    /// <summary>Waits until the real Alertmanager's fake and ours each received <paramref name="requests"/> requests.</summary>
    public static Task BothReceiveAsync(AlertingStack stack, string receiver, int requests, Func<int> theirs, Func<int> ours) =>
        WaitForAsync(stack, $"{requests} {receiver} requests at Alertmanager's fake and at ours",
            () => theirs() >= requests && ours() >= requests, () => $"Alertmanager sent {theirs()}, we sent {ours()}");

    private static string Alerts(DateTimeOffset startsAt, DateTimeOffset? endsAt)
    {
        static string Time(DateTimeOffset t) => t.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var ends = endsAt is { } e ? $",\"endsAt\":\"{Time(e)}\"" : string.Empty;
        return $$"""
            [{"labels":{"alertname":"DiskFull","severity":"critical","instance":"m1","job":"fly"},
              "annotations":{"summary":"Disk on m1 is full"},"startsAt":"{{Time(startsAt)}}"{{ends}},"generatorURL":"http://prometheus/graph?g0.expr=disk"},
             {"labels":{"alertname":"DiskFull","severity":"critical","instance":"m2","job":"fly"},
              "annotations":{"summary":"Disk on m2 is full"},"startsAt":"{{Time(startsAt)}}"{{ends}},"generatorURL":"http://prometheus/graph?g0.expr=disk"}]
            """;
    }
}
