using Alerting.Core.Rules;
using Alerting.Tooling.Rules;

namespace Alerting.Core.Tests.Rules;

/// <summary>The users' rule files from the seeds, kept unchanged under rules/, and their unit tests under rules/tests/.</summary>
public sealed class SeedRuleFileTests
{
    private static string RulesDir => Path.Combine(TestPaths.RepoRoot, "rules");

    /// <summary>Alerts that no data can fire, with the reason; their tests only prove they stay quiet.</summary>
    private static readonly Dictionary<string, string> CannotFire = new(StringComparer.Ordinal)
    {
        ["NoLeader"] = "count(portfolio_manager_is_leader == 1) of no leader is an empty vector, never 0",
    };

    public static TheoryData<string> UnitTestFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "rules", "tests"), "*.test.yml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }
        return data;
    }

    private static string SeedRulesBlock(string seedPrefix)
    {
        var seed = Directory.GetFiles(TestPaths.Seeds, seedPrefix + "_*.txt").Single();
        var text = File.ReadAllText(seed);
        var at = 0;
        while ((at = text.IndexOf("```yaml\n", at, StringComparison.Ordinal)) >= 0)
        {
            var start = at + "```yaml\n".Length;
            var end = text.IndexOf("\n```", start, StringComparison.Ordinal);
            var block = text[start..(end + 1)];
            if (block.Contains("\ngroups:\n", StringComparison.Ordinal) || block.StartsWith("groups:\n", StringComparison.Ordinal))
            {
                return block;
            }
            at = end;
        }
        throw new InvalidOperationException("no rule block in seed " + seedPrefix);
    }

    [Theory]
    [InlineData("002", "ha-trading.rules.yml")]
    [InlineData("004", "virtengine.rules.yml")]
    public void Seed_rule_file_is_the_markdown_block_byte_for_byte(string seed, string file)
    {
        Assert.Equal(SeedRulesBlock(seed), File.ReadAllText(Path.Combine(RulesDir, file)));
    }

    [Fact]
    public void Virtengine_rules_pass_the_check_with_all_nine_alerts()
    {
        var check = RuleFileLoader.Check(Path.Combine(RulesDir, "virtengine.rules.yml"));

        Assert.Empty(check.Errors);
        Assert.Equal(9, check.RuleCount);
    }

    [PromtoolFact]
    public void Ha_trading_seed_is_refused_like_promtool_at_the_string_comparison_in_SplitBrainDetected()
    {
        var path = Path.Combine(RulesDir, "ha-trading.rules.yml");

        var error = Assert.Single(RuleFileLoader.Check(path).Errors);

        const string where = ": 91:15: group \"portfolio_manager_ha\", rule 7, \"SplitBrainDetected\": could not parse expression: 2:";
        const string kind = ": parse error: binary expression must contain only scalar and instant vector types";
        Assert.Contains(where, error, StringComparison.Ordinal);
        Assert.EndsWith(kind, error, StringComparison.Ordinal);
        var reference = Promtool.Run(RulesDir, "check", "rules", path);
        Assert.Equal(1, reference.Exit);
        Assert.Contains(path + where, reference.Stderr, StringComparison.Ordinal);
        Assert.Contains(kind, reference.Stderr, StringComparison.Ordinal);
    }

    [PromtoolTheory]
    [MemberData(nameof(UnitTestFiles))]
    public void Rule_unit_tests_pass_under_ours_and_promtool(string file)
    {
        var path = Path.Combine(RulesDir, "tests", file);

        var ours = new RuleUnitTester().RunFile(path);

        Assert.True(ours.Passed, string.Join("\n", ours.Errors));
        Assert.Empty(ours.Warnings);
        var reference = Promtool.Run(RulesDir, "test", "rules", path);
        Assert.True(reference.Exit == 0, reference.Stderr);
    }

    [Theory]
    [InlineData("virtengine.rules.yml", "virtengine.test.yml")]
    [InlineData("tests/ha-trading.fixed.yml", "ha-trading.test.yml")]
    [InlineData("multi-machine.rules.yml", "multi-machine.test.yml")]
    [InlineData("fly-apps.rules.yml", "fly-apps.test.yml")]
    public void Every_alert_has_a_test_where_it_fires_and_one_where_it_stays_quiet(string rules, string tests)
    {
        var alerts = RuleFileLoader.Check(Path.Combine(RulesDir, rules)).Rules!.Groups
            .SelectMany(g => g.Rules).OfType<Alerting.Core.Rules.AlertingRule>().Select(a => a.Alert).ToList();
        var cases = UnitTestFileParser.Parse(File.ReadAllText(Path.Combine(RulesDir, "tests", tests)))
            .Tests.SelectMany(t => t.AlertRuleTests).ToList();

        Assert.NotEmpty(alerts);
        foreach (var alert in alerts)
        {
            Assert.Contains(cases, c => c.AlertName == alert && c.ExpAlerts.Count == 0);
            if (!CannotFire.ContainsKey(alert))
            {
                Assert.Contains(cases, c => c.AlertName == alert && c.ExpAlerts.Count > 0);
            }
        }
    }
}
