using Alerting.Core.PromQL;

namespace Alerting.Core.Tests.PromQL;

/// <summary>
/// Prometheus 2.42's prettifier rules on hand-checked cases; the integration test compares every seed and
/// conformance query with a real Prometheus 2.42's <c>/api/v1/format_query</c>.
/// </summary>
public sealed class PrettierTests
{
    private static string Pretty(string query) => Prettier.Prettify(PromQlParser.Parse(query));

    [Fact]
    public void An_expression_of_at_most_100_characters_stays_on_one_line()
    {
        var query = "sum by (job) (rate(http_requests_total{job=\"api\", instance=~\"web-.*\"}[5m]))";

        // One line, matchers sorted and joined by "," as 2.42 prints a selector (its own answer for this query).
        Assert.Equal("sum by (job) (rate(http_requests_total{instance=~\"web-.*\",job=\"api\"}[5m]))", Pretty(query));
    }

    [Fact]
    public void A_long_binary_operation_puts_its_operator_and_matching_between_indented_operands()
    {
        var query = "sum by (user_id) (rate(trader_errors_total{job=\"fly-machines\"}[5m])) / on (user_id) group_left (team) sum by (user_id) (rate(trader_requests_total[5m]))";

        Assert.Equal(
            "  sum by (user_id) (rate(trader_errors_total{job=\"fly-machines\"}[5m]))\n" +
            "/ on (user_id) group_left (team)\n" +
            "  sum by (user_id) (rate(trader_requests_total[5m]))",
            Pretty(query));
    }

    [Fact]
    public void Long_aggregations_and_calls_open_a_bracket_and_indent_their_arguments()
    {
        var query = "topk(5, sum without (instance) (increase(trader_errors_total{job=\"fly-machines\", instance=~\"vyx-user-.*\"}[1h])))";

        Assert.Equal(
            "topk(\n" +
            "  5,\n" +
            "  sum without (instance) (\n" +
            "    increase(trader_errors_total{instance=~\"vyx-user-.*\",job=\"fly-machines\"}[1h])\n" +
            "  )\n" +
            ")",
            Pretty(query));
    }

    [Fact]
    public void A_unary_minus_sticks_to_its_operands_first_line_and_a_subquery_keeps_its_range_after_it()
    {
        var query = "-max_over_time((sum by (instance) (rate(trader_errors_total{job=\"fly-machines\", instance=~\"vyx-user-1.*\"}[5m])) / 2)[30m:1m])";

        Assert.Equal(
            "-max_over_time(\n" +
            "  (sum by (instance) (rate(trader_errors_total{instance=~\"vyx-user-1.*\",job=\"fly-machines\"}[5m])) / 2)[30m:1m]\n" +
            ")",
            Pretty(query));
    }
}
