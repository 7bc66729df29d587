using Alerting.Core.Model;
using Alerting.Core.Remote.Write;
using Alerting.Core.Tsdb.Wal;

namespace Alerting.Core.Tests.Remote.Write;

public sealed class RemoteWritePlanTests
{
    private const long Hour = 3_600_000;
    private const long Range = 2 * Hour;
    private const long T0 = 1_700_000_000_000 / Range * Range; // a block boundary

    private static WriteSeries Series(Label[] labels, params long[] times) =>
        new(labels, [.. times.Select(t => new WriteSample(t % 7, t))]);

    private static Label[] Up(string instance) => [new("__name__", "up"), new("instance", instance), new("job", "node")];

    private static RemoteWriteException Refused(params WriteSeries[] series) =>
        Assert.Throws<RemoteWriteException>(() => RemoteWritePlan.Plan(new WriteRequest(series, []), "r1", T0 - Hour, Range));

    [Fact]
    public void An_accepted_request_becomes_one_tick_per_block_window_each_stamped_at_its_earliest_sample()
    {
        var result = RemoteWritePlan.Plan(
            new WriteRequest([Series(Up("a"), T0 - 30_000, T0 - 15_000, T0, T0 + 15_000), Series(Up("b"), T0 - 20_000)], []),
            "r1", T0 - Hour, Range);
        Assert.Equal(5, result.Samples);
        Assert.Equal(2, result.Ticks.Count);
        Assert.Equal(T0 - 30_000, result.Ticks[0].TimestampMs);
        Assert.Equal(3, result.Ticks[0].Targets.Single().Samples.Count);
        Assert.Equal(T0, result.Ticks[1].TimestampMs);
        Assert.All(result.Ticks, t => Assert.True(ScrapeTick.IsRemoteWrite(t.Job)));
        Assert.NotEqual(result.Ticks[0].Job, result.Ticks[1].Job);
        Assert.Equal(Labels.From(("__name__", "up"), ("instance", "a"), ("job", "node")), result.Ticks[0].Targets[0].Samples[0].Labels);
    }

    [Fact]
    public void Empty_label_values_are_dropped_as_the_store_keeps_them()
    {
        var result = RemoteWritePlan.Plan(
            new WriteRequest([Series([new("__name__", "up"), new("env", ""), new("job", "x")], T0)], []), "r1", T0 - Hour, Range);
        Assert.Equal(Labels.From(("__name__", "up"), ("job", "x")), result.Ticks[0].Targets[0].Samples[0].Labels);
    }

    [Fact]
    public void Samples_out_of_order_within_a_series_refuse_the_whole_request()
    {
        var e = Refused(Series(Up("a"), T0), Series(Up("b"), T0 + 2, T0 + 1));
        Assert.Equal(400, e.StatusCode);
        Assert.Equal("out of order sample: up{instance=\"b\", job=\"node\"} has a sample at 2023-11-14T22:00:00.001Z after one at 2023-11-14T22:00:00.002Z; samples of a series must be sent in time order", e.Message);
    }

    [Fact]
    public void A_series_sent_twice_must_continue_in_time_order()
    {
        Assert.StartsWith("duplicate sample for timestamp", Refused(Series(Up("a"), T0), Series(Up("a"), T0)).Message, StringComparison.Ordinal);
        Assert.StartsWith("out of order sample", Refused(Series(Up("a"), T0), Series(Up("a"), T0 - 1)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sample_before_the_oldest_accepted_time_is_out_of_bounds()
    {
        var e = Refused(Series(Up("a"), T0 - Hour - 1));
        Assert.StartsWith("out of bounds: sample of up{instance=\"a\", job=\"node\"}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("time series 1 has no labels")]
    public void A_series_without_labels_is_refused(string reason) =>
        Assert.StartsWith(reason, Refused(new WriteSeries([], [new WriteSample(1, T0)])).Message, StringComparison.Ordinal);

    [Fact]
    public void Labels_must_be_sorted_unique_named_and_include_a_valid_metric_name()
    {
        Assert.Equal("time series 1: labels are not sorted by name (\"job\" before \"instance\")",
            Refused(Series([new("__name__", "up"), new("job", "x"), new("instance", "a")], T0)).Message);
        Assert.Equal("time series 1: duplicate label name \"job\"",
            Refused(Series([new("__name__", "up"), new("job", "x"), new("job", "y")], T0)).Message);
        Assert.Equal("time series 1: label 2 has an empty name",
            Refused(Series([new("__name__", "up"), new("", "x")], T0)).Message);
        Assert.Equal("time series 1: invalid label name \"a-b\"",
            Refused(Series([new("__name__", "up"), new("a-b", "x")], T0)).Message);
        Assert.Equal("time series 2 has no __name__ label: {job=\"x\"}",
            Refused(Series(Up("a"), T0), Series([new("job", "x")], T0)).Message);
        Assert.Equal("time series 1: invalid metric name \"1up\"",
            Refused(Series([new("__name__", "1up")], T0)).Message);
    }

    [Fact]
    public void Exemplars_and_histograms_are_reported_not_stored()
    {
        var result = RemoteWritePlan.Plan(new WriteRequest([new WriteSeries(Up("a"), [], Exemplars: 2, Histograms: 3)], []), "r1", T0, Range);
        Assert.Empty(result.Ticks);
        Assert.Equal((2, 3), (result.Exemplars, result.Histograms));
    }
}
