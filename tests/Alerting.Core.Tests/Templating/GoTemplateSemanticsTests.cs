using Alerting.Core.Templating;

namespace Alerting.Core.Tests.Templating;

public sealed class GoTemplateSemanticsTests
{
    private static string Render(string text, object? data = null, MissingKeyMode mode = MissingKeyMode.Default)
    {
        var set = TemplateSet.Create(missingKey: mode);
        set.AddFile("t", text);
        return set.Execute("t", data);
    }

    private static string ExecError(string text, object? data = null) =>
        Assert.Throws<TemplateExecutionException>(() => Render(text, data)).Message;

    private static string ParseError(string text) =>
        Assert.Throws<TemplateParseException>(() => Render(text)).Message;

    private static readonly Dictionary<string, object?> Data = new()
    {
        ["Name"] = "web",
        ["List"] = new List<string> { "a", "b", "c" },
        ["Nums"] = new List<int> { 1, 2, 3, 4 },
        ["Empty"] = new List<string>(),
        ["Map"] = new Dictionary<string, int> { ["b"] = 2, ["a"] = 1 },
        ["Labels"] = new Dictionary<string, string> { ["instance"] = "web-1", ["job"] = "node" },
        ["Zero"] = 0,
        ["Float"] = 0.07,
    };

    [Theory]
    [InlineData("a  {{- \"b\" -}}  c", "abc")]
    [InlineData("{{23 -}} < {{- 45}}", "23<45")]
    [InlineData("x\n  {{- 1 }}\n", "x1\n")]
    [InlineData("{{-3}}", "-3")]
    [InlineData("a {{/* a comment */}} b", "a  b")]
    [InlineData("a {{- /* trimmed comment */ -}} b", "ab")]
    [InlineData("{{ \"a\\tb\\u00e9\" }}|{{ `raw\\n` }}", "a\tbé|raw\\n")]
    [InlineData("{{ 'a' }} {{ 0x1F }} {{ 1_000 }} {{ 0o17 }} {{ 1.5e3 }} {{ true }}", "97 31 1000 15 1500 true")]
    public void LexingTrimmingAndLiterals(string text, string expected)
    {
        Assert.Equal(expected, Render(text));
    }

    [Theory]
    [InlineData("{{range .List}}{{.}}{{else}}empty{{end}}", "abc")]
    [InlineData("{{range .Empty}}{{.}}{{else}}empty{{end}}", "empty")]
    [InlineData("{{range .Missing}}{{.}}{{else}}none{{end}}", "none")]
    [InlineData("{{range $i, $v := .List}}{{$i}}:{{$v}} {{end}}", "0:a 1:b 2:c ")]
    [InlineData("{{range $k, $v := .Map}}{{$k}}={{$v}};{{end}}", "a=1;b=2;")]
    [InlineData("{{range $v := .Map}}{{$v}}{{end}}", "12")]
    [InlineData("{{range .Nums}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}", "12")]
    [InlineData("{{range .Nums}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}", "134")]
    [InlineData("{{range 3}}{{.}}{{end}}", "012")]
    [InlineData("{{range .List}}{{$.Name}}{{end}}", "webwebweb")]
    public void Range(string text, string expected)
    {
        Assert.Equal(expected, Render(text, Data));
    }

    [Theory]
    [InlineData("{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}", "21")]
    [InlineData("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", "2")]
    [InlineData("{{$x := \"a\"}}{{range .List}}{{$x = .}}{{end}}{{$x}}", "c")]
    [InlineData("{{with $n := .Name}}{{$n}}{{.}}{{end}}", "webweb")]
    [InlineData("{{with .Missing}}x{{else with .Name}}{{.}}{{else}}none{{end}}", "web")]
    [InlineData("{{with .Zero}}x{{else}}zero{{end}}", "zero")]
    [InlineData("{{if eq .Zero 1}}one{{else if eq .Zero 0}}zero{{else}}many{{end}}", "zero")]
    [InlineData("{{define \"T\"}}[{{.}}|{{$}}]{{end}}{{template \"T\" .Name}}", "[web|web]")]
    [InlineData("{{block \"B\" .Name}}default {{.}}{{end}}", "default web")]
    [InlineData("{{template \"none\"}}{{define \"none\"}}{{.}}{{end}}", "<no value>")]
    [InlineData("{{ (index .List 1) | printf \"%s!\" }}", "b!")]
    [InlineData("{{ (.Labels).job }} {{ .Labels.instance }}", "node web-1")]
    public void VariablesControlAndTemplates(string text, string expected)
    {
        Assert.Equal(expected, Render(text, Data));
    }

