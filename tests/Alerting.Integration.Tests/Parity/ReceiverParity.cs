using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Parity;

/// <summary>
/// What a receiver parity test does on both sides: the same two DiskFull alerts posted to the real
/// Alertmanager 0.25 and to our stack, and a wait until both fakes received enough requests.
/// </summary>
internal static class ReceiverParity
{
    /// <summary>
    /// A startsAt whose group_wait is not yet over on either side: a second or two ahead of real time.
    /// Alertmanager flushes a new group at once when its first alert's startsAt + group_wait is already
    /// past (dispatch.go's aggrGroup.insert), which can run before the POST's second alert is inserted:
    /// it then sends the first alert alone and both a group_interval later. An older startsAt made that
    /// race this test's, not the notifier's (CI saw Alertmanager send 4 Discord messages for one flush).
    /// </summary>
    public static DateTimeOffset FreshStartsAt() => DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 2);

    /// <summary>
    /// Posts the alerts (the two DiskFull ones unless <paramref name="alerts"/> renders others) to both.
    /// Resolved ones end a second ago by each side's clock (ours is a test clock), but never before they
    /// start: both reject an alert that ends before it starts.
    /// </summary>
    public static async Task SendAsync(RealAlertmanager alertmanager, AlertingStack stack, DateTimeOffset startsAt, bool resolved,
        Func<DateTimeOffset, DateTimeOffset?, string>? alerts = null)
    {
        alerts ??= Alerts;
        DateTimeOffset? EndsAt(DateTimeOffset now) =>
            resolved ? (now.AddSeconds(-1) > startsAt ? now.AddSeconds(-1) : startsAt.AddSeconds(1)) : null;
        await alertmanager.PostAlertsAsync(alerts(startsAt, EndsAt(DateTimeOffset.UtcNow)));
        using var ours = await stack.Http.PostAsync("api/v2/alerts?code=local-function-key",
            new StringContent(alerts(startsAt, EndsAt(stack.Time.GetUtcNow())), System.Text.Encoding.UTF8, "application/json"));
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
