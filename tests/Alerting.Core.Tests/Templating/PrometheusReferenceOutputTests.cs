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

    [Theory]
    [InlineData("{{ $labels.instance.Foo }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:122: executing \"__alert_Probe\" at <$labels.instance.Foo>: can't evaluate field Foo in type string>")]
    [InlineData("{{ index $labels 5 }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:115: executing \"__alert_Probe\" at <index $labels 5>: error calling index: value has type int; should be string>")]
    [InlineData("{{ humanize \"abc\" }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:115: executing \"__alert_Probe\" at <humanize \"abc\">: error calling humanize: strconv.ParseFloat: parsing \"abc\": invalid syntax>")]
    [InlineData("{{ eq 1 \"a\" }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:115: executing \"__alert_Probe\" at <eq 1 \"a\">: error calling eq: incompatible types for comparison>")]
    [InlineData("{{ template \"x\" }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:124: executing \"__alert_Probe\" at <{{template \"x\"}}>: template \"x\" not defined>")]
    [InlineData("{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}|{{ range $labels }}{{ if eq . \"node\" }}{{ break }}{{ end }}{{ . }},{{ end }}", "__name__=metric;instance=web-1:9100;job=node;|metric,web-1:9100,")]
    [InlineData("{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}{{ if true }}{{ $x = 3 }}{{ end }}{{ $x }}", "213")]
    [InlineData("{{ printf \"%s\" }}{{ .Value.X }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:138: executing \"__alert_Probe\" at <.Value.X>: can't evaluate field X in type float64>")]
    [InlineData("{{ lt 1.5 2 }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:115: executing \"__alert_Probe\" at <lt 1.5 2>: error calling lt: incompatible types for comparison>")]
    [InlineData("{{ first (args) }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:122: executing \"__alert_Probe\" at <args>: wrong type for value; expected template.queryResult; got map[string]interface {}>")]
    [InlineData("{{ len 3 }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:115: executing \"__alert_Probe\" at <len 3>: error calling len: len of type int>")]
    [InlineData("{{ .Foo }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:115: executing \"__alert_Probe\" at <.Foo>: can't evaluate field Foo in type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }>")]
    [InlineData("{{ eq (args).nope \"x\" }}", "false")]
    [InlineData("{{ len .Value }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:115: executing \"__alert_Probe\" at <len .Value>: error calling len: len of type float64>")]
    [InlineData("{{ humanize 1 2 }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:115: executing \"__alert_Probe\" at <humanize>: wrong number of args for humanize: want 1 got 2>")]
    [InlineData("{{ toUpper 3 }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:123: executing \"__alert_Probe\" at <3>: expected string; found 3>")]
    [InlineData("{{ printf 3 }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:122: executing \"__alert_Probe\" at <3>: expected string; found 3>")]
    [InlineData("{{ title .Value }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:121: executing \"__alert_Probe\" at <.Value>: wrong type for value; expected string; got float64>")]
    [InlineData("{{ humanize }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:115: executing \"__alert_Probe\" at <humanize>: wrong number of args for humanize: want 1 got 0>")]
    [InlineData("{{ and }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:115: executing \"__alert_Probe\" at <and>: wrong number of args for and: want at least 1 got 0>")]
    [InlineData("{{ print (args).nope }}", "<nil>")]
    [InlineData("{{ (args).nope }}", "<no value>")]
    [InlineData("{{ index (args) \"x\" }}", "<no value>")]
    [InlineData("{{ slice \"abc\" 1 2 3 }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:115: executing \"__alert_Probe\" at <slice \"abc\" 1 2 3>: error calling slice: cannot 3-index slice a string>")]
    [InlineData("{{ index $labels \"x\" \"y\" }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:115: executing \"__alert_Probe\" at <index $labels \"x\" \"y\">: error calling index: cannot index slice/array with type string>")]
    [InlineData("{{ $labels.instance | len }}", "10")]
    [InlineData("{{ toUpper (args).nope }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:124: executing \"__alert_Probe\" at <args>: wrong type for value; expected string; got interface {}>")]
    [InlineData("{{ \"x\" | toUpper 1 }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:121: executing \"__alert_Probe\" at <toUpper>: wrong number of args for toUpper: want 1 got 2>")]
    [InlineData("{{ .Value | title }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:124: executing \"__alert_Probe\" at <title>: wrong type for value; expected string; got float64>")]
    [InlineData("{{ eq .Value 1 }}|{{ eq .Value 1.0 }}|{{ eq 1 1.0 }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:115: executing \"__alert_Probe\" at <eq .Value 1>: error calling eq: incompatible types for comparison>")]
    [InlineData("{{ not }}", "<error expanding template: error executing template __alert_Probe: template: __alert_Probe:1:115: executing \"__alert_Probe\" at <not>: wrong number of args for not: want 1 got 0>")]
    [InlineData("{{ with $x := \"a\" }}{{ $x }}{{ end }}{{ range $i, $c := (args 5 6) }}{{ $i }}{{ end }}", "aarg0arg1")]
    [InlineData("{{ html 1 \"a\" nil }}|{{ urlquery 1 2 }}|{{ js nil }}|{{ html }}", "1a&lt;no value&gt;|1+2|\\u003Cno value\\u003E|")]
    public void ErrorsAndEdgeCasesMatchPromtool(string template, string expected) => ExpansionMatchesPromtool(template, expected);
}