    [Theory]
    [InlineData("{{printf \"%5.2f|%-4d|%q|%x|%v|%s|%05d|%+d\" 3.14159 7 \"hi\" 255 true \"s\" 42 3}}", " 3.14|7   |\"hi\"|ff|true|s|00042|+3")]
    [InlineData("{{printf \"%d\" \"x\"}}", "%!d(string=x)")]
    [InlineData("{{printf \"%d %d\" 1}}", "1 %!d(MISSING)")]
    [InlineData("{{printf \"%d\" 1 2}}", "1%!(EXTRA int=2)")]
    [InlineData("{{printf \"%v %v %v %v\" 1.0 0.000012 1e21 123456789.0}}", "1 1.2e-05 1e+21 1.23456789e+08")]
    [InlineData("{{printf \"%6.3g|%e|%G|%.0f|%.0f|%.1f\" 1234.5678 1234.5678 1e-7 0.5 1.5 0.25}}", "1.23e+03|1.234568e+03|1E-07|0|2|0.2")]
    [InlineData("{{printf \"%.2f%%\" 12.345}}", "12.35%")]
    [InlineData("{{printf \"%v|%s|%q\" .List .List .List}}", "[a b c]|[a b c]|[\"a\" \"b\" \"c\"]")]
    [InlineData("{{printf \"%T %T %T\" 1 1.5 \"s\"}}", "int float64 string")]
    [InlineData("{{printf \"%x %X %o %b %c %U\" \"hi\" 255 8 5 65 65}}", "6869 FF 10 101 A U+0041")]
    [InlineData("{{printf \"%8s|%-8s|%.2s\" \"ab\" \"ab\" \"abc\"}}", "      ab|ab      |ab")]
    public void PrintfFollowsGoFmt(string text, string expected)
    {
        Assert.Equal(expected, Render(text, Data));
    }

    [Theory]
    [InlineData("{{ .Float }} {{ 1e6 }} {{ 123456.0 }} {{ 100000000.0 }} {{ -0.5 }}", "0.07 1e+06 123456 1e+08 -0.5")]
    [InlineData("{{ .Map }} {{ .List }} {{ .Labels }}", "map[a:1 b:2] [a b c] map[instance:web-1 job:node]")]
    [InlineData("{{ .Missing }}", "<no value>")]
    [InlineData("{{ print 1 2 \"a\" 3 nil }}", "1 2a3 <nil>")]
    [InlineData("{{ println 1 \"a\" }}", "1 a\n")]
    [InlineData("{{ print .Missing }}", "<nil>")]
    public void PrintingFollowsGo(string text, string expected)
    {
        Assert.Equal(expected, Render(text, Data));
    }

    [Theory]
    [InlineData("{{eq 2 1 2 3}} {{eq \"a\" \"b\"}} {{ne 1 2}} {{lt 1 2}} {{lt \"a\" \"b\"}} {{le 3 2}} {{gt 3 2}} {{ge 2 2}}", "true false true true true false true true")]
    [InlineData("{{and 1 0 2}}|{{and 1 2}}|{{or 0 \"\" \"x\"}}|{{or 0 \"\"}}|{{not 0}}|{{not .List}}", "0|2|x||true|false")]
    [InlineData("{{if and .Missing .Missing.Field}}x{{else}}short-circuit{{end}}", "short-circuit")]
    [InlineData("{{eq .Missing \"x\"}}", "false")]
    [InlineData("{{len .List}} {{len .Map}} {{len \"héllo\"}}", "3 2 6")]
    [InlineData("{{index .Map \"a\"}} {{index .Map \"zz\"}} {{index .Labels \"zz\"}}| {{index .List 1}} {{index \"abc\" 0}}", "1 0 | b 97")]
    [InlineData("{{slice \"abcdef\" 1 3}} {{slice .List 1}} {{slice .List 0 1}}", "bc [b c] [a]")]
    [InlineData("{{html \"<a href='x'>&</a>\"}}", "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;")]
    [InlineData("{{js \"it's <b>\\n\"}}", "it\\'s \\u003Cb\\u003E\\u000A")]
    [InlineData("{{urlquery \"a b&c/é\"}} {{ .Missing | html }}", "a+b%26c%2F%C3%A9 &lt;no value&gt;")]
    public void BuiltinFunctions(string text, string expected)
    {
        Assert.Equal(expected, Render(text, Data));
    }

    [Fact]
    public void MissingMapKeysDependOnTheMissingKeyOption()
    {
        Assert.Equal("<no value>", Render("{{ .Labels.nope }}", Data));
        Assert.Equal("[]", Render("[{{ .Labels.nope }}]", Data, MissingKeyMode.Zero));
        var error = Assert.Throws<TemplateExecutionException>(() => Render("{{ .Labels.nope }}", Data, MissingKeyMode.Error));
        Assert.Equal("template: t:1:10: executing \"t\" at <.Labels.nope>: map has no entry for key \"nope\"", error.Message);
    }

    [Fact]
    public void MethodsAndPropertiesOfDataObjectsAreCallable()
    {
        var data = new Host("web-1", ["a", "b"]);

        Assert.Equal("web-1 WEB-1 x-web-1 2", Render("{{ .Name }} {{ .Upper }} {{ .Prefixed \"x-\" }} {{ len .Tags }}", data));
    }

    [Fact]
    public void CallInvokesFunctionValues()
    {
        var data = new Dictionary<string, object?> { ["F"] = new TemplateFunction(args => "called " + args.Length) };

        Assert.Equal("called 2", Render("{{ call .F 1 2 }}", data));
    }

