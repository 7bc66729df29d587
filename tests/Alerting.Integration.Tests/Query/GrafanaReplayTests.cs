using System.Globalization;
using Alerting.Core.Tests;
using Alerting.Integration.Tests.Query.Grafana;
using Xunit.Abstractions;

namespace Alerting.Integration.Tests.Query;

/// <summary>A theory that needs Debian's prometheus and promtool; skipped, saying so, where they are missing.</summary>
public sealed class PrometheusTheoryAttribute : TheoryAttribute
{
    public PrometheusTheoryAttribute()
    {
        if (!PrometheusQueryParityFixture.PrometheusInstalled)
        {
            Skip = "prometheus/promtool not found (install Debian's prometheus package to compare with the reference)";
        }
    }
}

/// <summary>
/// Grafana cannot run here, so its Prometheus data source is replayed: the exact requests it sends for
/// the seeds' dashboards (template variables, every panel target with Grafana's step and alignment,
/// the <c>ALERTS</c> annotation, "Save &amp; test") go to our app and to a real Prometheus 2.42 holding the
/// same samples, and the answers are compared as Grafana uses them: series by display name with their
/// points, variable options, annotation regions.
/// </summary>
[Collection(PrometheusQueryCollection.Name)]
public sealed class GrafanaReplayTests(PrometheusQueryParityFixture f, ITestOutputHelper output)
{
    /// <summary>The data source's "Scrape interval" setting (Grafana's default, and the seeds' fleets').</summary>
    private const long ScrapeMs = 15_000;

    /// <summary>Max data points of a panel: its width in pixels on a 1,920-pixel screen (24 grid columns).</summary>
    private const int PixelsPerColumn = 78;

    /// <summary>Grafana's "now": just after the data's last sample, deliberately off any step.</summary>
    private long Now => f.EndMs + 7_321;

    private GrafanaDataSource Ours(string method) => new(new Uri(f.Stack.Host.BaseAddress, "api/prometheus"), method, "Bearer " + PrometheusQueryParityFixture.Token);

    private GrafanaDataSource Theirs(string method) => new(new Uri(f.PrometheusUrl), method, null);

    private static long RangeMs(string from) => from switch
    {
        "now-1h" => 3_600_000,
        "now-6h" => 21_600_000,
        "now-24h" => 86_400_000,
        _ => throw new ArgumentException($"dashboard range {from} not handled", nameof(from)),
    };

    [PrometheusFact]
    public async Task Save_and_test_and_version_detection_succeed_as_against_Prometheus()
    {
        using var ours = Ours("POST");
        using var theirs = Theirs("POST");
        var (health, build) = await ours.SaveAndTestAsync();
        var (refHealth, refBuild) = await theirs.SaveAndTestAsync();
        Assert.True(refHealth.Success && refBuild.Success, $"Prometheus: {refHealth} / {refBuild}");
        Assert.True(health.Success, $"health check: {health}\n{string.Join("\n", ours.Log)}");
        Assert.Equal(refHealth.Raw, health.Raw);
        Assert.True(build.Success, $"buildinfo: {build}\n{string.Join("\n", ours.Log)}");
        // No "features": Grafana's heuristics call the data source Prometheus (not Mimir) and use no ruler API.
        Assert.Null(build.Body!["data"]!["features"]);
        var detected = await ours.DetectVersionAsync();
        // Grafana reads the semantic version (Debian's build says "2.42.0+ds") to pick the APIs it uses.
        Assert.Equal(refBuild.Body!["data"]!["version"]!.GetValue<string>().Split('+')[0], detected.Body!["data"]!["version"]!.GetValue<string>());
        output.WriteLine(string.Join("\n", ours.Log));
    }

