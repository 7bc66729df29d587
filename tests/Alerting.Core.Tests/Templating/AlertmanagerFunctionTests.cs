using Alerting.Core.Templating;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.Core.Tests.Templating;

public sealed class AlertmanagerFunctionTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    private static string Render(string text, object? data = null)
    {
        var set = AlertmanagerTemplates.CreateSet(Clock);
        return set.ExecuteText(text, data ?? AlertmanagerDefaultTemplateTests.FiringGroup());
    }

    [Theory]
    [InlineData("{{ \"hello wORLD\" | title }}", "Hello World")]
    [InlineData("{{ \"Mixed\" | toUpper }} {{ \"Mixed\" | toLower }}", "MIXED mixed")]
    [InlineData("[{{ \"  padded \\n\" | trimSpace }}]", "[padded]")]
    [InlineData("{{ .CommonLabels.Names | join \",\" }}", "alertname,job,severity")]
    [InlineData("{{ stringSlice \"a\" \"b\" | join \"-\" }}", "a-b")]
    [InlineData("{{ match \"^web-[0-9]\" (index .Alerts 0).Labels.instance }}", "true")]
    [InlineData("{{ reReplaceAll \"web-(\\\\d+):.*\" \"host$1\" (index .Alerts 1).Labels.instance }}", "host2")]
    [InlineData("{{ reReplaceAll \"(a)\" \"${1}x$1x\" \"a\" }}", "ax")]
    [InlineData("{{ reReplaceAll \"(?P<host>[^:]+):(?P<port>[[:digit:]]+)\" \"$port@$host\" \"web-1:9100\" }}", "9100@web-1")]
    [InlineData("{{ urlUnescape \"a%20b+c\" }}", "a b c")]
    [InlineData("{{ safeHtml \"<b>\" }}", "<b>")]
    [InlineData("{{ (index .Alerts 0).StartsAt | date \"2006-01-02T15:04:05Z07:00 Mon Jan 2 3PM\" }}", "2026-11-24T11:00:00Z Tue Nov 24 11AM")]
    [InlineData("{{ (index .Alerts 0).StartsAt | tz \"Asia/Kolkata\" | date \"15:04 -07:00\" }}", "16:30 +05:30")]
    [InlineData("{{ (index .Alerts 0).StartsAt | tz \"Europe/Paris\" | date \"15:04 MST\" }} {{ (index .Alerts 0).StartsAt | tz \"Europe/Paris\" }}", "12:00 CET 2026-11-24 12:00:00 +0100 CET")]
    [InlineData("{{ ((index .Alerts 0).StartsAt | tz \"America/New_York\").Format \"Jan 2 3:04PM MST\" }}", "Nov 24 6:00AM EST")]
    [InlineData("{{ since (index .Alerts 0).StartsAt }}", "1h0m0s")]
    [InlineData("{{ since (index .Alerts 1).StartsAt | humanizeDuration }}", "30m 0s")]
    [InlineData("{{ humanizeDuration 90061 }} {{ humanizeDuration \"0.25\" }}", "1d 1h 1m 1s 250ms")]
    [InlineData("{{ now }}", "2026-11-24 12:00:00 +0000 UTC")]
    [InlineData("{{ .GroupLabels | toJson }} {{ \"<x>\" | toJson }} {{ list 1 \"a\" 1.5 | toJson }}", "{\"alertname\":\"InstanceDown\"} \"\\u003cx\\u003e\" [1,\"a\",1.5]")]
    [InlineData("{{ with dict \"a\" 1 \"b\" \"two\" }}{{ .a }} {{ .b }}{{ end }} {{ append (list 1) 2 3 }}", "1 two [1 2 3]")]
    [InlineData("{{ .CommonLabels }} | {{ .CommonLabels.SortedPairs }}", "alertname=InstanceDown, job=node, severity=critical | alertname=InstanceDown, job=node, severity=critical")]
    [InlineData("[{{ .CommonLabels.nope }}]", "[]")]
    [InlineData("{{ with index .Alerts 0 }}{{ .StartsAt.Format \"Jan 2, 15:04 MST\" }} {{ .StartsAt.Unix }} {{ .EndsAt.IsZero }} {{ .StartsAt.Hour }}{{ end }}", "Nov 24, 11:00 UTC 1795518000 true 11")]
    [InlineData("{{ ((index .Alerts 1).StartsAt.Sub (index .Alerts 0).StartsAt) }} {{ ((index .Alerts 1).StartsAt.Sub (index .Alerts 0).StartsAt).Minutes }}", "30m0s 30")]
    [InlineData("{{ if gt (since (index .Alerts 0).StartsAt) 0 }}old{{ end }} {{ printf \"%d\" (since (index .Alerts 1).StartsAt) }}", "old 1800000000000")]
    public void FunctionsBehaveLikeAlertmanager(string text, string expected)
    {
        Assert.Equal(expected, Render(text));
    }

    [Fact]
    public void AlertsSerialiseToWebhookAlertObjects()
    {
        var json = Render("{{ (index .Alerts 0) | toJson }}");

        Assert.StartsWith("{\"status\":\"firing\",\"labels\":{\"alertname\":\"InstanceDown\",\"instance\":\"web-1:9100\"", json, StringComparison.Ordinal);
        Assert.Contains("\"startsAt\":\"2026-11-24T11:00:00Z\",\"endsAt\":\"0001-01-01T00:00:00Z\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void FunctionErrorsNameTheFunction()
    {
        var error = Assert.Throws<TemplateExecutionException>(() => Render("{{ tz \"Nowhere/Land\" (index .Alerts 0).StartsAt }}"));

        Assert.Equal("template: :1:3: executing \"\" at <tz \"Nowhere/Land\" (index .Alerts 0).StartsAt>: error calling tz: unknown time zone Nowhere/Land", error.Message);
    }

    [Theory]
    [InlineData("{{ toUpper 3 }}", "template: :1:11: executing \"\" at <3>: expected string; found 3")]
    [InlineData("{{ .Receiver | join \",\" }}", "template: :1:20: executing \"\" at <\",\">: wrong type for value; expected []string; got string")]
    [InlineData("{{ .CommonLabels.Remove \"job\" }}", "template: :1:24: executing \"\" at <\"job\">: can't handle \"job\" for arg of type []string")]
    [InlineData("{{ \"job\" | .CommonLabels.Remove }}", "template: :1:24: executing \"\" at <.CommonLabels.Remove>: wrong type for value; expected []string; got string")]
    [InlineData("{{ .CommonLabels.Remove }}", "template: :1:16: executing \"\" at <.CommonLabels.Remove>: wrong number of args for Remove: want 1 got 0")]
    public void WrongArgumentsAreReportedLikeGo(string text, string expected)
    {
        var error = Assert.Throws<TemplateExecutionException>(() => Render(text));

        Assert.Equal(expected, error.Message);
    }
}
