using Alerting.Tooling.PromQL;

namespace Alerting.Core.Tests.PromQL;

public sealed class PromQlTestRunnerTests
{
    [Fact]
    public void Reports_right_and_wrong_expectations()
    {
        const string script = """
            load 1m
              http_requests{job="a"} 0+10x10
              http_requests{job="b"} 0+20x10

            eval instant at 10m sum(http_requests)
              {} 300

            eval instant at 10m sum(http_requests)
              {} 301

            eval range from 0 to 2m step 1m http_requests{job="a"}
              http_requests{job="a"} 0 10 20

            eval instant at 10m http_requests + on(job) group_left
              expect fail
            """;
        var result = PromQlTestRunner.Run("inline", script);
        Assert.Equal([CaseStatus.Passed, CaseStatus.Failed, CaseStatus.Passed, CaseStatus.Passed], result.Cases.Select(c => c.Status));
        Assert.Contains("expected 301", result.Cases[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expects_ordering_and_exact_error_messages_when_asked()
    {
        const string script = """
            load 1m
              m{i="1"} 3
              m{i="2"} 1

            eval_ordered instant at 0 sort(m)
              m{i="2"} 1
              m{i="1"} 3

            eval_ordered instant at 0 sort(m)
              m{i="1"} 3
              m{i="2"} 1

            eval instant at 0 topk(NaN, m)
              expect fail msg: Parameter value is NaN

            eval instant at 0 topk(NaN, m)
              expect fail msg: something else
            """;
        var result = PromQlTestRunner.Run("inline", script);
        Assert.Equal([CaseStatus.Passed, CaseStatus.Failed, CaseStatus.Passed, CaseStatus.Failed], result.Cases.Select(c => c.Status));
    }

    [Fact]
    public void Compares_native_histogram_results_and_annotations()
    {
        const string script = """
            load 1m
              h {{schema:0 sum:1 count:1 buckets:[1]}}+{{schema:0 sum:2 count:2 buckets:[2]}}x3
              f 1 2 3

            eval instant at 1m h
              {__name__="h"} {{schema:0 sum:3 count:3 buckets:[3]}}

            eval instant at 1m h
              {__name__="h"} {{schema:0 sum:3 count:4 buckets:[3]}}

            eval instant at 3m rate(h[3m])
              {} {{schema:0 sum:0.0333333333 count:0.0333333333 buckets:[0.0333333333] counter_reset_hint:gauge}}

            eval instant at 2m rate(f[2m])
              expect info msg: PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "f" (1:6)
              {} 0.016666666666666666

            eval instant at 2m rate(f[2m])
              expect no_info
              {} 0.016666666666666666
            """;
        var result = PromQlTestRunner.Run("inline", script);
        Assert.Equal([CaseStatus.Passed, CaseStatus.Failed, CaseStatus.Passed, CaseStatus.Passed, CaseStatus.Failed], result.Cases.Select(c => c.Status));
        Assert.Contains("count:3", result.Cases[1].Message, StringComparison.Ordinal);
        Assert.Contains("unexpected info", result.Cases[4].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0+10x3", new[] { 0.0, 10, 20, 30 })]
    [InlineData("-2+3x2", new[] { -2.0, 1, 4 })]
    [InlineData("1x2", new[] { 1.0, 1, 1 })]
    [InlineData("5-1x2 7", new[] { 5.0, 4, 3, 7 })]
    [InlineData("0x3", new[] { 0.0, 0, 0, 0 })]
    public void Expands_series_notation(string notation, double[] expected) =>
        Assert.Equal(expected, SeriesNotation.ParseValues(notation).Select(v => v.Value));

    [Fact]
    public void Series_notation_keeps_gaps_and_stale_markers()
    {
        var values = SeriesNotation.ParseValues("1 _ stale _x2 2");
        Assert.Equal([false, true, false, true, true, false], values.Select(v => v.Omitted));
        Assert.True(Alerting.Core.Model.Sample.IsStaleMarker(values[2].Value));
    }
}
