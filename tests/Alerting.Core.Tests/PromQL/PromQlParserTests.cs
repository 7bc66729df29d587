using Alerting.Core.PromQL;

namespace Alerting.Core.Tests.PromQL;

public sealed class PromQlParserTests
{
    [Theory]
    [InlineData("up{job=\"fly-machines\"} == 0")]
    [InlineData("count(sum by(user_id) (rate(trader_errors_total[5m]) > 0.1)) > 5")]
    [InlineData("(pool_usage / pool_size) * 100 > 90")]
    [InlineData("time() - x > 30")]
    [InlineData("sum without (instance) (rate(x[1h30m] offset 5m @ 100))")]
    [InlineData("topk(3, foo) by (job)")]
    [InlineData("a + on(job) group_left(version) b")]
    [InlineData("rate(x[5m])[30m:1m] @ end()")]
    [InlineData("label_replace(up, \"dst\", \"$1\", \"src\", \"(.*)\") # trailing comment")]
    public void Accepts_the_promql_grammar(string query)
    {
        var expr = PromQlParser.Parse(query);
        // Printing and re-parsing must give the same tree.
        Assert.Equal(expr.ToString(), PromQlParser.Parse(expr.ToString()).ToString());
    }

    [Theory]
    [InlineData("2 ^ 3 ^ 2", 512)]
    [InlineData("-2 ^ 2", -4)]
    [InlineData("1 + 2 * 3", 7)]
    [InlineData("(1 + 2) * 3", 9)]
    [InlineData("0x10 + 1e1", 26)]
    [InlineData("10 % 3 - 1", 0)]
    [InlineData("2 > bool 1 == bool 1", 1)]
    public void Respects_precedence_and_associativity(string query, double expected)
    {
        var result = new PromQlEngine().Instant(PromQlParser.Parse(query), new Alerting.Core.Model.MemorySeriesStore(), 0);
        Assert.Equal(expected, Assert.IsType<ScalarValue>(result).Value);
    }

    [Theory]
    [InlineData("sum(rate(x[5m]) ", 1, 17)]
    [InlineData("foo{a=\"b\"} +", 1, 13)]
    [InlineData("foo[5m] + 1", 1, 1)]
    [InlineData("1 > 2", 1, 3)]
    [InlineData("nosuchfn(x)", 1, 1)]
    [InlineData("up\n  and on(", 2, 10)]
    [InlineData("{}", 1, 1)]
    [InlineData("rate(x)", 1, 6)]
    public void Reports_errors_with_line_and_column(string query, int line, int column)
    {
        var ex = Assert.Throws<PromQlParseException>(() => PromQlParser.Parse(query));
        Assert.Equal(line, ex.Line);
        Assert.Equal(column, ex.Column);
        Assert.StartsWith($"{line}:{column}: parse error: ", ex.Message, StringComparison.Ordinal);
    }

    // Messages and 0-based offsets as Prometheus' own parser reports them.
    [Theory]
    [InlineData("", 0, "no expression found in input")]
    [InlineData("1+", 2, "unexpected end of input")]
    [InlineData(".", 0, "unexpected character: '.'")]
    [InlineData("2.5.", 0, "bad number or duration syntax: \"2.5.\"")]
    [InlineData("*1", 0, "unexpected <op:*>")]
    [InlineData("(1))", 4, "unexpected right parenthesis ')'")]
    [InlineData("((1)", 4, "unclosed left parenthesis")]
    [InlineData("1 and 1", 0, "set operator \"and\" not allowed in binary scalar expression")]
    [InlineData("1 == 1", 2, "comparisons between scalars must use BOOL modifier")]
    [InlineData("1 =~ 1", 2, "unexpected character after '=': '~'")]
    [InlineData("-\"string\"", 0, "unary expression only allowed on expressions of type scalar or instant vector, got \"string\"")]
    [InlineData("1 offset 1d", 0, "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery")]
    [InlineData("foo offset 1s offset 2s", 0, "offset may not be set multiple times")]
    [InlineData("a - on(b) ignoring(c) d", 10, "unexpected <ignoring>")]
    [InlineData("foo + group_left(baz) bar", 6, "unexpected <group_left>")]
    [InlineData("foo and on(bar) group_left(baz) bar", 0, "no grouping allowed for \"and\" operation")]
    [InlineData("foo + bool bar", 4, "bool modifier can only be used on comparison operators")]
    [InlineData("foo == on(bar) 10", 0, "vector matching only allowed between instant vectors")]
    [InlineData("{", 1, "unexpected end of input inside braces")]
    [InlineData("some}", 4, "unexpected character: '}'")]
    [InlineData("some_metric{a=b}", 14, "unexpected identifier \"b\" in label matching, expected string")]
    [InlineData("some_metric{a:b=\"b\"}", 13, "unexpected character inside braces: ':'")]
    [InlineData("foo{gibberish}", 13, "unexpected \"}\" in label matching, expected label matching operator")]
    [InlineData("foo{__name__=\"bar\"}", 0, "metric name must not be set twice: \"foo\" or \"bar\"")]
    [InlineData("{x=~\".*\"}", 0, "vector selector must contain at least one non-empty matcher")]
    [InlineData("foo[5mm]", 4, "bad number or duration syntax: \"5mm\"")]
    [InlineData("foo[5m1h]", 4, "not a valid duration string: \"5m1h\"")]
    [InlineData("foo[0m]", 4, "duration must be greater than 0")]
    [InlineData("some_metric OFFSET 1m[5m]", 21, "no offset modifiers allowed before range")]
    [InlineData("some_metric @ 1234 [5m]", 19, "no @ modifiers allowed before range")]
    [InlineData("(foo + bar)[5m]", 11, "ranges only allowed for vector selectors")]
    [InlineData("foo @ NaN", 0, "timestamp out of bounds for @ modifier: NaN")]
    [InlineData("sum (some_metric) by test", 21, "unexpected identifier \"test\" in grouping opts, expected \"(\"")]
    [InlineData("sum () by (test)", 0, "no arguments for aggregate expression provided")]
    [InlineData("sum (some_metric) without (test) by (test)", 33, "unexpected <by>")]
    [InlineData("topk(some_metric)", 0, "wrong number of arguments for aggregate expression provided, expected 2, got 1")]
    [InlineData("topk(some_metric, other_metric)", 5, "expected type scalar in aggregation parameter, got instant vector")]
    [InlineData("rate(some_metric[5m]) @ 1234", 0, "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery")]
    [InlineData("floor(some_metric, 1)", 0, "expected 1 argument(s) in call to \"floor\", got 2")]
    [InlineData("hour(a, b, c)", 0, "expected at most 1 argument(s) in call to \"hour\", got 3")]
    [InlineData("rate(some_metric)", 5, "expected type range vector in call to function \"rate\", got instant vector")]
    [InlineData("round(x, 1,)", 10, "trailing commas not allowed in function call args")]
    [InlineData("\"\\c\"", 0, "unknown escape sequence U+0063 'c'")]
    [InlineData("a>b()", 2, "unknown function with name \"b\"")]
    [InlineData("y != \"\"", 5, "binary expression must contain only scalar and instant vector types")]
    public void Errors_match_prometheus_messages_and_positions(string query, int offset, string message)
    {
        var ex = Assert.Throws<PromQlParseException>(() => PromQlParser.Parse(query));
        Assert.Equal(message, ex.Detail);
        Assert.Equal(offset + 1, ex.Column);
    }

