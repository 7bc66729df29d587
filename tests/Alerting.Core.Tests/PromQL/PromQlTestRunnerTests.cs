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
    public void Skips_native_histograms_with_a_reason()
    {
        const string script = """
            load 1m
              h {{schema:0 sum:1 count:1}}x3
              f 1 2 3

            eval instant at 1m h
              {__name__="h"} {{schema:0 sum:1 count:1}}

            eval instant at 1m count(h)
              {} 1

            eval instant at 1m f
              f 2
            """;
        var result = PromQlTestRunner.Run("inline", script);
        Assert.Equal([CaseStatus.Skipped, CaseStatus.Skipped, CaseStatus.Passed], result.Cases.Select(c => c.Status));
        Assert.All(result.Cases.Take(2), c => Assert.Contains("native histogram", c.Message, StringComparison.Ordinal));
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
