using Alerting.Tooling.Rules;

namespace Alerting.Core.Tests.Rules;

public sealed class RuleCheckerTests
{
    private static (int Exit, string Stdout, string Stderr) Check(string name, string yaml, bool lintFatal = false)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var exit = RuleChecker.CheckFiles([(name, yaml)], lintDuplicates: true, lintFatal, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string Conformance(string file) => File.ReadAllText(TestPaths.Conformance("promtool", file));

    [Fact]
    public void Valid_file_reports_how_many_rules_it_found()
    {
        var (exit, stdout, stderr) = Check("rules.yml", Conformance("rules.yml"));

        Assert.Equal(0, exit);
        Assert.Equal("Checking rules.yml\n  SUCCESS: 5 rules found\n\n", stdout);
        Assert.Empty(stderr);
    }

    [Fact]
    public void Unparsable_expression_is_reported_with_the_position_of_the_expr_value()
    {
        var (exit, _, stderr) = Check("bad-rules-syntax.yml", Conformance("bad-rules-syntax.yml"));

        Assert.Equal(1, exit);
        Assert.Equal(
            "  FAILED:\nbad-rules-syntax.yml: 7:15: group \"bad-syntax\", rule 1, \"x\": could not parse expression: 1:7: parse error: unexpected end of input\n",
            stderr);
    }

    [Fact]
    public void Annotation_template_with_an_undefined_variable_fails_the_check()
    {
        var (exit, _, stderr) = Check("rules-bad.yml", Conformance("rules-bad.yml"));

        Assert.Equal(1, exit);
        Assert.Contains(
            "rules-bad.yml: group \"alerts\", rule 1, \"InstanceDown\": annotation \"summary\": template: __alert_InstanceDown:1: undefined variable \"$label\"",
            stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_rules_are_reported_but_only_fail_the_exit_code_with_lint_fatal()
    {
        var yaml = Conformance("rules_duplicates.yml");

        var (exit, stdout, stderr) = Check("rules_duplicates.yml", yaml);
        var (fatalExit, _, _) = Check("rules_duplicates.yml", yaml, lintFatal: true);

        Assert.Equal(0, exit);
        Assert.DoesNotContain("SUCCESS", stdout, StringComparison.Ordinal);
        Assert.Contains("lint error 1 duplicate rule(s) found.\nMetric: job:test:count_over_time1m\nLabel(s):\nMight cause inconsistency", stderr, StringComparison.Ordinal);
        Assert.Equal(3, fatalExit);
    }

    [Fact]
    public void Unit_test_file_given_as_rule_file_lists_every_unknown_top_level_field()
    {
        var (exit, _, stderr) = Check("unittest.yml", Conformance("unittest.yml"));

        Assert.Equal(1, exit);
        Assert.Contains(
            "unittest.yml: yaml: unmarshal errors:\n  line 1: field rule_files not found in type rulefmt.RuleGroups\n  line 4: field evaluation_interval not found in type rulefmt.RuleGroups\n  line 6: field tests not found in type rulefmt.RuleGroups\n",
            stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_rule_problem_in_a_file_is_reported_not_only_the_first()
    {
        const string yaml = """
            groups:
              - name: a
                rules:
                  - record: X
                    alert: Y
                    expr: up
                  - expr: up
                  - record: bad-name
                    expr: up
                  - alert: Z
                    expr: up
                    labels:
                      a: "{{ $x }}"
              - name: a
                rules: []
            """;

        var (exit, _, stderr) = Check("multi.yml", yaml);

        Assert.Equal(1, exit);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                "  FAILED:",
                "multi.yml: 4:17: 5:16: group \"a\", rule 1, \"Y\": only one of 'record' and 'alert' must be set",
                "multi.yml: 0:0: group \"a\", rule 2, \"\": one of 'record' or 'alert' must be set",
                "multi.yml: 8:17: group \"a\", rule 3, \"bad-name\": invalid recording rule name: bad-name",
                "multi.yml: group \"a\", rule 4, \"Z\": label \"a\": template: __alert_Z:1: undefined variable \"$x\"",
                "multi.yml: 14:5: groupname: \"a\" is repeated in the same file",
            ],
            lines);
    }

    [Fact]
    public void Bare_labels_or_annotations_key_means_none_as_in_prometheus()
    {
        const string yaml = "groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up\n        labels:   # none\n        annotations: ~\n      - record: y\n        expr: up\n        labels: null\n";

        var (exit, stdout, stderr) = Check("nulls.yml", yaml);

        Assert.Equal(0, exit);
        Assert.Equal("Checking nulls.yml\n  SUCCESS: 2 rules found\n\n", stdout);
        Assert.Empty(stderr);
    }

    [Fact]
    public void Bad_duration_aborts_decoding_like_promtool()
    {
        const string yaml = "groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up\n        for: 5x\n        bogus: 1\n";

        var (exit, _, stderr) = Check("dur.yml", yaml);

        Assert.Equal(1, exit);
        Assert.Equal("  FAILED:\ndur.yml: not a valid duration string: \"5x\"\n", stderr);
    }

    [Fact]
    public void Non_mapping_root_is_reported_twice_as_rulefmt_does()
    {
        var (exit, _, stderr) = Check("sd.yml", "- targets: ['a:1']\n");

        Assert.Equal(1, exit);
        Assert.Equal(
            "  FAILED:\nsd.yml: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into rulefmt.RuleGroups\nsd.yml: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into rulefmt.ruleGroups\n",
            stderr);
    }
}
