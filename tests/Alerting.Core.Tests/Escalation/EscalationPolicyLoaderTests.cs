using Alerting.Core.Config;
using Alerting.Core.Escalation;
using Alerting.Core.Model;

namespace Alerting.Core.Tests.Escalation;

public sealed class EscalationPolicyLoaderTests
{
    [Fact]
    public void Example_file_encodes_the_seed_escalation_matrix()
    {
        var set = EscalationPolicyLoader.LoadFile(Path.Combine(TestPaths.RepoRoot, "rules", "escalation.yml"));
        var critical = set.For(Labels.From(("alertname", "DbSyncFailing"), ("severity", "critical")))!;

        Assert.Equal("critical", critical.Name);
        Assert.Equal(
            [TimeSpan.Zero, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30)],
            critical.Steps.Select(s => s.After).ToArray());
        Assert.Equal(new EscalationTarget(EscalationTargetKind.Receiver, "reliability-team"), critical.Steps[0].Notify.Single());
        Assert.Equal(new EscalationTarget(EscalationTargetKind.OnCall, "engineer"), critical.Steps[1].Notify.Single());
        Assert.Equal(new EscalationTarget(EscalationTargetKind.OnCall, "manager"), critical.Steps[2].Notify.Single());
        Assert.Equal("emergency", critical.Steps[3].Notify.Single().Name);

        Assert.Equal("warning", set.For(Labels.From(("severity", "warning")))!.Name);
        Assert.Equal("info", set.For(Labels.From(("severity", "none")))!.Name);
        Assert.Null(set.For(Labels.From(("severity", "debug"))));
    }

    [Theory]
    [InlineData("severity=\"critical\"", MatcherType.Equal, "severity", "critical")]
    [InlineData("severity=critical", MatcherType.Equal, "severity", "critical")]
    [InlineData(" env != \"prod\" ", MatcherType.NotEqual, "env", "prod")]
    [InlineData("instance=~\"m[0-9]+:9100\"", MatcherType.Regex, "instance", "m[0-9]+:9100")]
    [InlineData("team!~dev|qa", MatcherType.NotRegex, "team", "dev|qa")]
    [InlineData("summary=\"say \\\"hi\\\"\"", MatcherType.Equal, "summary", "say \"hi\"")]
    [InlineData("{job=\"fly\"}", MatcherType.Equal, "job", "fly")]
    public void Matchers_parse_name_operator_and_quoted_or_bare_value(string text, MatcherType type, string name, string value)
    {
        var set = EscalationPolicyLoader.Parse($"policies:\n  - name: p\n    matchers: ['{text.Replace("'", "''", StringComparison.Ordinal)}']\n    steps: [{{after: 0m, notify: [team]}}]\n");
        var m = set.Policies[0].Matchers.Single();
        Assert.Equal((type, name, value), (m.Type, m.Name, m.Value));
    }

    [Fact]
    public void Scheduled_oncall_targets_name_schedule_and_role()
    {
        var set = EscalationPolicyLoader.Parse("policies:\n  - name: p\n    steps:\n      - after: 1h30m\n        notify: ['oncall:db/engineer', team]\n");
        var step = set.Policies[0].Steps[0];
        Assert.Equal(TimeSpan.FromMinutes(90), step.After);
        Assert.Equal(new EscalationTarget(EscalationTargetKind.OnCall, "engineer", "db"), step.Notify[0]);
        Assert.Equal("oncall:db/engineer", step.Notify[0].ToString());
        Assert.Empty(set.Policies[0].Matchers);
        Assert.Equal(EscalationRepeat.None, set.Policies[0].Repeat);
    }

    [Theory]
    [InlineData("policies:\n  - name: p\n    steps:\n      - after: 5 mins\n        notify: [a]\n", 4, "policies[0].steps[0].after", "not a valid duration string: \"5 mins\"")]
    [InlineData("policies:\n  - name: p\n    steps:\n      - after: 5m\n        notfy: [a]\n", 5, "policies[0].steps[0].notfy", "unknown key 'notfy'")]
    [InlineData("policies:\n  - name: p\n    matchers: ['severity critical']\n    steps: [{after: 0m, notify: [a]}]\n", 3, "policies[0].matchers[0]", "bad matcher")]
    [InlineData("policies:\n  - name: p\n    steps: []\n", 3, "policies[0].steps", "at least one step")]
    [InlineData("policies:\n  - name: p\n    steps:\n      - after: 10m\n        notify: [a]\n      - after: 5m\n        notify: [b]\n", 6, "policies[0].steps[1].after", "time order")]
    [InlineData("policies:\n  - name: p\n    steps: [{after: 0m, notify: ['oncall:']}]\n", 3, "policies[0].steps[0].notify[0]", "names no on-call role")]
    [InlineData("policies:\n  - name: p\n    steps: [{after: 0m, notify: [a]}]\n  - name: p\n    steps: [{after: 0m, notify: [a]}]\n", 4, "policies[1].name", "duplicate policy name")]
    [InlineData("policies:\n  - name: p\n    steps: [{after: 0m, notify: [a]}]\n    repeat: {count: 2, interval: 0m}\n", 4, "policies[0].repeat.interval", "greater than zero")]
    [InlineData("policies:\n  - steps: [{after: 0m, notify: [a]}]\n", 2, "policies[0]", "missing required key 'name'")]
    [InlineData("policies: [\n", 2, "", "yaml: line")]
    public void Errors_name_file_line_and_key(string yaml, int line, string key, string problem)
    {
        var e = Assert.Throws<ConfigException>(() => EscalationPolicyLoader.Parse(yaml, "rules/escalation.yml"));
        Assert.Equal("rules/escalation.yml", e.File);
        Assert.Equal(line, e.Line);
        Assert.Equal(key, e.Key);
        Assert.Contains(problem, e.Detail, StringComparison.Ordinal);
        Assert.StartsWith($"rules/escalation.yml:{line}:", e.Message, StringComparison.Ordinal);
    }
}

public sealed class EscalationMatchFormTests
{
    [Fact]
    public void Match_map_and_matchers_list_combine_as_equality_and_parsed_matchers()
    {
        var set = EscalationPolicyLoader.Parse("""
            policies:
              - name: db
                match: { severity: critical, service: db }
                matchers: ['env!="staging"']
                steps: [{ after: 0m, notify: [dba] }]
            """);
        var policy = set.Policies[0];
        Assert.Equal(3, policy.Matchers.Count);
        Assert.True(policy.Matches(Labels.From(("severity", "critical"), ("service", "db"), ("env", "prod"))));
        Assert.False(policy.Matches(Labels.From(("severity", "critical"), ("service", "db"), ("env", "staging"))));
        Assert.False(policy.Matches(Labels.From(("severity", "critical"), ("service", "web"))));
    }
}