    [Fact]
    public void ExtraFunctionsOverrideBuiltins()
    {
        var set = TemplateSet.Create(new Dictionary<string, TemplateFunction> { ["len"] = _ => 42L, ["hello"] = a => "hi " + a[0] });
        set.AddFile("t", "{{ len \"x\" }} {{ \"bob\" | hello }}");

        Assert.Equal("42 hi bob", set.Execute("t", null));
    }

    [Theory]
    [InlineData("{{ .Name.Foo }}", "template: t:1:8: executing \"t\" at <.Name.Foo>: can't evaluate field Foo in type string")]
    [InlineData("{{ index .List 5 }}", "template: t:1:3: executing \"t\" at <index .List 5>: error calling index: index out of range: 5")]
    [InlineData("{{ eq 1 \"a\" }}", "template: t:1:3: executing \"t\" at <eq 1 \"a\">: error calling eq: incompatible types for comparison")]
    [InlineData("{{ lt 1.5 2 }}", "template: t:1:3: executing \"t\" at <lt 1.5 2>: error calling lt: incompatible types for comparison")]
    [InlineData("x\n{{template \"nope\"}}", "template: t:2:11: executing \"t\" at <{{template \"nope\"}}>: template \"nope\" not defined")]
    [InlineData("{{ nil }}", "template: t:1:3: executing \"t\" at <nil>: nil is not a command")]
    [InlineData("{{ .Name 1 }}", "template: t:1:3: executing \"t\" at <.Name>: Name is not a method but has arguments")]
    [InlineData("{{ printf 3 }}", "template: t:1:10: executing \"t\" at <3>: expected string; found 3")]
    [InlineData("{{ len 3 }}", "template: t:1:3: executing \"t\" at <len 3>: error calling len: len of type int")]
    [InlineData("{{ range .Name }}{{ end }}", "template: t:1:9: executing \"t\" at <.Name>: range can't iterate over web")]
    [InlineData("a\nb\n  {{ .Zero.Y }}", "template: t:3:10: executing \"t\" at <.Zero.Y>: can't evaluate field Y in type int")]
    [InlineData("{{define \"inner\"}}\n{{ .Nope 1 }}{{end}}{{template \"inner\" .}}", "template: t:2:3: executing \"inner\" at <.Nope>: Nope is not a method but has arguments")]
    public void ExecutionErrorsReadLikeGo(string text, string expected)
    {
        Assert.Equal(expected, ExecError(text, Data));
    }

    [Theory]
    [InlineData("{{if}}", "template: t:1: missing value for if")]
    [InlineData("a\n{{end}}", "template: t:2: unexpected {{end}}")]
    [InlineData("{{range .}}", "template: t:1: unexpected EOF")]
    [InlineData("{{ .A | 3 }}", "template: t:1: non executable command in pipeline stage 2")]
    [InlineData("{{ $x }}", "template: t:1: undefined variable \"$x\"")]
    [InlineData("{{ \"abc }}", "template: t:1: unterminated quoted string")]
    [InlineData("{{ foo }}", "template: t:1: function \"foo\" not defined")]
    [InlineData("{{ .A\n", "template: t:2: unclosed action started at t:1")]
    [InlineData("{{ break }}", "template: t:1: {{break}} outside {{range}}")]
    [InlineData("{{ ) }}", "template: t:1: unexpected \")\" in command")]
    [InlineData("{{ .A }", "template: t:1: unexpected \"}\" in operand")]
    [InlineData("{{define \"a\"}}1{{end}}{{define \"a\"}}2{{end}}", "template: t:1: template: multiple definition of template \"a\"")]
    [InlineData("{{ else }}", "template: t:1: unexpected {{else}}")]
    [InlineData("{{ 3.x }}", "template: t:1: bad number syntax: \"3.x\"")]
    public void ParseErrorsReadLikeGo(string text, string expected)
    {
        Assert.Equal(expected, ParseError(text));
    }

    [Fact]
    public void FloatFormattingRoundsHalfToEvenOnExactTies()
    {
        Assert.Equal("1.234e+04 1.235e+04 2 0.1", Render("{{ printf \"%.4g\" 12345.0 }} {{ printf \"%.4g\" 12345.5 }} {{ printf \"%.0f\" 2.5 }} {{ printf \"%.1f\" 0.05 }}"));
    }

    [Fact]
    public void UnboundedRecursionStopsWithAnError()
    {
        var message = ExecError("{{define \"r\"}}{{template \"r\" .}}{{end}}{{template \"r\" .}}");

        Assert.EndsWith("exceeded maximum template depth (1000)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATemplateSetCanBeExecutedConcurrently()
    {
        var set = TemplateSet.Create();
        set.AddFile("t", "{{range .}}{{.}}{{end}}");

        var results = Enumerable.Range(0, 200).AsParallel().Select(i => set.Execute("t", new[] { i, i + 1 })).ToList();

        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"{i}{i + 1}"), results);
    }

    private sealed record Host(string Name, IReadOnlyList<string> Tags)
    {
        public string Upper() => Name.ToUpperInvariant();

        public string Prefixed(string prefix) => prefix + Name;
    }
}