    [PrometheusTheory]
    [InlineData("POST")]
    [InlineData("GET")]
    public async Task Every_seed_dashboard_shows_what_it_shows_against_Prometheus(string method)
    {
        using var ours = Ours(method);
        using var theirs = Theirs(method);
        var dashboards = SeedDashboards.Load(TestPaths.Seeds);
        Assert.True(dashboards.Count >= 4, $"only {dashboards.Count} dashboards found in the seeds");
        var differences = new List<string>();
        int panels = 0, nonEmpty = 0, variables = 0, regions = 0;

        // Version detection decides how label_values(metric, label) is asked (Prometheus ≥ 2.24: the label values API).
        var version = (await ours.DetectVersionAsync()).Body!["data"]!["version"]!.GetValue<string>();
        var labelsMatchApi = Version.Parse(version) >= new Version(2, 24);

        foreach (var d in dashboards)
        {
            var to = Now;
            var from = to - RangeMs(d.From);
            var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var v in d.Variables)
            {
                var (a, texts) = await ours.VariableAsync(v.Query, from, to, labelsMatchApi);
                var (ra, reference) = await theirs.VariableAsync(v.Query, from, to, labelsMatchApi);
                Compare(differences, $"{d.Title}: variable {v.Name} = {v.Query}", ra, a, () => string.Join(",", reference), () => string.Join(",", texts));
                values[v.Name] = reference;
                variables++;
            }

            // "All" (the variable's allValue), then two picked options as Grafana's multi-value regex.
            var selections = new List<Dictionary<string, string>> { d.Variables.ToDictionary(v => v.Name, v => v.AllValue ?? ".*", StringComparer.Ordinal) };
            if (d.Variables.Count > 0)
            {
                selections.Add(d.Variables.ToDictionary(v => v.Name, v => "(" + string.Join("|", values[v.Name].Take(2)) + ")", StringComparer.Ordinal));
            }
            foreach (var target in d.Targets)
            {
                if (target.PanelType == "logs")
                {
                    continue; // A Loki panel (LogQL): Grafana sends it to a Loki data source, not to Prometheus.
                }
                foreach (var selection in target.Expr.Contains('$', StringComparison.Ordinal) ? selections : selections.Take(1))
                {
                    var expr = selection.Aggregate(target.Expr, (e, v) => e.Replace("$" + v.Key, v.Value, StringComparison.Ordinal));
                    var (answer, reference, what) = await PanelAsync(ours, theirs, target with { Expr = expr }, from, to);
                    panels++;
                    nonEmpty += Compare(differences, $"{d.Title}: {target.Panel}: {what}", reference, answer,
                        () => Show(GrafanaDataSource.ToFrames(reference, target.LegendFormat)), () => Show(GrafanaDataSource.ToFrames(answer, target.LegendFormat)))
                        && GrafanaDataSource.ToFrames(reference, target.LegendFormat).Series.Count > 0 ? 1 : 0;
                }
            }

            foreach (var annotation in d.Annotations)
            {
                // The annotation's step is its query's interval, so the step is at least that (60 s by default).
                var minMs = (long)Alerting.Core.Model.PromDuration.Parse(annotation.Step).TotalMilliseconds;
                var step = GrafanaInterval.StepMs(from, to, 0, minMs);
                var start = GrafanaInterval.Align(from, step);
                var end = GrafanaInterval.Align(to, step);
                var a = await ours.QueryRangeAsync(annotation.Expr, start, end, step);
                var r = await theirs.QueryRangeAsync(annotation.Expr, start, end, step);
                var events = GrafanaDataSource.AnnotationEvents(a, annotation.TitleFormat, step);
                var reference = GrafanaDataSource.AnnotationEvents(r, annotation.TitleFormat, step);
                Compare(differences, $"{d.Title}: annotation {annotation.Name}", r, a, () => string.Join("\n", reference), () => string.Join("\n", events));
                regions += reference.Count;
            }
        }

