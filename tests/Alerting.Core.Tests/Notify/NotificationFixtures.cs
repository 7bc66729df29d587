using Alerting.Core.Model;
using Alerting.Core.Notify;

namespace Alerting.Core.Tests.Notify;

internal static class NotificationFixtures
{
    public static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    public static Alert Alert(string name, string severity, string instance, bool resolved = false, params (string, string)[] annotations) =>
        new(Labels.From(("alertname", name), ("severity", severity), ("instance", instance), ("job", "fly")),
            Labels.From(annotations),
            Now.AddMinutes(-10),
            resolved ? Now.AddMinutes(-1) : null,
            "http://prometheus.local/graph?g0.expr=up");

    public static AlertGroupSnapshot CriticalGroup() => new(
        "group-42",
        [
            Alert("DbSyncFailing", "critical", "m1:9100", false, ("summary", "DB sync failure rate above 5%"), ("runbook_url", "https://runbooks.example/db-sync")),
            Alert("DbSyncFailing", "critical", "m2:9100", false, ("summary", "DB sync failure rate above 5%"), ("runbook_url", "https://runbooks.example/db-sync")),
        ],
        Now);
}
