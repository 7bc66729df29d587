namespace Alerting.Core.Retention;

/// <summary>How long each kind of state is kept once it no longer matters (settings <c>Alerting:Retention:*</c>).</summary>
/// <param name="ResolvedAlerts">
/// A resolved alert that no aggregation group holds any more (its resolution was notified) is deleted
/// once it has not been received for this long. Alertmanager drops such alerts at its next alert GC
/// (<c>--alerts.gc-interval</c>, 30m); the wait here also covers the moment between storing an alert
/// and adding it to its groups.
/// </param>
/// <param name="Data">
/// Alertmanager's <c>--data.retention</c> (120h): notification log entries expire this long after they
/// were written, or after twice the group's <c>repeat_interval</c> when that is shorter, as Alertmanager's
/// nflog does; expired silences are deleted this long after they ended.
/// </param>
/// <param name="Incidents">An incident is deleted when its alert is resolved or gone and nothing happened to it for this long.</param>
/// <param name="Audit">Audit rows older than this are deleted.</param>
public sealed record RetentionPolicy(TimeSpan ResolvedAlerts, TimeSpan Data, TimeSpan Incidents, TimeSpan Audit)
{
    public static RetentionPolicy Default { get; } = new(TimeSpan.FromMinutes(15), TimeSpan.FromHours(120), TimeSpan.FromHours(120), TimeSpan.FromHours(120));

    /// <summary>The first problem with the settings, or null when they are usable.</summary>
    public string? Validate()
    {
        if (ResolvedAlerts < TimeSpan.Zero)
        {
            return "ResolvedAlerts must not be negative";
        }
        foreach (var (name, value) in new[] { ("Data", Data), ("Incidents", Incidents), ("Audit", Audit) })
        {
            if (value <= TimeSpan.Zero)
            {
                return $"{name} must be positive";
            }
        }
        return null;
    }
}

/// <summary>An alert as the alerts table holds it: when it ends and when it was last received.</summary>
public sealed record HeldAlert(string Fingerprint, DateTimeOffset? EndsAt, DateTimeOffset UpdatedAt)
{
    public bool IsResolvedAt(DateTimeOffset now) => EndsAt is { } end && end <= now;
}

/// <summary>An aggregation group: its members and its flush chain.</summary>
public sealed record HeldGroup(string GroupId, IReadOnlyCollection<string> Members, DateTimeOffset NextFlushAt, TimeSpan GroupInterval, DateTimeOffset? ClaimedUntil);

/// <summary>A notification log entry (per group and integration) and when it expires, if that was recorded.</summary>
public sealed record LoggedNotification(string GroupId, string Integration, DateTimeOffset SentAt, DateTimeOffset? ExpiresAt);

/// <summary>
/// An incident: whether its alert is still open, when anything last happened to it, and the index rows
/// its PagerDuty incidents should have (one per dedup key).
/// </summary>
public sealed record HeldIncident(string AlertId, bool AlertOpen, DateTimeOffset LastChange, IReadOnlyList<string> PagerDutyKeyRows);

/// <summary>A row of the PagerDuty dedup-key index and the alert it points to.</summary>
public sealed record IndexedPagerDutyKey(string Row, string AlertId);

/// <summary>A row of the inhibition source index: the rule set it was built for and when its alert ends.</summary>
public sealed record IndexedSource(string RuleSet, string Fingerprint, DateTimeOffset EndsAt);

/// <summary>Everything the retention run looked at.</summary>
public sealed record RetentionSnapshot(
    IReadOnlyList<HeldAlert> Alerts,
    IReadOnlyList<HeldGroup> Groups,
    IReadOnlyList<LoggedNotification> Notifications,
    IReadOnlyList<HeldIncident> Incidents,
    IReadOnlyList<IndexedSource> Sources,
    IReadOnlyList<IndexedPagerDutyKey> PagerDutyKeys,
    string? CurrentRuleSet);

/// <summary>What to delete or restart. Deletes are conditional on the row being unchanged since it was read.</summary>
public sealed record RetentionPlan(
    IReadOnlyList<string> AlertsToDelete,
    IReadOnlyList<string> GroupsToRestart,
    IReadOnlyList<string> EmptyGroupsToDelete,
    IReadOnlyList<LoggedNotification> NotificationsToForget,
    IReadOnlyList<string> IncidentsToDelete,
    IReadOnlyList<IndexedSource> SourcesToForget,
    IReadOnlyList<string> PagerDutyKeysToForget,
    IReadOnlyList<string> IncidentsToReindex,
    DateTimeOffset AuditBefore,
    DateTimeOffset SilencesEndedBefore);

