using Alerting.Core.Model;
using Alerting.Core.PromQL;

namespace Alerting.Core.Tests.PromQL;

public sealed class PromQlEngineTests
{
    private static readonly PromQlEngine Engine = new();

    private static MemorySeriesStore Store(params (Labels Labels, long StepMs, double[] Values)[] series)
    {
        var store = new MemorySeriesStore();
        foreach (var (labels, step, values) in series)
        {
            for (var i = 0; i < values.Length; i++)
            {
                store.Append(labels, new Sample(i * step, values[i]));
            }
        }
        return store;
    }

    private static IReadOnlyList<VectorSample> Vector(string query, ISeriesSource source, long timeMs) =>
        Assert.IsType<VectorValue>(Engine.Instant(PromQlParser.Parse(query), source, timeMs)).Samples;

    [Fact]
    public void Rate_extrapolates_to_the_window_edges_like_prometheus()
    {
        // A counter growing 10 per 30s scraped from t=0: at 5m the 5m window (0, 300s] holds 10 samples
        // from 30s to 300s; the start gap (30s) is within 1.1x the interval so it extrapolates fully.
        var c = Labels.From(("__name__", "c_total"));
        var store = Store((c, 30_000, Enumerable.Range(0, 11).Select(i => i * 10.0).ToArray()));
        var rate = Vector("rate(c_total[5m])", store, 300_000).Single();
        Assert.Equal(10.0 / 30, rate.Value, 9);
        Assert.False(rate.Labels.Has("__name__"));
        var increase = Vector("increase(c_total[5m])", store, 300_000).Single();
        Assert.Equal(100, increase.Value, 9);
    }

    [Fact]
    public void Rate_counts_counter_resets()
    {
        var c = Labels.From(("__name__", "c_total"));
        var store = Store((c, 60_000, [0, 10, 20, 5, 15]));
        // Samples at 0..240s in window (0, 240s]: 10, 20, 5, 15 -> increase 5 + 20 (reset) = 25 over 180s,
        // extrapolated to 240s at the start (counter would reach zero 180*(10/25)=72s before, more than 60s).
        var increase = Vector("increase(c_total[4m])", store, 240_000).Single();
        Assert.Equal(25 * (180 + 60.0) / 180, increase.Value, 9);
    }

    [Fact]
    public void Instant_selector_looks_back_five_minutes_and_stops_at_stale_markers()
    {
        var up = Labels.From(("__name__", "up"), ("job", "a"));
        var store = Store((up, 60_000, [1, 1, Sample.StaleNaN]));
        Assert.Single(Vector("up", store, 60_000));
        Assert.Empty(Vector("up", store, 120_000));
        var fresh = Store((up, 60_000, [1]));
        Assert.Single(Vector("up", fresh, 299_999));
        Assert.Empty(Vector("up", fresh, 300_000));
        var shortLookback = new PromQlEngine(new PromQlEngineOptions { LookbackDelta = TimeSpan.FromMinutes(1) });
        Assert.Empty(Assert.IsType<VectorValue>(shortLookback.Instant(PromQlParser.Parse("up"), fresh, 61_000)).Samples);
    }

    [Fact]
    public void Many_to_many_and_implicit_many_to_one_matches_are_errors()
    {
        var store = Store(
            (Labels.From(("__name__", "a"), ("job", "x"), ("i", "1")), 1000, [1]),
            (Labels.From(("__name__", "a"), ("job", "x"), ("i", "2")), 1000, [2]),
            (Labels.From(("__name__", "b"), ("job", "x")), 1000, [3]),
            (Labels.From(("__name__", "c"), ("job", "x"), ("i", "3")), 1000, [3]));
        var manyToOne = Assert.Throws<PromQlEvaluationException>(() => Vector("a + on(job) b", store, 0));
        Assert.Equal("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)", manyToOne.Message);
        var manyToMany = Assert.Throws<PromQlEvaluationException>(() => Vector("c + on(job) a", store, 0));
        Assert.EndsWith("many-to-many matching not allowed: matching labels must be unique on one side", manyToMany.Message, StringComparison.Ordinal);
        var grouped = Vector("a + on(job) group_left b", store, 0);
        Assert.Equal([4.0, 5.0], grouped.Select(s => s.Value).Order());
    }

