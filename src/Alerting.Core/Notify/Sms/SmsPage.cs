using Alerting.Core.Model;

namespace Alerting.Core.Notify.Sms;

/// <summary>
/// The text of an SMS page: what is wrong in one line, then the acknowledge link, within
/// <see cref="SmsText"/>'s segment cap. The link is never cut (a cut link cannot acknowledge); the line is.
/// </summary>
public static class SmsPage
{
    public static string Text(IReadOnlyList<Alert> alerts, DateTimeOffset now, string? acknowledgeUrl, int maxSegments = SmsText.DefaultMaxSegments)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var firing = alerts.Where(a => !a.IsResolvedAt(now)).ToArray();
        var shown = firing.Length > 0 ? firing : alerts.ToArray();
        var status = firing.Length > 0 ? "FIRING" : "RESOLVED";
        var first = shown.FirstOrDefault();
        var head = shown.Length > 1 ? $"{status} ({shown.Length})" : status;
        var line = first is null ? head : $"{head}: {Describe(first)}";
        var suffix = acknowledgeUrl is null || firing.Length == 0 ? string.Empty : "\nAck: " + acknowledgeUrl;
        return SmsText.Compose(line, suffix, maxSegments);
    }

    private static string Describe(Alert alert)
    {
        var severity = alert.Labels["severity"];
        var what = alert.Annotations["summary"] is { Length: > 0 } summary ? summary
            : string.Join(' ', alert.Labels.Where(l => l.Name is not ("alertname" or "severity")).Select(l => $"{l.Name}={l.Value}"));
        var name = alert.Labels["alertname"];
        return severity.Length > 0 ? $"{name} [{severity}] {what}" : $"{name} {what}";
    }
}