    [Theory]
    [InlineData("offset{step=\"1s\"}[5m]")]
    [InlineData("foo * sum")]
    [InlineData("sum(sum)")]
    [InlineData("{\"foo\", a=\"bc\"}")]
    [InlineData("{__name__=\"bar\", __name__=\"baz\"}")]
    [InlineData("sum without(and, by, avg, count, alert, annotations)(some_metric) [30m:10s]")]
    [InlineData("some_metric OFFSET 1m [10m:5s]")]
    [InlineData("some_metric[10m:5s] offset 1m @ 123")]
    [InlineData("foo @ -3.3e1")]
    [InlineData("sum by (\"foo bar\")({\"some.metric\"})")]
    public void Accepts_what_prometheus_accepts(string query) => Assert.NotNull(PromQlParser.Parse(query));

    [Fact]
    public void Reads_numbers_like_prometheus()
    {
        double Value(string q) => Assert.IsType<ScalarValue>(new PromQlEngine().Instant(PromQlParser.Parse(q), new Alerting.Core.Model.MemorySeriesStore(), 0)).Value;
        Assert.Equal(493, Value("0755"));
        Assert.Equal(-493, Value("-0755"));
        Assert.Equal(12, Value("0xc"));
        Assert.Equal(0.0055, Value("+5.5e-3"), 12);
        Assert.Equal(5, Value("5."));
        Assert.True(double.IsNegativeInfinity(Value("-Inf")));
    }

    [Fact]
    public void Reads_durations_strings_and_matchers()
    {
        var expr = Assert.IsType<MatrixSelector>(PromQlParser.Parse("foo{a=~'x.*', b!=\"y\\n\", c!~`z\\d`}[1h30m]"));
        Assert.Equal(90 * 60 * 1000L, expr.RangeMs);
        Assert.Equal(4, expr.Vector.Matchers.Count);
        Assert.Equal("y\n", expr.Vector.Matchers.Single(m => m.Name == "b").Value);
        Assert.Equal("z\\d", expr.Vector.Matchers.Single(m => m.Name == "c").Value);
    }
}

public sealed class PromQlPrinterTests
{
    public static TheoryData<string> ConformanceFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(TestPaths.Conformance("promql"), "*.test").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ConformanceFiles))]
    public void Printing_and_reparsing_every_conformance_query_gives_the_same_query(string file)
    {
        var checkedCount = 0;
        foreach (var raw in File.ReadLines(TestPaths.Conformance("promql", file)))
        {
            var line = raw.Trim();
            var m = System.Text.RegularExpressions.Regex.Match(line, @"^eval(?:_\w+)?\s+(?:instant\s+at\s+\S+|range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+)\s+(.+)$");
            if (!m.Success)
            {
                continue;
            }
            Expr expr;
            try
            {
                expr = PromQlParser.Parse(m.Groups[1].Value);
            }
            catch (PromQlParseException)
            {
                continue; // queries that are meant to fail
            }
            var printed = expr.ToString();
            Assert.Equal(printed, PromQlParser.Parse(printed).ToString());
            checkedCount++;
        }
        Assert.True(checkedCount > 0);
    }

    [Theory]
    [InlineData("sum by (job) (rate(x{a=\"b\"}[5m] offset 1m))", "sum by (job) (rate(x{a=\"b\"}[5m] offset 1m))")]
    [InlineData("a + on(job) group_left(v) b", "a + on (job) group_left (v) b")]
    [InlineData("x @ 100 offset -5m", "x @ 100.000 offset -5m")]
    [InlineData("rate(x[1h30m])[5m:]", "rate(x[1h30m])[5m:]")]
    [InlineData("-(a > bool 1)", "-(a > bool 1)")]
    public void Prints_promql_like_prometheus(string query, string expected) =>
        Assert.Equal(expected, PromQlParser.Parse(query).ToString());
}