    [Fact]
    public void Seed_rule_expressions_evaluate()
    {
        var store = new MemorySeriesStore();
        for (var m = 0; m < 10; m++)
        {
            var up = Labels.From(("__name__", "up"), ("job", "fly-machines"), ("instance", "m" + m));
            store.Append(up, new Sample(0, m == 3 ? 0 : 1));
        }
        for (var u = 0; u < 8; u++)
        {
            var errors = Labels.From(("__name__", "trader_errors_total"), ("user_id", "u" + u), ("instance", "i1"));
            for (var t = 0; t <= 10; t++)
            {
                store.Append(errors, new Sample(t * 30_000, t * 60.0 * (u < 6 ? 1 : 0)));
            }
        }
        store.Append(Labels.From(("__name__", "pool_usage"), ("pool", "p")), new Sample(0, 95));
        store.Append(Labels.From(("__name__", "pool_size"), ("pool", "p")), new Sample(0, 100));
        store.Append(Labels.From(("__name__", "last_seen"), ("instance", "m1")), new Sample(0, 200));

        var down = Vector("up{job=\"fly-machines\"} == 0", store, 60_000);
        Assert.Equal("m3", Assert.Single(down).Labels["instance"]);
        var noisy = Vector("count(sum by(user_id) (rate(trader_errors_total[5m]) > 0.1)) > 5", store, 300_000);
        Assert.Equal(6, Assert.Single(noisy).Value);
        var pool = Vector("(pool_usage / pool_size) * 100 > 90", store, 60_000);
        Assert.Equal(95, Assert.Single(pool).Value, 9);
        var stale = Vector("time() - last_seen > 30", store, 240_000);
        Assert.Equal(40, Assert.Single(stale).Value);
    }

    [Fact]
    public void Range_query_returns_one_series_per_label_set_sorted()
    {
        var store = Store(
            (Labels.From(("__name__", "x"), ("a", "2")), 60_000, [1, 2, 3]),
            (Labels.From(("__name__", "x"), ("a", "1")), 60_000, [4, 5, 6]));
        var m = Assert.IsType<MatrixValue>(Engine.Range(PromQlParser.Parse("x * 2"), store, 0, 120_000, 60_000));
        Assert.Equal(["1", "2"], m.Series.Select(s => s.Labels["a"]));
        Assert.Equal([8.0, 10, 12], m.Series[0].Samples.Select(s => s.Value));
    }

    private static IReadOnlyList<VectorSample> Eval(string series, string query, long timeMs) =>
        Vector(query, Alerting.Tooling.PromQL.LoadFormat.Read(series), timeMs);

    [Fact]
    public void Offset_and_at_modifiers_move_the_evaluation_time()
    {
        const string series = "load 1m\nx 0+1x10";
        Assert.Equal(5, Eval(series, "x offset 5m", 600_000).Single().Value);
        Assert.Equal(2, Eval(series, "x @ 120", 600_000).Single().Value);
        Assert.Equal(1, Eval(series, "x @ 180 offset 2m", 0).Single().Value);
    }

    [Fact]
    public void Subqueries_evaluate_the_inner_query_at_aligned_steps()
    {
        // deriv over 1m-spaced points of a series rising 1 per minute.
        const string series = "load 1m\nx 0+1x20";
        var v = Eval(series, "max_over_time(x[5m:1m])", 600_000).Single();
        Assert.Equal(10, v.Value);
        Assert.Equal(1.0 / 60, Eval(series, "deriv(x[10m:1m])", 600_000).Single().Value, 9);
    }

    [Fact]
    public void Metric_name_is_dropped_by_arithmetic_and_functions_but_kept_by_filters()
    {
        const string series = "load 1m\nx{a=\"1\"} 5";
        Assert.Equal("x", Eval(series, "x > 1", 0).Single().Labels.Name);
        Assert.Null(Eval(series, "x * 2", 0).Single().Labels.Name);
        Assert.Null(Eval(series, "x > bool 1", 0).Single().Labels.Name);
        Assert.Equal("x", Eval(series, "last_over_time(x[1m])", 0).Single().Labels.Name);
        Assert.Equal("y", Eval(series, "label_replace(abs(x), \"__name__\", \"y\", \"a\", \".*\")", 0).Single().Labels.Name);
    }