        output.WriteLine($"{dashboards.Count} dashboards, {variables} variable queries, {panels} panel queries ({nonEmpty} with data), {regions} annotation regions; {ours.Log.Count} requests");
        foreach (var line in ours.Log.Take(12))
        {
            output.WriteLine(line);
        }
        Assert.True(differences.Count == 0, string.Join("\n\n", differences));
        // The replay compared something: the panels over the seed fleet's metrics have data (seed 004's chain and
        // market metrics are not in the fleet: both sides answer those empty), the annotation has regions.
        Assert.True(nonEmpty >= 20, $"only {nonEmpty} of {panels} panel answers had series");
        Assert.True(regions >= 2, $"the ALERTS annotation drew {regions} regions");
    }

    [PrometheusTheory]
    [InlineData("label_values(trader_errors_total, user_id)")]
    [InlineData("label_values(user_id)")]
    [InlineData("label_values({job=\"fly-machines\"}, instance)")]
    [InlineData("metrics(trader_.*)")]
    [InlineData("query_result(topk(3, sum by(user_id) (increase(trader_errors_total[1h]))))")]
    [InlineData("query_result(count(up))")]
    public async Task Every_kind_of_variable_query_offers_the_options_Prometheus_offers(string query)
    {
        using var ours = Ours("POST");
        using var theirs = Theirs("POST");
        var from = Now - 3_600_000;
        var (a, texts) = await ours.VariableAsync(query, from, Now, labelsMatchApi: true);
        var (r, reference) = await theirs.VariableAsync(query, from, Now, labelsMatchApi: true);
        Assert.True(r.Success, $"Prometheus: {r}");
        Assert.True(a.Success, $"ours: {a}\n{string.Join("\n", ours.Log)}");
        Assert.NotEmpty(reference);
        Assert.Equal(reference, texts);
    }

    /// <summary>
    /// Grafana's built-in interval variables, as its query editor writes them for counters
    /// (<c>$__rate_interval</c>, <c>$__interval</c>, <c>$__range</c>), expanded by Grafana's rules for a 15 s
    /// scrape interval: over 1 h on a full-width panel the step is 15 s and <c>$__rate_interval</c> "1m0s".
    /// (No topk over a range here: where values tie, Prometheus 2.42's choice follows Go's map order of the
    /// inner matrix, which differs from run to run; ties in an instant topk are compared in the
    /// <c>query_result</c> variable test.)
    /// </summary>
    [PrometheusTheory]
    [InlineData("sum(rate(trader_errors_total[$__rate_interval]))", "now-1h", 24)]
    [InlineData("sum by(user_id) (increase(trader_errors_total[$__interval]))", "now-6h", 6)]
    [InlineData("sum by(user_id) (rate(trader_errors_total[${__rate_interval}]))", "now-6h", 12)]
    [InlineData("sum by(instance) (increase(trader_errors_total[$__range]))", "now-1h", 12)]
    [InlineData("max_over_time(pool_usage[$__interval_ms" + "ms])", "now-1h", 24)]
    public async Task Grafana_interval_variables_expand_and_answer_as_against_Prometheus(string expr, string range, int width)
    {
        using var ours = Ours("POST");
        using var theirs = Theirs("POST");
        var target = new PanelTarget("interval variables", expr, "timeseries", width, expr, "{{user_id}}{{instance}}", false, string.Empty);
        var (a, r, what) = await PanelAsync(ours, theirs, target, Now - RangeMs(range), Now);
        Assert.DoesNotContain("$", what, StringComparison.Ordinal);
        Assert.True(r.Success, $"Prometheus: {what}: {r}");
        var expected = GrafanaDataSource.ToFrames(r, target.LegendFormat);
        Assert.NotEmpty(expected.Series);
        Assert.True(a.Success, $"ours: {what}: {a}");
        var differences = new List<string>();
        Compare(differences, what, r, a, () => Show(expected), () => Show(GrafanaDataSource.ToFrames(a, target.LegendFormat)));
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    [Fact]
    public void Grafana_steps_follow_its_rounding_and_the_scrape_interval()
    {
        const long hour = 3_600_000;
        // 1 h on a 468-pixel panel: 7.7 s rounds to 10 s, under the 15 s scrape interval: 15 s; $__rate_interval 1m0s.
        var interval = GrafanaInterval.FrontendIntervalMs(0, hour, 468, ScrapeMs);
        Assert.Equal(15_000, GrafanaInterval.StepMs(0, hour, 468, interval));
        Assert.Equal("1m0s", GrafanaInterval.GoDuration(GrafanaInterval.RateIntervalMs(interval, ScrapeMs)));
        // 6 h on 936 pixels: 23 s rounds to 20 s; $__rate_interval max(35 s, 60 s).
        interval = GrafanaInterval.FrontendIntervalMs(0, 6 * hour, 936, ScrapeMs);
        Assert.Equal(20_000, GrafanaInterval.StepMs(0, 6 * hour, 936, interval));
        // 24 h on 1,872 pixels: 46 s rounds to 1m; $__rate_interval 1m15s; $__interval "1m".
        interval = GrafanaInterval.FrontendIntervalMs(0, 24 * hour, 1872, ScrapeMs);
        Assert.Equal(60_000, GrafanaInterval.StepMs(0, 24 * hour, 1872, interval));
        Assert.Equal("1m15s", GrafanaInterval.GoDuration(GrafanaInterval.RateIntervalMs(interval, ScrapeMs)));
        Assert.Equal("sum(rate(x[1m15s])) / 1m", GrafanaInterval.Interpolate("sum(rate(x[$__rate_interval])) / $__interval", 60_000, interval, ScrapeMs, 24 * hour));
        // 30 days on 100 pixels: never more than 11,000 points, then rounded (6 h).
        Assert.Equal(21_600_000, GrafanaInterval.StepMs(0, 30 * 24 * hour, 100, ScrapeMs));
        Assert.Equal(1_200_000, GrafanaInterval.Align(1_234_567, 600_000));
    }

    /// <summary>
    /// One panel target as Grafana asks for it: the frontend's interval from the panel's width, the
    /// backend's step, the range aligned to the step, built-in variables expanded; range query unless the
    /// target is instant (then at the unaligned "now").
    /// </summary>
    private static async Task<(Answer Ours, Answer Theirs, string What)> PanelAsync(GrafanaDataSource ours, GrafanaDataSource theirs, PanelTarget target, long from, long to)
    {
        var maxDataPoints = target.Width * PixelsPerColumn;
        var intervalMs = GrafanaInterval.FrontendIntervalMs(from, to, maxDataPoints, ScrapeMs);
        var minMs = target.Interval.Length > 0 && !target.Interval.StartsWith('$')
            ? (long)Alerting.Core.Model.PromDuration.Parse(target.Interval).TotalMilliseconds
            : intervalMs;
        var step = GrafanaInterval.StepMs(from, to, maxDataPoints, minMs);
        var expr = GrafanaInterval.Interpolate(target.Expr, step, intervalMs, ScrapeMs, to - from);
        if (target.Instant)
        {
            return (await ours.InstantAsync(expr, to), await theirs.InstantAsync(expr, to), $"instant {expr} @{GrafanaInterval.Seconds(to)}");
        }
        var start = GrafanaInterval.Align(from, step);
        var end = GrafanaInterval.Align(to, step);
        return (await ours.QueryRangeAsync(expr, start, end, step), await theirs.QueryRangeAsync(expr, start, end, step),
            $"range {expr} {GrafanaInterval.Seconds(start)}..{GrafanaInterval.Seconds(end)} step {step / 1000}s");
    }

    /// <summary>Records a difference in status, error or what Grafana shows; true when both succeeded alike.</summary>
    private static bool Compare(List<string> differences, string what, Answer theirs, Answer ours, Func<string> expected, Func<string> actual)
    {
        if (theirs.Status != ours.Status || theirs.Success != ours.Success)
        {
            differences.Add($"{what}\n  Prometheus: {theirs}\n  ours:       {ours}");
            return false;
        }
        if (!theirs.Success)
        {
            var t = $"{theirs.Body?["errorType"]} {theirs.Body?["error"]}";
            var o = $"{ours.Body?["errorType"]} {ours.Body?["error"]}";
            if (t != o)
            {
                differences.Add($"{what}\n  Prometheus: {t}\n  ours:       {o}");
            }
            return false;
        }
        var e = expected();
        var a = actual();
        if (e != a)
        {
            differences.Add($"{what}\n  Prometheus: {Clip(e)}\n  ours:       {Clip(a)}");
            return false;
        }
        return true;
    }

    private static string Clip(string s) => s.Length > 1500 ? s[..1500] + "…" : s;

    /// <summary>Frames as text: each series' name and its points, values to 12 significant digits (float rounding aside).</summary>
    private static string Show(Frames frames) => string.Join("\n", frames.Series.Select(s =>
        s.Key + ": " + string.Join(" ", s.Value.Select(p => p.Ms.ToString(CultureInfo.InvariantCulture) + "=" + p.Value.ToString("G12", CultureInfo.InvariantCulture)))));
}