/// <summary>
/// The pure garbage-collection planner, with Alertmanager's retention rules: a resolved alert goes once
/// every group that held it has flushed its resolution (groups drop resolved alerts after a successful
/// flush and are deleted when empty, as Alertmanager's aggregation groups), notification log entries
/// expire after <c>min(--data.retention, 2 × repeat_interval)</c>, and our own records (incidents, audit
/// rows) after their configured retention. The handler loads, asks <see cref="Plan"/>, and executes;
/// every delete it does is conditional on the row being unchanged, so running it on several instances at
/// once, or twice, is harmless.
/// </summary>
public static class RetentionPlanner
{
    /// <summary>Alertmanager's nflog expiry: <c>now + retention</c>, or <c>now + 2 × repeat_interval</c> when that is sooner.</summary>
    public static DateTimeOffset NotificationExpiry(DateTimeOffset sentAt, TimeSpan repeatInterval, TimeSpan retention)
    {
        var expiry = repeatInterval * 2;
        return expiry > TimeSpan.Zero && retention > expiry ? sentAt + expiry : sentAt + retention;
    }

    public static RetentionPlan Plan(RetentionSnapshot snapshot, DateTimeOffset now, RetentionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(policy);
        var held = snapshot.Groups.SelectMany(g => g.Members).ToHashSet(StringComparer.Ordinal);

        var alertsToDelete = snapshot.Alerts
            .Where(a => a.IsResolvedAt(now) && !held.Contains(a.Fingerprint) && a.UpdatedAt + policy.ResolvedAlerts <= now && a.EndsAt + policy.ResolvedAlerts <= now)
            .Select(a => a.Fingerprint)
            .ToArray();

        var restart = snapshot.Groups
            .Where(g => g.Members.Count > 0 && IsStalled(g, now))
            .Select(g => g.GroupId)
            .ToArray();
        var emptyGroups = snapshot.Groups
            .Where(g => g.Members.Count == 0 && IsStalled(g, now))
            .Select(g => g.GroupId)
            .ToArray();

        var notifications = snapshot.Notifications
            .Where(n => (n.ExpiresAt ?? n.SentAt + policy.Data) <= now)
            .ToArray();

        var incidents = snapshot.Incidents
            .Where(i => !i.AlertOpen && i.LastChange + policy.Incidents <= now)
            .Select(i => i.AlertId)
            .ToHashSet(StringComparer.Ordinal);

        // Rows of an index built for other inhibit rules are never read again; with the configuration not
        // loading (CurrentRuleSet null) nothing is known to be stale.
        var sources = snapshot.Sources
            .Where(s => (snapshot.CurrentRuleSet is { } current && s.RuleSet != current) || s.EndsAt + policy.ResolvedAlerts <= now)
            .ToArray();

        // The PagerDuty key index follows the incidents: rows pointing to no kept incident go, missing rows are
        // added. A row of a kept incident stays even if the incident does not list it yet: it is written
        // just before the incident records its page.
        var kept = snapshot.Incidents.Where(i => !incidents.Contains(i.AlertId)).ToArray();
        var keptIds = kept.Select(i => i.AlertId).ToHashSet(StringComparer.Ordinal);
        var indexed = snapshot.PagerDutyKeys.Select(k => k.Row).ToHashSet(StringComparer.Ordinal);
        var forgetKeys = snapshot.PagerDutyKeys.Where(k => !keptIds.Contains(k.AlertId)).Select(k => k.Row).ToArray();
        var reindex = kept.Where(i => i.PagerDutyKeyRows.Any(r => !indexed.Contains(r))).Select(i => i.AlertId).ToArray();

        return new RetentionPlan(alertsToDelete, restart, emptyGroups, notifications, incidents.Order(StringComparer.Ordinal).ToArray(), sources, forgetKeys, reindex, now - policy.Audit, now - policy.Data);
    }

    /// <summary>
    /// True when <paramref name="group"/>'s flush chain is dead (its message poisoned, deleted by hand, or
    /// leased by a process that died): the same rule the router applies when an alert joins the group.
    /// </summary>
    public static bool IsStalled(HeldGroup group, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(group);
        return Escalation.RearmPlan.FlushOverdue(group.NextFlushAt, group.ClaimedUntil, now);
    }
}
