using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Core.Retention;

namespace Alerting.Core.Tests.Retention;

/// <summary>The garbage-collection planner, rule by rule: what goes, what stays, and why.</summary>
public sealed class RetentionPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly RetentionPolicy Policy = RetentionPolicy.Default;

    private static RetentionSnapshot Snapshot(
        IReadOnlyList<HeldAlert>? alerts = null,
        IReadOnlyList<HeldGroup>? groups = null,
        IReadOnlyList<LoggedNotification>? notifications = null,
        IReadOnlyList<HeldIncident>? incidents = null,
        IReadOnlyList<IndexedSource>? sources = null,
        IReadOnlyList<IndexedPagerDutyKey>? keys = null,
        string? ruleSet = "s1") =>
        new(alerts ?? [], groups ?? [], notifications ?? [], incidents ?? [], sources ?? [], keys ?? [], ruleSet);

    private static HeldGroup Group(string id, params string[] members) => new(id, members, Now.AddMinutes(1), TimeSpan.FromMinutes(5), null);

    [Fact]
    public void A_resolved_alert_goes_once_no_group_holds_it_and_it_was_not_received_for_a_while()
    {
        var resolvedLongAgo = new HeldAlert("a", Now.AddHours(-1), Now.AddHours(-1));
        var heldByGroup = new HeldAlert("b", Now.AddHours(-1), Now.AddHours(-1));
        var justReceived = new HeldAlert("c", Now.AddHours(-1), Now.AddMinutes(-1));
        var firing = new HeldAlert("d", Now.AddMinutes(5), Now.AddHours(-1));
        var noEnd = new HeldAlert("e", null, Now.AddDays(-3));

        var plan = RetentionPlanner.Plan(Snapshot([resolvedLongAgo, heldByGroup, justReceived, firing, noEnd], [Group("g", "b")]), Now, Policy);

        Assert.Equal(["a"], plan.AlertsToDelete);
    }

    [Fact]
    public void A_notification_log_entry_expires_after_twice_the_repeat_interval_or_the_data_retention_if_shorter()
    {
        Assert.Equal(Now.AddHours(8), RetentionPlanner.NotificationExpiry(Now, TimeSpan.FromHours(4), TimeSpan.FromHours(120)));
        Assert.Equal(Now.AddHours(120), RetentionPlanner.NotificationExpiry(Now, TimeSpan.FromDays(7), TimeSpan.FromHours(120)));
        Assert.Equal(Now.AddHours(120), RetentionPlanner.NotificationExpiry(Now, TimeSpan.Zero, TimeSpan.FromHours(120)));

        var expired = new LoggedNotification("g1", "slack-0", Now.AddHours(-9), Now.AddHours(-1));
        var live = new LoggedNotification("g2", "slack-0", Now.AddHours(-1), Now.AddHours(7));
        var legacyOld = new LoggedNotification("g3", "email-0", Now.AddHours(-121), null);
        var legacyNew = new LoggedNotification("g4", "email-0", Now.AddHours(-119), null);
        var plan = RetentionPlanner.Plan(Snapshot(notifications: [expired, live, legacyOld, legacyNew]), Now, Policy);

        Assert.Equal(["g1", "g3"], plan.NotificationsToForget.Select(n => n.GroupId));
    }

    [Fact]
    public void A_group_whose_flush_is_long_overdue_and_unclaimed_is_restarted_and_an_empty_one_deleted()
    {
        var stalled = new HeldGroup("stalled", ["a"], Now.AddMinutes(-20), TimeSpan.FromMinutes(5), null);
        var onTime = new HeldGroup("ontime", ["a"], Now.AddSeconds(-30), TimeSpan.FromMinutes(5), null); // within RearmPlan.Grace
        var beingFlushed = new HeldGroup("claimed", ["a"], Now.AddMinutes(-20), TimeSpan.FromMinutes(5), Now.AddMinutes(1));
        var empty = new HeldGroup("empty", [], Now.AddMinutes(-20), TimeSpan.FromMinutes(5), null);

        var plan = RetentionPlanner.Plan(Snapshot(groups: [stalled, onTime, beingFlushed, empty]), Now, Policy);

        Assert.Equal(["stalled"], plan.GroupsToRestart);
        Assert.Equal(["empty"], plan.EmptyGroupsToDelete);
    }

    [Fact]
    public void An_incident_goes_when_its_alert_is_closed_and_nothing_happened_to_it_for_the_retention()
    {
        var old = new HeldIncident("old", AlertOpen: false, Now.AddHours(-121), []);
        var recent = new HeldIncident("recent", AlertOpen: false, Now.AddHours(-1), []);
        var stillFiring = new HeldIncident("firing", AlertOpen: true, Now.AddDays(-30), []);

        var plan = RetentionPlanner.Plan(Snapshot(incidents: [old, recent, stillFiring]), Now, Policy);

        Assert.Equal(["old"], plan.IncidentsToDelete);
        Assert.Equal(Now.AddHours(-120), plan.AuditBefore);
        Assert.Equal(Now.AddHours(-120), plan.SilencesEndedBefore);
    }

    [Fact]
    public void The_pagerduty_key_index_follows_the_incidents()
    {
        var deleted = new HeldIncident("gone", AlertOpen: false, Now.AddDays(-6), ["k-gone"]);
        var kept = new HeldIncident("kept", AlertOpen: true, Now, ["k-kept", "k-missing"]);
        var keys = new[] { new IndexedPagerDutyKey("k-gone", "gone"), new IndexedPagerDutyKey("k-kept", "kept"), new IndexedPagerDutyKey("k-written-first", "kept"), new IndexedPagerDutyKey("k-orphan", "nobody") };

        var plan = RetentionPlanner.Plan(Snapshot(incidents: [deleted, kept], keys: keys), Now, Policy);

        Assert.Equal(["k-gone", "k-orphan"], plan.PagerDutyKeysToForget);
        Assert.Equal(["kept"], plan.IncidentsToReindex);
    }

    [Fact]
    public void Inhibition_source_rows_go_when_their_alert_ended_or_the_rules_changed_but_not_while_the_rules_are_unknown()
    {
        var ended = new IndexedSource("s1", "a", Now.AddMinutes(-20));
        var firing = new IndexedSource("s1", "b", Now.AddMinutes(5));
        var otherRules = new IndexedSource("s0", "c", Now.AddMinutes(5));

        Assert.Equal(["a", "c"], RetentionPlanner.Plan(Snapshot(sources: [ended, firing, otherRules]), Now, Policy).SourcesToForget.Select(s => s.Fingerprint));
        Assert.Equal(["a"], RetentionPlanner.Plan(Snapshot(sources: [ended, firing, otherRules], ruleSet: null), Now, Policy).SourcesToForget.Select(s => s.Fingerprint));
    }

    [Fact]
    public void Settings_that_would_delete_everything_at_once_are_refused()
    {
        Assert.Null(RetentionPolicy.Default.Validate());
        Assert.Contains("Data", (RetentionPolicy.Default with { Data = TimeSpan.Zero }).Validate(), StringComparison.Ordinal);
        Assert.Contains("ResolvedAlerts", (RetentionPolicy.Default with { ResolvedAlerts = TimeSpan.FromMinutes(-1) }).Validate(), StringComparison.Ordinal);
    }
}

