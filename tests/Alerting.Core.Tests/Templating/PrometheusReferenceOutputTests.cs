using Alerting.Core.Model;
using Alerting.Core.Templating;

namespace Alerting.Core.Tests.Templating;

/// <summary>
/// Expected strings here are Go's own output: each template was put in an alerting rule's annotation and
/// expanded by promtool 2.42 (`promtool test rules`, series metric{instance="web-1:9100",job="node"} = 1234.5,
/// external label cluster="prod"), which runs Prometheus' text/template expansion.
/// </summary>
public sealed class PrometheusReferenceOutputTests
{
    [Theory]
    [InlineData("{{ $value | humanize }}|{{ humanize 1234567 }}|{{ humanize 0.00001 }}|{{ humanize 12345 }}|{{ humanize1024 1536 }}|{{ humanizePercentage 0.1234 }}|{{ humanizeDuration 3700 }}|{{ humanizeDuration 0.5 }}", "1.234k|1.235M|10u|12.35k|1.5ki|12.34%|1h 1m 40s|500ms")]
    [InlineData("{{ $value }}|{{ printf \"%.2f|%v|%5.1f|%e|%g\" 2.675 1e6 3.14159 1234.5678 0.000012 }}|{{ printf \"%.4g\" 12345.0 }}|{{ printf \"%.0f %.0f\" 0.5 2.5 }}", "1234.5|2.67|1e+06|  3.1|1.234568e+03|1.2e-05|1.234e+04|0 2")]
    [InlineData("{{ $labels }}|{{ $labels.instance }}|[{{ $labels.nope }}]|{{ .Labels.job }}|{{ len $labels }}|{{ $externalLabels }}", "map[__name__:metric instance:web-1:9100 job:node]|web-1:9100|[]|node|3|map[cluster:prod]")]
    [InlineData("{{ humanizeTimestamp 1.234 }}|{{ title \"hello wORLD\" }}|{{ graphLink \"up == 0\" }}|{{ reReplaceAll \"(a)(b)?\" \"[$1$2x${1}]\" \"ab a\" }}", "1970-01-01 00:00:01.234 +0000 UTC|Hello WORLD|/graph?g0.expr=up+%3D%3D+0&g0.tab=0|[aa] [aa]")]
    [InlineData("{{ print 1 2 \"a\" 3 nil }}|{{ printf \"%d %d\" 1 }}|{{ printf \"%d\" 1 2 }}|{{ printf \"%s\" 3.5 }}|{{ printf \"%q\" \"a\\tb\" }}|{{ js \"it's <b>\" }}|{{ html \"<&>\" }}|{{ urlquery \"a b&c\" }}", "1 2a3 <nil>|1 %!d(MISSING)|1%!(EXTRA int=2)|%!s(float64=3.5)|\"a\\tb\"|it\\'s \\u003Cb\\u003E|&lt;&amp;&gt;|a+b%26c")]
    [InlineData("{{ range $i, $e := args \"x\" 2 3.5 }}{{ $i }}={{ $e }};{{ end }}|{{ index (args 1) \"arg0\" }}|{{ printf \"%T %T %T\" 1 1.5 \"s\" }}|{{ 1e21 }} {{ 123456.0 }} {{ 1234567.0 }} {{ -0.0 }}", "arg0=x;arg1=2;arg2=3.5;|1|int float64 string|1e+21 123456 1.234567e+06 -0")]
    [InlineData("{{ with 0 }}x{{ else }}zero{{ end }}|{{ if and 1 0 }}y{{ else }}n{{ end }}|{{ or 0 \"\" }}|{{ not \"\" }}|{{ eq 1 2 1 }}|{{ lt \"a\" \"b\" }}|{{ slice \"abcdef\" 1 3 }}", "zero|n||true|true|true|bc")]
    [InlineData("{{ $value | printf \"%08.3f\" }}|{{ printf \"%x %X %o %b %c %U %#x %+d % d\" \"hi\" 255 8 5 65 65 255 3 4 }}|{{ printf \"%6.2f%%\" 12.345 }}|{{ printf \"%-5s|%5s|%.1s\" \"ab\" \"cd\" \"ef\" }}", "1234.500|6869 FF 10 101 A U+0041 0xff +3  4| 12.35%|ab   |   cd|e")]
    [InlineData("{{ humanize \"1500\" }}|{{ toUpper \"abc\" }}|{{ match \"^w\" \"web\" }}|{{ humanizeDuration 172800 }}|{{ humanizeDuration -3700 }}|{{ humanize -0.0015 }}|{{ humanize 1e27 }}", "1.5k|ABC|true|2d 0h 0m 0s|-1h 1m 40s|-1.5m|1000Y")]
    [InlineData("{{ .Value }}|{{ printf \"%v\" .Value }}|{{ printf \"%v %v\" 0.1 100000.0 }}|{{ printf \"%.3v\" 3.14159 }}|{{ printf \"%10.4v|\" 3.14159 }}|{{ printf \"%t\" true }}", "1234.5|1234.5|0.1 100000|3.14|     3.142||true")]
    [InlineData("{{ 0x1F }} {{ 1_000 }} {{ 'a' }} {{ 0o17 }} {{ 1.5e3 }}|{{ printf \"%v\" (args 1 \"a\") }}", "31 1000 97 15 1500|map[arg0:1 arg1:a]")]
    public void ExpansionMatchesPromtool(string template, string expected)
    {
        var text = PrometheusRuleTemplates.Expand(
            template,
            Labels.From(("__name__", "metric"), ("instance", "web-1:9100"), ("job", "node")),
            1234.5,
            Labels.From(("cluster", "prod")),
            "http://localhost:9090",
            ruleName: "Probe");

        Assert.Equal(expected, text);
    }
}
