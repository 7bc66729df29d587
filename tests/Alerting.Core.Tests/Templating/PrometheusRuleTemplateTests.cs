using Alerting.Core.Model;
using Alerting.Core.Templating;

namespace Alerting.Core.Tests.Templating;

public sealed class PrometheusRuleTemplateTests
{
    private static string Expand(string text, double value, Labels? labels = null) =>
        PrometheusRuleTemplates.Expand(
            text,
            labels ?? Labels.From(("instance", "web-1:9100"), ("job", "node")),
            value,
            Labels.From(("cluster", "prod")),
            "http://prometheus.example.com:9090");

    [Theory]
    [InlineData("Total error rate is {{ $value | humanize }}/sec", 1234.5, "Total error rate is 1.234k/sec")]
    [InlineData("Total error rate is {{ $value | humanize }}/sec", 0.07, "Total error rate is 70m/sec")]
    [InlineData("{{ $value }} users have active errors", 3, "3 users have active errors")]
    [InlineData("{{ $value }} users have active errors", 0.07, "0.07 users have active errors")]
    [InlineData("{{ $value }} machines at >90% pool usage", 1e6, "1e+06 machines at >90% pool usage")]
    [InlineData("User machine {{$labels.instance}} is down", 0, "User machine web-1:9100 is down")]
    [InlineData("DB sync failure rate is {{ $value | humanizePercentage }}", 0.1234, "DB sync failure rate is 12.34%")]
    [InlineData("Instance {{ $labels.instance }} heartbeat is {{ $value | humanizeDuration }} stale", 3700, "Instance web-1:9100 heartbeat is 1h 1m 40s stale")]
    [InlineData("Leadership changed {{ $value | humanize }} times in the last hour", 12, "Leadership changed 12 times in the last hour")]
    [InlineData("{{ $externalLabels.cluster }} {{ $externalURL }}", 0, "prod http://prometheus.example.com:9090")]
    public void SeedAnnotationsExpandLikePrometheus(string text, double value, string expected)
    {
        Assert.Equal(expected, Expand(text, value));
    }

    [Fact]
    public void MissingLabelExpandsToEmptyString()
    {
        Assert.Equal("[]", Expand("[{{ $labels.nope }}]", 1));
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(1.5, "1.5")]
    [InlineData(1234, "1.234k")]
    [InlineData(1234567, "1.235M")]
    [InlineData(1e-5, "10u")]
    [InlineData(-0.0015, "-1.5m")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(12345, "12.35k")]
    [InlineData(1e27, "1000Y")]
    public void HumanizeMatchesPrometheus(double value, string expected)
    {
        Assert.Equal(expected, Expand("{{ humanize $value }}", value));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(0.5, "500ms")]
    [InlineData(1.5, "1.5s")]
    [InlineData(60, "1m 0s")]
    [InlineData(3700, "1h 1m 40s")]
    [InlineData(172800, "2d 0h 0m 0s")]
    [InlineData(-3700, "-1h 1m 40s")]
    [InlineData(0.000123, "123us")]
    [InlineData(double.NaN, "NaN")]
    public void HumanizeDurationMatchesPrometheus(double value, string expected)
    {
        Assert.Equal(expected, Expand("{{ humanizeDuration $value }}", value));
    }

    [Theory]
    [InlineData(0.1234, "12.34%")]
    [InlineData(1, "100%")]
    [InlineData(0.5, "50%")]
    [InlineData(0.000012345, "0.001234%")]
    public void HumanizePercentageMatchesPrometheus(double value, string expected)
    {
        Assert.Equal(expected, Expand("{{ humanizePercentage $value }}", value));
    }

    [Theory]
    [InlineData(1, "1")]
    [InlineData(1024, "1ki")]
    [InlineData(1536, "1.5ki")]
    [InlineData(1073741824, "1Gi")]
    public void Humanize1024MatchesPrometheus(double value, string expected)
    {
        Assert.Equal(expected, Expand("{{ humanize1024 $value }}", value));
    }