/// <summary>Which alerts the inhibition index holds, and the name of the rule set it was built for.</summary>
public sealed class InhibitSourcesTests
{
    private static InhibitRule Rule(string source, string target) =>
        new([MatcherParser.Parse(source)], [MatcherParser.Parse(target)], []);

    [Fact]
    public void An_alert_is_a_source_when_it_matches_the_source_side_of_some_rule()
    {
        var rules = new[] { Rule("alertname=\"FleetDown\"", "severity=\"warning\""), Rule("severity=\"critical\"", "severity=\"info\"") };

        Assert.True(InhibitSources.IsSource(rules, Labels.From(new Dictionary<string, string> { ["alertname"] = "FleetDown", ["severity"] = "warning" })));
        Assert.True(InhibitSources.IsSource(rules, Labels.From(new Dictionary<string, string> { ["alertname"] = "X", ["severity"] = "critical" })));
        Assert.False(InhibitSources.IsSource(rules, Labels.From(new Dictionary<string, string> { ["alertname"] = "X", ["severity"] = "warning" })));
        Assert.False(InhibitSources.IsSource([], Labels.From(new Dictionary<string, string> { ["alertname"] = "X" })));
    }

    [Fact]
    public void The_rule_set_name_changes_with_the_source_matchers_only()
    {
        var a = InhibitSources.Key([Rule("alertname=\"FleetDown\"", "severity=\"warning\"")]);
        var sameSources = InhibitSources.Key([Rule("alertname=\"FleetDown\"", "severity=\"info\"")]);
        var otherSources = InhibitSources.Key([Rule("alertname=\"FleetUp\"", "severity=\"warning\"")]);

        Assert.Equal(a, sameSources);
        Assert.NotEqual(a, otherSources);
        Assert.Equal(string.Empty, InhibitSources.Key([]));
        Assert.True(IsTableKeySafe(a));
    }

    private static bool IsTableKeySafe(string key) => key.All(char.IsAsciiLetterOrDigit);
}
