using Alerting.Core.Alertmanager;
using Alerting.Core.Model;

using Alerting.Tooling.Alertmanager;
namespace Alerting.Core.Tests.Alertmanager;

public sealed class MatcherParserTests
{
    [Theory]
    [InlineData("foo=\"bar\"", MatcherType.Equal, "foo", "bar")]
    [InlineData("foo=bar", MatcherType.Equal, "foo", "bar")]
    [InlineData("foo!=bar", MatcherType.NotEqual, "foo", "bar")]
    [InlineData("foo=~\"a|b\"", MatcherType.Regex, "foo", "a|b")]
    [InlineData("foo!~a.*", MatcherType.NotRegex, "foo", "a.*")]
    [InlineData("  foo  =  \"bar baz\"  ", MatcherType.Equal, "foo", "bar baz")]
    [InlineData("msg=\"say \\\"hi\\\"\\n\"", MatcherType.Equal, "msg", "say \"hi\"\n")]
    [InlineData("path=\"C:\\\\temp\"", MatcherType.Equal, "path", "C:\\temp")]
    [InlineData("re=~\"\\d+\"", MatcherType.Regex, "re", "\\d+")]
    [InlineData("region=zürich", MatcherType.Equal, "region", "zürich")]
    [InlineData("emoji=\"🔥 hot\"", MatcherType.Equal, "emoji", "🔥 hot")]
    [InlineData("empty=\"\"", MatcherType.Equal, "empty", "")]
    [InlineData("a:b_c=x", MatcherType.Equal, "a:b_c", "x")]
    public void ParsesOneMatcher(string text, MatcherType type, string name, string value)
    {
        var m = MatcherParser.Parse(text);
        Assert.Equal((type, name, value), (m.Type, m.Name, m.Value));
    }

    [Fact]
    public void ParsesBraceListsWithCommasInsideQuotes()
    {
        var ms = MatcherParser.ParseList("{a=\"x,y\", b!=\"z\" , c=~\"1|2\",}");
        Assert.Equal(["a=\"x,y\"", "b!=\"z\"", "c=~\"1|2\""], ms.Select(MatcherParser.Format));
    }

    [Theory]
    [InlineData("foo bar", "bad matcher format: foo bar")]
    [InlineData("1foo=bar", "bad matcher format: 1foo=bar")]
    [InlineData("foo=\"bar", "matcher value contains unescaped double quote: \"bar")]
    [InlineData("foo=ba\"r", "matcher value contains unescaped double quote: ba\"r")]
    [InlineData("foo=~\"(\"", "error parsing regexp: missing closing ): `^(?:()$`")]
    [InlineData("a=b,,c=d", "bad matcher format: ")]
    public void RejectsMalformedMatchersWithAlertmanagersMessage(string text, string message)
    {
        var e = Assert.Throws<MatcherParseException>(() => MatcherParser.ParseList(text));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void RegexMatchersAreFullyAnchored()
    {
        var m = MatcherParser.Parse("instance=~\"web.*\"");
        Assert.True(m.Matches(Labels.From(("instance", "web-1"))));
        Assert.False(m.Matches(Labels.From(("instance", "api-web-1"))));
    }

    [Fact]
    public void FormatEscapesOnlyBackslashQuoteAndNewlineLikeAlertmanager()
    {
        Assert.Equal("a=\"tab\there\\n\"", MatcherParser.Format(new LabelMatcher(MatcherType.Equal, "a", "tab\there\n")));
        Assert.Equal("a!~\"zürich|\\\"q\\\"\"", MatcherParser.Format(new LabelMatcher(MatcherType.NotRegex, "a", "zürich|\"q\"")));
    }

    public static TheoryData<string> MatcherStrings() => new()
    {
        "foo=bar", "foo=\"bar\"", "foo!=\"a b\"", "foo=~\"a|b\"", "foo!~\"x.*\"", "{a=\"1\", b=\"2\"}",
        "msg=\"say \\\"hi\\\"\"", "nl=\"a\\nb\"", "bs=\"C:\\\\x\"", "spurious=\"\\d\"", "region=zürich",
        "emoji=\"🔥\"", "tab=\"a\tb\"", "sp = \"x\" ", "foo bar", "foo=\"bar", "1x=y", "x=~\"(\"", "a=b,,c=d",
        "{a=\"x,y\",b=z}", "empty=\"\"", "a=b=c", "a==b", "a=~\"[\"", "a=\"b\"c\"",
    };

    /// <summary>Each matcher string goes through amtool in a route's <c>matchers:</c>; the routing tree (valid)
    /// or the FAILED text (invalid) must be identical.</summary>
    [AmtoolTheory]
    [MemberData(nameof(MatcherStrings))]
    public void ParsingAndRenderingAreIdenticalToAmtool(string matcher)
    {
        var yaml = $"route:\n  receiver: a\n  routes:\n  - receiver: a\n    matchers: ['{matcher.Replace("'", "''", StringComparison.Ordinal)}']\nreceivers:\n- name: a\n";
        var path = AlertmanagerTestData.WriteTemp(yaml);
        var dir = Path.GetDirectoryName(path)!;
        var (_, check, _) = AlertmanagerTestData.RunAmtool(dir, "check-config", "alertmanager.yml");
        Assert.Equal(check, AmtoolCompat.CheckConfig([path], out var failed, out _).Replace(path, "alertmanager.yml", StringComparison.Ordinal));
        if (failed == 0)
        {
            var (_, tree, _) = AlertmanagerTestData.RunAmtool(dir, "config", "routes", "--config.file=" + path);
            Assert.Equal(tree, AmtoolCompat.RoutingTree(AlertmanagerConfigLoader.Load(path).Root));
        }
    }
}
