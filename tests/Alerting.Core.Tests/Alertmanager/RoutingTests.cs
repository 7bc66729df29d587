using Alerting.Core.Alertmanager;
using Alerting.Core.Model;

namespace Alerting.Core.Tests.Alertmanager;

public sealed class RoutingTests
{
    private const string Config = """
        global:
          smtp_smarthost: 'localhost:25'
          smtp_from: 'am@example.org'
        route:
          receiver: default
          group_by: [alertname]
          group_wait: 10s
          routes:
            - matchers: ['severity="critical"']
              receiver: pager
              continue: true
              group_interval: 1m
            - match:
                severity: critical
              receiver: slack
              routes:
                - match_re:
                    team: db|storage
                  receiver: dba
                  group_by: ['...']
            - matchers: ['severity=~"warn.*"', 'team!="ops"']
              receiver: warnings
              repeat_interval: 1d
              group_by: []
        receivers:
          - name: default
            email_configs: [{to: 'ops@example.org'}]
          - name: pager
            pagerduty_configs: [{routing_key: 'abc'}]
          - name: slack
            slack_configs: [{api_url: 'https://hooks.slack.com/services/X', channel: '#alerts'}]
          - name: dba
            webhook_configs: [{url: 'http://localhost:9000/hook'}]
          - name: warnings
            webhook_configs: [{url: 'http://localhost:9000/warn'}]
        """;

    private static readonly AlertmanagerConfig Cfg = AlertmanagerConfigLoader.Parse(Config, "routing.yml");

    [Fact]
    public void ContinueSendsCriticalAlertsToPagerAndThenTheNextMatchingRoute()
    {
        var matches = Cfg.Root.Match(Labels.From(("alertname", "DiskFull"), ("severity", "critical")));
        Assert.Equal(["pager", "slack"], matches.Select(m => m.Receiver));
    }

    [Fact]
    public void DeepestMatchingChildWinsAndInheritsTimingsFromItsParents()
    {
        var m = Assert.Single(Cfg.Root.Match(Labels.From(("alertname", "X"), ("severity", "critical"), ("team", "db"))).Skip(1));
        Assert.Equal("dba", m.Receiver);
        Assert.Equal(TimeSpan.FromSeconds(10), m.GroupWait);
        Assert.Equal(TimeSpan.FromMinutes(5), m.GroupInterval);
        Assert.Equal(TimeSpan.FromHours(4), m.RepeatInterval);
        Assert.True(m.GroupByAll);
    }

    [Fact]
    public void UnmatchedAlertFallsBackToTheRootReceiverWithDefaults()
    {
        var m = Assert.Single(Cfg.Root.Match(Labels.From(("alertname", "X"), ("severity", "info"))));
        Assert.Equal("default", m.Receiver);
        Assert.Equal("{}", m.RouteKey);
        Assert.Equal(["alertname"], m.GroupBy);
    }

    [Fact]
    public void EmptyGroupByInheritsTheParentsLabels()
    {
        var m = Assert.Single(Cfg.Root.Match(Labels.From(("alertname", "Slow"), ("severity", "warning"))));
        Assert.Equal("warnings", m.Receiver);
        Assert.Equal(["alertname"], m.GroupBy);
        Assert.Equal(TimeSpan.FromDays(1), m.RepeatInterval);
    }

    [Fact]
    public void GroupKeyUsesAlertmanagersFormat()
    {
        var labels = Labels.From(("alertname", "DiskFull"), ("severity", "critical"), ("instance", "a:9100"));
        var pager = Cfg.Root.Match(labels)[0];
        Assert.Equal("{}/{severity=\"critical\"}:{alertname=\"DiskFull\"}", pager.GroupKey(labels));
        Assert.Equal("{}/{severity=\"critical\"}/0", pager.RouteId);
        Assert.Equal(Labels.From(("alertname", "DiskFull")), pager.GroupLabels(labels));
        // sha256 of the key above, computed independently (Python hashlib).
        Assert.Equal("4c26a688747092baaccb8a2be623c6ee92dde0bb2d46ef34d57d6c6eb7c95dae", pager.GroupKeyHash(labels));
    }

    [Fact]
    public void GroupByAllPutsEveryLabelInTheGroupKey()
    {
        var labels = Labels.From(("alertname", "X"), ("severity", "critical"), ("team", "storage"));
        var dba = Cfg.Root.Match(labels)[1];
        Assert.Equal(
            "{}/{severity=\"critical\"}/{team=~\"^(?:db|storage)$\"}:{alertname=\"X\", severity=\"critical\", team=\"storage\"}",
            dba.GroupKey(labels));
    }

    [Fact]
    public void NegativeMatcherMatchesAlertsWithoutTheLabel()
    {
        Assert.Equal("warnings", Assert.Single(Cfg.Root.Match(Labels.From(("severity", "warn")))).Receiver);
        Assert.Equal("default", Assert.Single(Cfg.Root.Match(Labels.From(("severity", "warn"), ("team", "ops")))).Receiver);
    }

    /// <summary>
    /// A real Alertmanager 0.25 given this config and these alerts sent webhooks with exactly these
    /// receivers and <c>groupKey</c>s.
    /// </summary>
    [Fact]
    public void GroupKeysMatchThoseARealAlertmanagerSentInWebhooks()
    {
        var cfg = AlertmanagerConfigLoader.Parse("""
            route:
              receiver: root
              group_by: [alertname]
              group_wait: 1s
              routes:
              - matchers: ['severity="critical"']
                receiver: crit
                continue: true
                routes:
                - match_re:
                    team: db|storage
                  receiver: dba
                  group_by: ['...']
              - matchers: ['{env=~"prod|staging", team!="ops"}']
                receiver: env
                group_by: [env, instance]
            receivers:
            - name: root
            - name: crit
            - name: dba
            - name: env
            """, "gk.yml");
        (Labels Alert, string Receiver, string GroupKey)[] observed =
        [
            (Labels.From(("alertname", "DiskFull"), ("severity", "critical"), ("team", "db"), ("instance", "h:9100")),
                "dba", "{}/{severity=\"critical\"}/{team=~\"^(?:db|storage)$\"}:{alertname=\"DiskFull\", instance=\"h:9100\", severity=\"critical\", team=\"db\"}"),
            (Labels.From(("alertname", "Latency"), ("severity", "warning"), ("env", "prod"), ("instance", "web-1"), ("msg", "quote\"and\\back")),
                "env", "{}/{env=~\"prod|staging\",team!=\"ops\"}:{env=\"prod\", instance=\"web-1\"}"),
            (Labels.From(("alertname", "Other"), ("severity", "info"), ("region", "zürich")), "root", "{}:{alertname=\"Other\"}"),
        ];
        foreach (var (alert, receiver, groupKey) in observed)
        {
            var m = Assert.Single(cfg.Root.Match(alert));
            Assert.Equal((receiver, groupKey), (m.Receiver, m.GroupKey(alert)));
        }
    }
}