    [Fact]
    public void HumanizeTimestampAndToTimePrintGoTimes()
    {
        Assert.Equal("1970-01-01 00:00:01.234 +0000 UTC", Expand("{{ humanizeTimestamp $value }}", 1.234));
        Assert.Equal("2026-11-24 12:00:00 +0000 UTC", Expand("{{ $value | toTime }}", 1795521600));
    }

    [Fact]
    public void StringArgumentsAreConvertedLikePrometheus()
    {
        Assert.Equal("1.5k", Expand("{{ humanize \"1500\" }}", 0));
        Assert.Equal("1k", Expand("{{ humanize 1000 }}", 0));
    }

    [Fact]
    public void LinksTitleAndRegexFunctions()
    {
        Assert.Equal("/graph?g0.expr=up+%3D%3D+0&g0.tab=0", Expand("{{ graphLink \"up == 0\" }}", 0));
        Assert.Equal("/graph?g0.expr=rate%28x%5B5m%5D%29&g0.tab=1", Expand("{{ tableLink \"rate(x[5m])\" }}", 0));
        Assert.Equal("Hello World", Expand("{{ title \"hello world\" }}", 0));
        Assert.Equal("web-1", Expand("{{ reReplaceAll \":.*\" \"\" $labels.instance }}", 0));
        Assert.Equal("web", Expand("{{ reReplaceAll \"(.*)-(\\\\d+):.*\" \"$1\" $labels.instance }}", 0));
        Assert.Equal("true", Expand("{{ match \"^web\" $labels.instance }}", 0));
        Assert.Equal("WEB-1:9100", Expand("{{ $labels.instance | toUpper }}", 0));
        Assert.Equal("web-1", Expand("{{ $labels.instance | stripPort }}", 0));
    }

    [Fact]
    public void PathPrefixAndExternalUrl()
    {
        var text = PrometheusRuleTemplates.Expand("{{ pathPrefix }}|{{ externalURL }}", Labels.Empty, 0, Labels.Empty, "http://h:9090/prom");

        Assert.Equal("/prom|http://h:9090/prom", text);
    }

    [Fact]
    public void QueryUsesTheInjectedDelegate()
    {
        IReadOnlyList<(Labels, double)> Query(string q) => q == "up"
            ? [(Labels.From(("instance", "b")), 0), (Labels.From(("instance", "a")), 1)]
            : [];

        var text = PrometheusRuleTemplates.Expand(
            "{{ range query \"up\" | sortByLabel \"instance\" }}{{ .Labels.instance }}={{ .Value }};{{ end }}{{ with query \"up\" }}{{ . | first | value }} {{ . | first | label \"instance\" }}{{ end }}",
            Labels.Empty, 0, Labels.Empty, "http://p", Query);

        Assert.Equal("a=1;b=0;0 b", text);
    }

    [Fact]
    public void FirstOfEmptyResultIsAnExpansionError()
    {
        var text = PrometheusRuleTemplates.Expand("{{ query \"x\" | first }}", Labels.Empty, 0, Labels.Empty, "http://p", _ => [], ruleName: "R");

        Assert.StartsWith("<error expanding template: error executing template __alert_R: template: __alert_R:1:", text, StringComparison.Ordinal);
        Assert.EndsWith("error calling first: first() called on vector with no elements>", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseErrorsAreReportedInPrometheusForm()
    {
        var text = PrometheusRuleTemplates.Expand("{{ $value | nope }}", Labels.Empty, 0, Labels.Empty, "http://p", ruleName: "R");

        Assert.Equal("<error expanding template: error parsing template __alert_R: template: __alert_R:1: function \"nope\" not defined>", text);
    }

    [Fact]
    public void ArgsAndParseDuration()
    {
        Assert.Equal("a 2", Expand("{{ with args \"a\" 2 }}{{ .arg0 }} {{ .arg1 }}{{ end }}", 0));
        Assert.Equal("5400", Expand("{{ parseDuration \"1h30m\" }}", 0));
    }
}
