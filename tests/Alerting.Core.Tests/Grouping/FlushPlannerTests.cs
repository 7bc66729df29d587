using Alerting.Core.Alertmanager;
using Alerting.Core.Grouping;
using Alerting.Core.Model;
using Alerting.Core.NotificationLog;

namespace Alerting.Core.Tests.Grouping;

/// <summary>What one group flush does, decided without I/O (Alertmanager's flush and notify pipeline stages).</summary>
public sealed class FlushPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static readonly AlertmanagerConfig Config = AlertmanagerConfigLoader.Parse(
        """
        route:
          receiver: team
        receivers:
          - name: team
            webhook_configs:
              - url: http://hook.local/a
              - url: http://hook.local/b
                send_resolved: false
        inhibit_rules:
          - source_matchers: [severity="critical"]
            target_matchers: [severity="warning"]
            equal: [instance]
        """, "alertmanager.yml");

    private static Alert A(string name, string severity = "warning", bool resolved = false, DateTimeOffset? endsAt = null) =>
        new(Labels.From(("alertname", name), ("severity", severity), ("instance", "m1")), Labels.From(("summary", "")),
            Now.AddMinutes(-5), resolved ? Now.AddMinutes(-1) : endsAt, "");

    private static FlushRequest Request(IReadOnlyList<Alert> alerts, params IntegrationLogState[] states) => new()
    {
        GroupKey = "{}:{}",
        Receiver = "team",
        FlushToken = "t2",
        Now = Now,
        Alerts = alerts,
        Config = Config,
        Integrations = states.Length > 0 ? states : [new("webhook-0", true, null, null), new("webhook-1", false, null, null)],
        RepeatInterval = TimeSpan.FromHours(4),
        GroupInterval = TimeSpan.FromMinutes(5),
    };

    [Fact]
    public void Firing_alerts_reach_every_integration_without_the_stored_resolve_timeout_end()
    {
        var plan = FlushPlanner.Plan(Request([A("Disk", endsAt: Now.AddMinutes(5))]));

        Assert.Equal(FlushOutcome.Notify, plan.Outcome);
        Assert.Equal(["webhook-0", "webhook-1"], plan.ToSend.Select(s => s.IntegrationId));
        Assert.All(plan.ToSend.SelectMany(s => s.Alerts), a => Assert.Null(a.EndsAt));
        Assert.Equal(Now.AddMinutes(5), plan.NextFlushAt);
    }

    [Fact]
    public void Resolved_alerts_go_only_to_send_resolved_integrations_but_both_logs_record_them()
    {
        var firing = A("Cpu");
        var last = new NotificationLogEntry([firing.Fingerprint, A("Disk").Fingerprint], [], Now.AddMinutes(-5));
        var plan = FlushPlanner.Plan(Request([firing, A("Disk", resolved: true)],
            new IntegrationLogState("webhook-0", true, last, "t1"),
            new IntegrationLogState("webhook-1", false, last, "t1")));

        var toAll = plan.Steps.Single(s => s.IntegrationId == "webhook-0");
        Assert.Equal(IntegrationAction.Send, toAll.Action);
        Assert.Equal(2, toAll.Alerts.Count);
        Assert.Equal(IntegrationAction.Deduplicated, plan.Steps.Single(s => s.IntegrationId == "webhook-1").Action);
        Assert.Contains(A("Disk").Fingerprint, plan.ResolvedAtFlush);
    }

    [Fact]
    public void A_redelivered_flush_skips_integrations_already_logged_under_its_token()
    {
        var fp = A("Cpu").Fingerprint;
        var plan = FlushPlanner.Plan(Request([A("Cpu")],
            new IntegrationLogState("webhook-0", true, new NotificationLogEntry([fp], [], Now), "t2"),
            new IntegrationLogState("webhook-1", false, null, null)));

        Assert.Equal(IntegrationAction.AlreadyDone, plan.Steps[0].Action);
        Assert.Equal(IntegrationAction.Send, plan.Steps[1].Action);
    }

    [Fact]
    public void Silenced_and_inhibited_alerts_are_not_sent()
    {
        var silence = new Silence("s1", [MatcherParser.Create(MatcherType.Equal, "alertname", "Cpu")], Now.AddHours(-1), Now.AddHours(1), "me", "maintenance");
        var request = Request([A("Cpu"), A("Disk")]) with
        {
            Silences = [silence],
            InhibitionSources = [Labels.From(("alertname", "Down"), ("severity", "critical"), ("instance", "m1"))],
        };

        var plan = FlushPlanner.Plan(request);

        Assert.Equal(FlushOutcome.NothingToNotify, plan.Outcome);
        Assert.Empty(plan.ToSend);
    }

    [Fact]
    public void A_receiver_missing_from_the_configuration_sends_nothing()
    {
        var plan = FlushPlanner.Plan(Request([A("Cpu")]) with { Receiver = "gone" });

        Assert.Equal(FlushOutcome.UnknownReceiver, plan.Outcome);
        Assert.Empty(plan.Steps);
    }
}
