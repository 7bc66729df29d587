using Alerting.Core.Model;

namespace Alerting.Core.Grouping;

/// <summary>Alertmanager's rules for combining a newly received alert with the one already held.</summary>
public static class AlertMerge
{
    /// <summary>
    /// <paramref name="older"/> is what we hold, <paramref name="newer"/> what just arrived. The newer
    /// wins except that the earliest start is kept and an explicit later end is not shortened.
    /// <paramref name="newerEndsAtIsTimeout"/> marks an end we computed from resolve_timeout.
    /// </summary>
    public static Alert Merge(Alert older, Alert newer, DateTimeOffset now, bool olderEndsAtIsTimeout)
    {
        var result = newer;
        if (older.StartsAt < newer.StartsAt)
        {
            result = result with { StartsAt = older.StartsAt };
        }
        if (newer.IsResolvedAt(now))
        {
            if (older.IsResolvedAt(now) && older.EndsAt > newer.EndsAt)
            {
                result = result with { EndsAt = older.EndsAt };
            }
        }
        else if (older.EndsAt is { } oe && newer.EndsAt is { } ne && oe > ne && !olderEndsAtIsTimeout)
        {
            result = result with { EndsAt = oe };
        }
        return result;
    }
}