    [Fact]
    public void Histogram_quantile_interpolates_classic_buckets()
    {
        const string series = """
            load 1m
            req_bucket{le="0.1"} 0+10x5
            req_bucket{le="0.5"} 0+20x5
            req_bucket{le="+Inf"} 0+40x5
            """;
        // Half of the observations are at or below 0.5; the median is the top of that bucket.
        Assert.Equal(0.5, Eval(series, "histogram_quantile(0.5, rate(req_bucket[5m]))", 300_000).Single().Value, 9);
        Assert.Equal(0.3, Eval(series, "histogram_quantile(0.375, rate(req_bucket[5m]))", 300_000).Single().Value, 9);
    }

    [Fact]
    public void Absent_reports_the_labels_of_the_missing_selector()
    {
        var v = Eval("load 1m\nx 1", "absent(nope{job=\"a\", env=~\"p.*\"})", 0).Single();
        Assert.Equal(Labels.From(("job", "a")), v.Labels);
        Assert.Empty(Eval("load 1m\nx 1", "absent(x)", 0));
    }

    [Fact]
    public void Label_replace_producing_duplicate_series_is_an_error()
    {
        const string series = "load 1m\nx{a=\"1\"} 1\nx{a=\"2\"} 2";
        var ex = Assert.Throws<PromQlEvaluationException>(() => Eval(series, "label_replace(x, \"a\", \"\", \"\", \"\")", 0));
        Assert.Equal("vector cannot contain metrics with the same labelset", ex.Message);
    }

    [Fact]
    public void Subqueries_without_a_step_use_the_evaluation_interval_even_in_range_queries()
    {
        var store = Alerting.Tooling.PromQL.LoadFormat.Read("load 10s\nx 0+1x100");
        var m = Assert.IsType<MatrixValue>(Engine.Range(PromQlParser.Parse("count_over_time(x[5m:])"), store, 600_000, 660_000, 10_000));
        Assert.All(m.Series.Single().Samples, p => Assert.Equal(5, p.Value));
    }

    [Fact]
    public void Label_replace_understands_re2_named_groups_and_anchors_like_go()
    {
        const string series = "load 1m\nx{host=\"web-01\"} 1";
        var v = Eval(series, "label_replace(x, \"n\", \"${num}\", \"host\", \"web-(?P<num>\\\\d+)\")", 0).Single();
        Assert.Equal("01", v.Labels["n"]);
        var unchanged = Eval(series, "label_replace(x, \"n\", \"$1\", \"host\", \"(web)\")", 0).Single();
        Assert.False(unchanged.Labels.Has("n"));
    }

    private sealed class CountingSource(ISeriesSource inner) : ISeriesSource
    {
        public int Calls { get; private set; }

        public IEnumerable<Series> Select(IReadOnlyList<LabelMatcher> matchers, long minTimeMs, long maxTimeMs)
        {
            Calls++;
            return inner.Select(matchers, minTimeMs, maxTimeMs);
        }
    }

    [Fact]
    public void Caching_source_scans_the_store_once_per_selector_and_window()
    {
        var counting = new CountingSource(Alerting.Tooling.PromQL.LoadFormat.Read("load 1m\nx{a=\"1\"} 0+1x10\ny 1x10"));
        var cached = new CachingSeriesSource(counting);
        var first = Vector("sum(rate(x[5m]))", cached, 600_000);
        var second = Vector("sum(rate(x[5m])) > 0", cached, 600_000);
        Vector("y", cached, 600_000);
        Assert.Equal(first.Single().Value, second.Single().Value);
        Assert.Equal(2, counting.Calls);
    }

    [Theory]
    [InlineData("year(vector(0))", 1970)]
    [InlineData("day_of_week(vector(0))", 4)]
    [InlineData("hour(vector(-1))", 23)]
    [InlineData("year(vector(-1))", 1969)]
    [InlineData("days_in_month(vector(1709164800))", 29)]
    [InlineData("day_of_year(vector(1709164800))", 60)]
    [InlineData("minute(vector(1709164800 + 125))", 2)]
    [InlineData("year(vector(253402300800))", 10000)]
    public void Date_functions_follow_go_time_for_any_year(string query, double expected) =>
        Assert.Equal(expected, Vector(query, new MemorySeriesStore(), 0).Single().Value);
}
