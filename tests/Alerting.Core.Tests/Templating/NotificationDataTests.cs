using System.Text.Json;
using Alerting.Core.Model;
using Alerting.Core.Templating;

namespace Alerting.Core.Tests.Templating;

public sealed class NotificationDataTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void WebhookJsonMatchesAlertmanagerV4Layout()
    {
        var labels = Labels.From(("alertname", "Disk<Full>"), ("instance", "db-1"));
        var data = NotificationData.Create(
            "ops",
            Labels.From(("alertname", "Disk<Full>")),
            [new Alert(labels, Labels.From(("summary", "disk \"full\" & rising")), new DateTimeOffset(2026, 11, 24, 11, 59, 30, 500, TimeSpan.Zero), null, "http://prom/g")],
            Now,
            "http://am:9093",
            "{}:{alertname=\"Disk<Full>\"}");

        var json = data.ToWebhookJson();

        var expected =
            "{\"receiver\":\"ops\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\"," +
            "\"labels\":{\"alertname\":\"Disk\\u003cFull\\u003e\",\"instance\":\"db-1\"}," +
            "\"annotations\":{\"summary\":\"disk \\\"full\\\" \\u0026 rising\"}," +
            "\"startsAt\":\"2026-11-24T11:59:30.5Z\",\"endsAt\":\"0001-01-01T00:00:00Z\"," +
            "\"generatorURL\":\"http://prom/g\",\"fingerprint\":\"" + labels.FingerprintHex() + "\"}]," +
            "\"groupLabels\":{\"alertname\":\"Disk\\u003cFull\\u003e\"}," +
            "\"commonLabels\":{\"alertname\":\"Disk\\u003cFull\\u003e\",\"instance\":\"db-1\"}," +
            "\"commonAnnotations\":{\"summary\":\"disk \\\"full\\\" \\u0026 rising\"}," +
            "\"externalURL\":\"http://am:9093\",\"version\":\"4\"," +
            "\"groupKey\":\"{}:{alertname=\\\"Disk\\u003cFull\\u003e\\\"}\",\"truncatedAlerts\":0}";
        Assert.Equal(expected, json);
    }

    [Fact]
    public void WebhookJsonRoundTripsThroughSystemTextJson()
    {
        var data = AlertmanagerDefaultTemplateTests.FiringGroup();

        var json = JsonSerializer.Serialize(data);
        var back = JsonSerializer.Deserialize<NotificationData>(json)!;

        Assert.Equal(data.ToWebhookJson(), json);
        Assert.Equal(json, back.ToWebhookJson());
        Assert.Equal(2, back.Alerts.Count);
        Assert.Equal("node", back.CommonLabels.SortedPairs().Single(p => p.Name == "job").Value);
    }

    [Fact]
    public void StatusIsFiringWhenAnyAlertFiresAndResolvedOtherwise()
    {
        var resolved = new Alert(Labels.From(("alertname", "A"), ("i", "1")), Labels.Empty, Now.AddHours(-1), Now.AddMinutes(-1), "");
        var firing = new Alert(Labels.From(("alertname", "A"), ("i", "2")), Labels.Empty, Now.AddHours(-1), Now.AddMinutes(1), "");

        var mixed = NotificationData.Create("r", Labels.Empty, [resolved, firing], Now, "", "k");
        var allResolved = NotificationData.Create("r", Labels.Empty, [resolved], Now, "", "k");

        Assert.Equal("firing", mixed.Status);
        Assert.Equal(["resolved", "firing"], mixed.Alerts.Select(a => a.Status));
        Assert.Equal("resolved", allResolved.Status);
        Assert.Equal(Now.AddMinutes(-1), allResolved.Alerts[0].EndsAt);
    }

    [Fact]
    public void CommonLabelsAndAnnotationsKeepOnlyValuesSharedByAllAlerts()
    {
        var a = new Alert(Labels.From(("alertname", "A"), ("env", "prod"), ("i", "1")), Labels.From(("runbook", "r1"), ("team", "db")), Now, null, "");
        var b = new Alert(Labels.From(("alertname", "A"), ("env", "prod"), ("i", "2")), Labels.From(("runbook", "r2"), ("team", "db")), Now, null, "");

        var data = NotificationData.Create("r", Labels.Empty, [a, b], Now, "", "k");

        Assert.Equal(["alertname", "env"], data.CommonLabels.Names());
        Assert.Equal(["db"], data.CommonAnnotations.Values());
    }

    [Fact]
    public void ReceiverIsRegexpQuotedLikeAlertmanager()
    {
        var data = NotificationData.Create("team.ops (eu)", Labels.Empty, [], Now, "", "k");

        Assert.Equal(@"team\.ops \(eu\)", data.Receiver);
    }

    [Fact]
    public void SortedPairsPutAlertnameFirst()
    {
        var kv = KV.From(Labels.From(("zone", "z"), ("alertname", "A"), ("app", "x")));

        Assert.Equal(["alertname", "app", "zone"], kv.Names());
        Assert.Equal("alertname=A, app=x, zone=z", kv.GoString());
        Assert.Equal(["app", "zone"], kv.Remove(["alertname"]).Names());
    }

    [Fact]
    public void TemplatesSeeGoNamesButNotWebhookOnlyFields()
    {
        var set = TemplateSet.Create(missingKey: MissingKeyMode.Zero);
        var data = AlertmanagerDefaultTemplateTests.FiringGroup();

        Assert.Equal(
            "team-ops firing 2 2 0 http://am.example.com:9093 InstanceDown",
            set.ExecuteText("{{ .Receiver }} {{ .Status }} {{ len .Alerts }} {{ len .Alerts.Firing }} {{ len .Alerts.Resolved }} {{ .ExternalURL }} {{ .CommonLabels.alertname }}", data));
        var error = Assert.Throws<TemplateExecutionException>(() => set.ExecuteText("{{ .GroupKey }}", data));
        Assert.Equal("template: :1:3: executing \"\" at <.GroupKey>: can't evaluate field GroupKey in type *template.Data", error.Message);
        Assert.Equal(
            "0001-01-01 00:00:00 +0000 UTC|2026-11-24 11:00:00 +0000 UTC|alertname=InstanceDown, instance=web-1:9100, job=node, severity=critical",
            set.ExecuteText("{{ with index .Alerts 0 }}{{ .EndsAt }}|{{ .StartsAt }}|{{ .Labels }}{{ end }}", data));
    }

    [Fact]
    public void AlertsSortByJobThenInstanceThenLabelSet()
    {
        Alert A(params (string, string)[] labels) => new(Labels.From(labels), Labels.Empty, Now, null, "");
        var noJob = A(("alertname", "X"), ("instance", "a"));
        var jobB = A(("alertname", "X"), ("job", "b"), ("instance", "z"));
        var jobA2 = A(("alertname", "X"), ("job", "a"), ("instance", "2"));
        var jobA1 = A(("alertname", "X"), ("job", "a"), ("instance", "1"));
        var jobAFewer = A(("job", "a"), ("instance", "1"));

        var sorted = NotificationData.SortLikeAlertmanager([noJob, jobB, jobA2, jobA1, jobAFewer]);

        Assert.Equal([jobAFewer, jobA1, jobA2, jobB, noJob], sorted);
    }

    [Fact]
    public void ClonedSetsDoNotShareAddedFiles()
    {
        var defaults = TemplateSet.Create();
        defaults.AddFile("base", "{{ define \"x\" }}base{{ end }}");
        var custom = defaults.Clone();
        custom.AddFile("user", "{{ define \"x\" }}user{{ end }}");

        Assert.Equal("base", defaults.Execute("x", null));
        Assert.Equal("user", custom.Execute("x", null));
    }
}
