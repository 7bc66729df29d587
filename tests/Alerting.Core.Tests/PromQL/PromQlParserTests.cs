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
    [InlineData("1 > 2", 1, 1)]
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
