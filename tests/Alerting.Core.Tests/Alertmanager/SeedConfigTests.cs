using Alerting.Core.Config;
using Alerting.Core.Alertmanager;
using Alerting.Core.Model;

using Alerting.Tooling.Alertmanager;
namespace Alerting.Core.Tests.Alertmanager;

/// <summary>The users' own alertmanager.yml files from the seeds, judged as amtool 0.25 judges them.</summary>
public sealed class SeedConfigTests
{
    [Fact]
    public void Seed002IsRejectedBecauseItsSlackUrlIsAPlaceholder()
    {
        var yaml = AlertmanagerTestData.SeedConfig("002", "Create `alertmanager.yml`");
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "seed-002.yml"));
        Assert.Equal("unsupported scheme \"\" for URL", e.Detail);
        Assert.Equal("receivers[1].slack_configs[0].api_url", e.Key);
        Assert.Contains("seed-002.yml:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Seed003IsRejectedBecauseEmailConfigsHaveNoSubjectOrBodyField()
    {
        var yaml = AlertmanagerTestData.SeedConfig("003", "alertmanager.yml");
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "seed-003.yml"));
        Assert.Equal(
            "yaml: unmarshal errors:\n  line 12: field subject not found in type config.plain\n  line 13: field body not found in type config.plain",
            e.Detail);
        Assert.Equal(12, e.Line);
        Assert.Equal("receivers[0].email_configs[0].subject", e.Key);
    }

    [Fact]
    public void Seed002WithPlaceholdersFilledRoutesCriticalAlertsToPagerDutyAndSlack()
    {
        var cfg = AlertmanagerConfigLoader.Parse(RoutesAmtoolComparisonTests.Seed002Runnable(), "seed-002.yml");
        var labels = Labels.From(("alertname", "HighDBSyncFailureRate"), ("severity", "critical"));
        Assert.Equal("pagerduty-critical,slack-critical", AmtoolCompat.Receivers(cfg.Root, labels));
        var pd = Assert.Single(cfg.GetReceiver("pagerduty-critical")!.PagerDutyConfigs);
        Assert.Equal("<your_pagerduty_service_key>", pd.ServiceKey);
        Assert.False(pd.UsesEventsV2);
        Assert.Equal("{{ .Alerts.Firing | len }}", pd.Details["firing"]);
        Assert.Equal("{{ template \"pagerduty.default.instances\" .Alerts.Resolved }}", PagerDutyConfig.DefaultDetails["resolved"]);
        var slack = Assert.Single(cfg.GetReceiver("slack-critical")!.SlackConfigs);
        Assert.True(slack.SendResolved);
        Assert.Equal("#trading-alerts-critical", slack.Channel);
        var email = Assert.Single(cfg.GetReceiver("team-trading")!.EmailConfigs);
        Assert.Equal("Portfolio Manager Alert: {{ .GroupLabels.alertname }}", email.Headers["Subject"]);
        Assert.Equal("localhost:25", email.Smarthost);
        Assert.Equal(TimeSpan.FromHours(12), cfg.Root.RepeatInterval);
        var rule = Assert.Single(cfg.InhibitRules);
        Assert.Equal(["alertname", "instance"], rule.Equal);
    }
}
