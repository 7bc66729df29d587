using Alerting.Core.Model;
using Alerting.Core.Templating;

namespace Alerting.Core.Tests.Templating;

public sealed class AlertmanagerDefaultTemplateTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static TemplateSet Load() =>
        AlertmanagerTemplates.LoadDefault(TestPaths.Conformance("alertmanager", "template", "default.tmpl"));

    internal static NotificationData FiringGroup() => NotificationData.Create(
        "team-ops",
        Labels.From(("alertname", "InstanceDown")),
        [
            new Alert(
                Labels.From(("alertname", "InstanceDown"), ("instance", "web-1:9100"), ("job", "node"), ("severity", "critical")),
                Labels.From(("summary", "User machine web-1:9100 is down")),
                new DateTimeOffset(2026, 11, 24, 11, 0, 0, TimeSpan.Zero),
                null,
                "http://prom:9090/graph?g0.expr=up+%3D%3D+0"),
            new Alert(
                Labels.From(("alertname", "InstanceDown"), ("instance", "web-2:9100"), ("job", "node"), ("severity", "critical")),
                Labels.From(("summary", "User machine web-2:9100 is down")),
                new DateTimeOffset(2026, 11, 24, 11, 30, 0, TimeSpan.Zero),
                null,
                "http://prom:9090/graph?g0.expr=up+%3D%3D+0"),
        ],
        Now,
        "http://am.example.com:9093",
        "{}:{alertname=\"InstanceDown\"}");

    private static NotificationData MixedGroup() => NotificationData.Create(
        "team-ops",
        Labels.From(("alertname", "HighLatency"), ("cluster", "eu1")),
        [
            new Alert(
                Labels.From(("alertname", "HighLatency"), ("cluster", "eu1"), ("instance", "api-1"), ("severity", "warning")),
                Labels.From(("summary", "p99 latency high")),
                Now.AddHours(-2),
                Now.AddMinutes(-5),
                "http://prom/1"),
            new Alert(
                Labels.From(("alertname", "HighLatency"), ("cluster", "eu1"), ("instance", "api-2"), ("severity", "warning")),
                Labels.From(("summary", "p99 latency high")),
                Now.AddHours(-1),
                Now.AddMinutes(5),
                "http://prom/2"),
        ],
        Now,
        "http://am:9093",
        "key");

    [Fact]
    public void DefaultTemplatesLoadUnchanged()
    {
        var set = Load();

        Assert.True(set.HasTemplate("slack.default.title"));
        Assert.True(set.HasTemplate("email.default.html"));
        Assert.True(set.HasTemplate("jira.default.priority"));
    }

    [Fact]
    public void SlackTitleShowsStatusCountGroupAndExtraCommonLabels()
    {
        var title = Load().Execute("slack.default.title", FiringGroup());

        Assert.Equal("[FIRING:2] InstanceDown (node critical)", title);
    }

    [Fact]
    public void SlackTextIsEmptyByDefault()
    {
        Assert.Equal("", Load().Execute("slack.default.text", FiringGroup()));
    }

    [Fact]
    public void EmailSubjectAndPagerDutyDescriptionUseTheSubject()
    {
        var set = Load();
        var data = FiringGroup();

        Assert.Equal("[FIRING:2] InstanceDown (node critical)", set.Execute("email.default.subject", data));
        Assert.Equal("[FIRING:2] InstanceDown (node critical)", set.Execute("pagerduty.default.description", data));
    }

    [Fact]
    public void SubjectWithoutExtraCommonLabelsHasNoParenthesis()
    {
        var data = NotificationData.Create(
            "r",
            Labels.From(("alertname", "A"), ("instance", "x")),
            [new Alert(Labels.From(("alertname", "A"), ("instance", "x")), Labels.Empty, Now, null, "")],
            Now,
            "http://am",
            "k");

        Assert.Equal("[FIRING:1] A x ", Load().Execute("slack.default.title", data));
    }

    [Fact]
    public void ResolvedGroupSubjectHasNoCount()
    {
        var data = NotificationData.Create(
            "r",
            Labels.From(("alertname", "A")),
            [new Alert(Labels.From(("alertname", "A")), Labels.Empty, Now.AddHours(-1), Now.AddMinutes(-1), "")],
            Now,
            "http://am",
            "k");

        Assert.Equal("[RESOLVED] A ", Load().Execute("slack.default.title", data));
        Assert.Equal("good", Load().Execute("slack.default.color", data));
    }

    [Fact]
    public void TitleLinkQueryEscapesTheReceiver()
    {
        var data = NotificationData.Create("team ops/eu", Labels.Empty, [], Now, "http://am:9093", "k");

        Assert.Equal("http://am:9093/#/alerts?receiver=team+ops%2Feu", Load().Execute("slack.default.titlelink", data));
    }

    [Fact]
    public void OpsgenieDescriptionListsFiringAlertsWithTrimmedWhitespace()
    {
        var text = Load().Execute("opsgenie.default.description", FiringGroup());

        var expected =
            "\nAlerts Firing:\n" +
            "Labels:\n - alertname = InstanceDown\n - instance = web-1:9100\n - job = node\n - severity = critical\n" +
            "Annotations:\n - summary = User machine web-1:9100 is down\n" +
            "Source: http://prom:9090/graph?g0.expr=up+%3D%3D+0\n" +
            "Labels:\n - alertname = InstanceDown\n - instance = web-2:9100\n - job = node\n - severity = critical\n" +
            "Annotations:\n - summary = User machine web-2:9100 is down\n" +
            "Source: http://prom:9090/graph?g0.expr=up+%3D%3D+0\n" +
            "\n";
        Assert.Equal(expected, text);
    }

    [Fact]
    public void MixedGroupSplitsFiringAndResolvedAlerts()
    {
        var text = Load().Execute("opsgenie.default.description", MixedGroup());

        var expected =
            "p99 latency high\n" +
            "Alerts Firing:\n" +
            "Labels:\n - alertname = HighLatency\n - cluster = eu1\n - instance = api-2\n - severity = warning\n" +
            "Annotations:\n - summary = p99 latency high\nSource: http://prom/2\n" +
            "\n" +
            "Alerts Resolved:\n" +
            "Labels:\n - alertname = HighLatency\n - cluster = eu1\n - instance = api-1\n - severity = warning\n" +
            "Annotations:\n - summary = p99 latency high\nSource: http://prom/1\n";
        Assert.Equal(expected, text);
        Assert.Equal("[FIRING:1] HighLatency eu1 (warning)", Load().Execute("slack.default.title", MixedGroup()));
    }

    [Fact]
    public void JiraPriorityPicksTheHighestFiringSeverity()
    {
        Assert.Equal("High", Load().Execute("jira.default.priority", FiringGroup()));
        Assert.Equal("Medium", Load().Execute("jira.default.priority", MixedGroup()));
    }

    [Fact]
    public void EmailHtmlRendersTheGroup()
    {
        var html = Load().Execute("email.default.html", FiringGroup());

        Assert.StartsWith("\n<!--", html, StringComparison.Ordinal);
        Assert.Contains("<!DOCTYPE html", html, StringComparison.Ordinal);
        Assert.Contains("2 alerts for \n                alertname=InstanceDown\n", html, StringComparison.Ordinal);
        Assert.Contains("<title>[FIRING:2] InstanceDown (node critical)</title>", html, StringComparison.Ordinal);
        Assert.Contains("http://am.example.com:9093/#/alerts?receiver=team-ops", html, StringComparison.Ordinal);
        Assert.Contains("instance = web-2:9100", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<no value>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void ExecuteTextCanCallDefinedTemplates()
    {
        var set = Load();

        var text = set.ExecuteText("{{ template \"slack.default.title\" . }} via {{ .Receiver }}", FiringGroup());

        Assert.Equal("[FIRING:2] InstanceDown (node critical) via team-ops", text);
        Assert.Equal("", set.ExecuteText("", FiringGroup()));
    }

    [Fact]
    public void UserTemplateFileCanOverrideADefault()
    {
        var set = Load();
        set.AddFile("custom.tmpl", "{{ define \"slack.default.title\" }}custom {{ .Status }}{{ end }}");

        Assert.Equal("custom firing", set.Execute("slack.default.title", FiringGroup()));
    }
}
