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

    /// <summary>Drains our stack and advances its clock until <paramref name="done"/> holds or about 30 s passed.</summary>
    public static async Task WaitForAsync(AlertingStack stack, Func<bool> done)
    {
        for (var i = 0; i < 150 && !done(); i++)
        {
            await stack.DrainAsync();
            stack.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(100);
        }
    }

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
