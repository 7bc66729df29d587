using Alerting.Core.Model;
using Alerting.Core.Rules;

namespace Alerting.Core.Tests.Rules;

public sealed class RuleRetentionTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static RuleFile Load(string yaml)
    {
        using var dir = new TempDir();
        return RuleFileLoader.Load(dir.Write("r.rules.yml", yaml));
    }

    private static TimeSpan Need(string expr, string extra = "") =>
        RuleRetention.Needs([Load($"groups:\n  - name: g\n{extra}    rules:\n      - record: r\n        expr: '{expr}'\n")], Now).Single().Duration;

    [Theory]
    [InlineData("up", 5)]
    [InlineData("rate(x[1h])", 60)]
    [InlineData("rate(x[1h] offset 30m)", 90)]
    [InlineData("max_over_time(rate(x[5m])[1h:1m])", 65)]
    [InlineData("max_over_time(rate(x[5m])[1h:1m] offset 1d)", (24 * 60) + 65)]
    [InlineData("x offset -10m", 0)]
    [InlineData("sum(rate(a[2h])) / sum(rate(b[24h]))", 24 * 60)]
    [InlineData("time()", 0)]
    public void A_rule_needs_its_longest_range_with_offsets_subqueries_and_lookback(string expr, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), Need(expr));

    [Fact]
    public void A_fixed_at_time_needs_history_back_to_it() =>
        Assert.Equal(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(5), Need($"x @ {Now.ToUnixTimeSeconds() - 7200}"));

    [Fact]
    public void The_groups_query_offset_adds_to_every_rule() =>
        Assert.Equal(TimeSpan.FromMinutes(65), Need("rate(x[1h])", "    query_offset: 5m\n"));

    [Fact]
    public void For_and_keep_firing_for_need_their_alerts_for_state_history()
    {
        var file = Load("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 2h\n        keep_firing_for: 30m\n");
        var need = RuleRetention.Needs([file], Now).Single();
        Assert.Equal(TimeSpan.FromMinutes(150), need.Duration);
        Assert.Contains("ALERTS_FOR_STATE", need.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_seed_rules_need_a_day_for_the_order_matching_slo()
    {
        // Seed 002's file as shipped does not load (as with promtool); its fixed version stands in for it.
        var files = new[] { "tests/ha-trading.fixed.yml", "multi-machine.rules.yml", "virtengine.rules.yml" }
            .Select(f => RuleFileLoader.Load(Path.Combine(TestPaths.RepoRoot, "rules", f))).ToArray();
        var worst = RuleRetention.Needs(files, Now).MaxBy(n => n.Duration)!;
        Assert.Equal(("virtengine.slo", "SLOOrderMatchingSuccess"), (worst.Group, worst.Rule));
        Assert.Equal(TimeSpan.FromHours(24), worst.Duration);
    }

    [Fact]
    public void A_configured_retention_shorter_than_a_rule_names_file_group_rule_and_range()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "rules", "virtengine.rules.yml");
        var unmet = RuleRetention.Unmet([RuleFileLoader.Load(path)], TimeSpan.FromMinutes(20), Now);
        var message = unmet[0].Describe(TimeSpan.FromMinutes(20));
        Assert.StartsWith(path + ":", message, StringComparison.Ordinal);
        Assert.Contains("group \"virtengine.slo\", rule \"SLOOrderMatchingSuccess\" reads 1d of samples", message, StringComparison.Ordinal);
        Assert.Contains("virtengine_market_orders_matched[1d]", message, StringComparison.Ordinal);
        Assert.EndsWith("longer than Alerting:SampleRetention (20m)", message, StringComparison.Ordinal);
        Assert.Contains(unmet, n => n.Rule == "ProviderHighFailureRate");
        Assert.DoesNotContain(unmet, n => n.Rule == "MLInferenceTimeout");
    }

    [Fact]
    public void Selectors_include_those_of_template_queries()
    {
        var file = Load("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up{job=\"x\"} == 0\n        annotations:\n          summary: '{{ with query \"node_load1{instance=\\\"a\\\"}\" }}{{ . | first | value }}{{ end }}'\n");
        var selectors = RuleRetention.Selectors([file]).Select(s => string.Join(",", s.Select(m => m.ToString()).Order(StringComparer.Ordinal))).ToArray();
        Assert.Contains("__name__=\"up\",job=\"x\"", selectors);
        Assert.Contains("__name__=\"node_load1\",instance=\"a\"", selectors);
    }
}
