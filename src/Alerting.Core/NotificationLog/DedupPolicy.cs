namespace Alerting.Core.NotificationLog;

/// <summary>
/// Alertmanager's DedupStage decision: whether an integration must be notified about a group now,
/// given what it was last told. Keeping this identical is what makes repeats, resolves and
/// redeliveries behave like Alertmanager.
/// </summary>
public static class DedupPolicy
{
    public static bool NeedsUpdate(
        NotificationLogEntry? last,
        IReadOnlySet<string> firing,
        IReadOnlySet<string> resolved,
        bool sendResolved,
        TimeSpan repeatInterval,
        DateTimeOffset now)
    {
        if (last is null)
        {
            // Never notified: only worth it when something is firing.
            return firing.Count > 0;
        }
        if (!firing.All(last.FiringFingerprints.Contains))
        {
            return true;
        }
        if (firing.Count == 0)
        {
            // Everything resolved: tell the receiver only if it knew about firing alerts; this is
            // irrespective of send_resolved so the log is cleared of firing alerts.
            return last.FiringFingerprints.Count > 0;
        }
        if (sendResolved && !resolved.All(last.ResolvedFingerprints.Contains))
        {
            return true;
        }
        return last.SentAt < now - repeatInterval;
    }
}
