using Alerting.Core.Model;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Wal;
using static Alerting.Core.Tests.Tsdb.TsdbTestData;

namespace Alerting.Core.Tests.Tsdb;

public sealed class HeadTests
{
    private const long Range = 7_200_000;

    private static readonly LabelMatcher AnyName = new(MatcherType.Regex, "__name__", ".+");

    private static Series Get(Head head, Labels labels) =>
        head.Select([.. labels.Select(l => new LabelMatcher(MatcherType.Equal, l.Name, l.Value))], long.MinValue, long.MaxValue).Single(s => s.Labels == labels);

    [Fact]
    public void A_series_that_disappears_from_its_target_gets_one_stale_marker_at_the_next_tick()
    {
        var head = new Head(SeriesSelection.All, Range);
        var a = L("x", ("instance", "i"), ("job", "j"));
        var b = L("y", ("instance", "i"), ("job", "j"));
        head.Append(ScrapeTickCodec.Encode(Tick("j", 1000, ("i", [(a, 1), (b, 1)]))));
        head.Append(ScrapeTickCodec.Encode(Tick("j", 2000, ("i", [(a, 2)]))));
        head.Append(ScrapeTickCodec.Encode(Tick("j", 3000, ("i", [(a, 3)]))));
        var y = Get(head, b).Samples;
        Assert.Equal(2, y.Count);
        Assert.True(y[1].IsStale);
        Assert.Equal(2000, y[1].TimestampMs);
        Assert.DoesNotContain(Get(head, a).Samples, s => s.IsStale);
    }

    [Fact]
    public void Every_series_of_a_target_that_leaves_its_job_goes_stale()
    {
        var head = new Head(SeriesSelection.All, Range);
        var a = L("up", ("instance", "gone"), ("job", "j"));
        var b = L("up", ("instance", "stays"), ("job", "j"));
        head.Append(Tick("j", 1000, ("gone", [(a, 1)]), ("stays", [(b, 1)])));
        head.Append(Tick("j", 2000, ("stays", [(b, 1)])));
        Assert.True(Get(head, a).Samples[^1].IsStale);
        Assert.False(Get(head, b).Samples[^1].IsStale);
    }

    [Fact]
    public void A_context_tick_adds_no_samples_but_makes_the_next_ticks_staleness_right()
    {
        var head = new Head(SeriesSelection.All, Range);
        var a = L("x", ("instance", "i"), ("job", "j"));
        var b = L("y", ("instance", "i"), ("job", "j"));
        head.Append(Tick("j", 1000, ("i", [(a, 1), (b, 1)])), contextOnly: true);
        head.Append(Tick("j", 2000, ("i", [(a, 2)])));
        Assert.Equal([2.0], Get(head, a).Samples.Select(s => s.Value));
        var y = Assert.Single(Get(head, b).Samples);
        Assert.True(y.IsStale);
    }

    [Fact]
    public void Ticks_at_or_before_the_last_one_of_their_job_are_ignored()
    {
        var head = new Head(SeriesSelection.All, Range);
        var a = L("x", ("job", "j"));
        head.Append(Tick("j", 2000, ("i", [(a, 2)])));
        head.Append(Tick("j", 1000, ("i", [(a, 1)])));
        head.Append(Tick("j", 2000, ("i", [(a, 9)])));
        Assert.Equal([2.0], Get(head, a).Samples.Select(s => s.Value));
    }

    [Fact]
    public void Only_series_the_selection_keeps_are_stored()
    {
        var selection = SeriesSelection.Of([[new LabelMatcher(MatcherType.Equal, "__name__", "up"), new LabelMatcher(MatcherType.Equal, "job", "keep")]]);
        var head = new Head(selection, Range);
        head.Append(Tick("keep", 1000, ("i", [(L("up", ("job", "keep")), 1), (L("other", ("job", "keep")), 1)])));
        head.Append(Tick("drop", 1000, ("i", [(L("up", ("job", "drop")), 1)])));
        Assert.Equal(1, head.SeriesCount);
        Assert.True(selection.Covers([new LabelMatcher(MatcherType.Equal, "job", "keep"), new LabelMatcher(MatcherType.Equal, "__name__", "up"), new LabelMatcher(MatcherType.Equal, "instance", "x")]));
        Assert.False(selection.Covers([new LabelMatcher(MatcherType.Equal, "__name__", "up")]));
    }

    [Fact]
    public void Truncating_drops_whole_chunks_before_the_boundary()
    {
        var head = new Head(SeriesSelection.All, Range);
        var a = L("x", ("job", "j"));
        for (var t = 0L; t < 3 * Range; t += 60_000)
        {
            head.Append(Tick("j", t, ("i", [(a, t)])));
        }
        head.Truncate(2 * Range);
        var samples = Get(head, a).Samples;
        Assert.Equal(2 * Range, samples[0].TimestampMs);
        Assert.Empty(head.Select([AnyName], 0, (2 * Range) - 1));
    }

    [Fact]
    public void Export_yields_a_block_whose_samples_equal_the_heads()
    {
        var head = new Head(SeriesSelection.All, Range);
        for (var t = 0L; t < Range; t += 15_000)
        {
            head.Append(Tick("j", t, ("i", [(L("x", ("job", "j")), t / 1000.0), (L("y", ("job", "j")), 1)])));
        }
        var block = BlockWriter.Write(head.Export(0, Range), 0, Range, 1);
        var fromBlock = Open(block).Select([AnyName], 0, Range);
        var fromHead = head.Select([AnyName], 0, Range);
        Assert.Equal(fromHead.Select(s => (s.Labels, s.Samples.Count)), fromBlock.Select(s => (s.Labels, s.Samples.Count)));
        Assert.Equal(480, fromBlock.Single(s => s.Labels.Name == "x").Samples.Count);
    }
}
