namespace Alerting.Core.Grouping;

/// <summary>
/// When a group's first notification goes out. Alertmanager waits <c>group_wait</c> after a group is
/// created, but flushes at once when an alert joining a group that has not flushed yet started more than
/// <c>group_wait</c> ago (dispatch.go, <c>aggrGroup.insert</c>): the usual case for alerts from rules with
/// <c>for:</c>, which have been true for a while before they reach us.
/// </summary>
public static class FirstFlush
{
    /// <summary>The first flush time of a group created at <paramref name="now"/> by an alert that started at <paramref name="alertStartsAt"/>.</summary>
    public static DateTimeOffset At(DateTimeOffset alertStartsAt, DateTimeOffset now, TimeSpan groupWait) =>
        StartedLongAgo(alertStartsAt, now, groupWait) ? now : now + groupWait;

    /// <summary>
    /// Whether an alert joining an existing group moves its still-pending first flush to now: the group has
    /// not flushed (its next flush is still the one set at creation) and the alert started over
    /// <paramref name="groupWait"/> ago.
    /// </summary>
    public static bool BringForward(DateTimeOffset groupCreatedAt, DateTimeOffset nextFlushAt, DateTimeOffset alertStartsAt, DateTimeOffset now, TimeSpan groupWait) =>
        nextFlushAt == groupCreatedAt + groupWait && nextFlushAt > now && StartedLongAgo(alertStartsAt, now, groupWait);

    private static bool StartedLongAgo(DateTimeOffset alertStartsAt, DateTimeOffset now, TimeSpan groupWait) =>
        alertStartsAt + groupWait < now;
}
