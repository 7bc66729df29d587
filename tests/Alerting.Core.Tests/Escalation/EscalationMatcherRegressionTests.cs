using Alerting.Core.Escalation;
using Alerting.Core.Model;

namespace Alerting.Core.Tests.Escalation;

/// <summary>escalation.yml matchers are Alertmanager's: an escape the matcher syntax does not know keeps its backslash.</summary>
public sealed class EscalationMatcherRegressionTests
{
    [Fact]
    public void An_escaped_dot_in_a_regex_matcher_matches_only_a_dot()
    {
        var set = EscalationPolicyLoader.Parse("""
            policies:
              - name: db
                matchers: ['instance=~"db\.prod"']
                steps: [{ after: 0m, notify: [dba] }]
            """);

        var matcher = Assert.Single(set.Policies[0].Matchers);
        Assert.Equal("db\\.prod", matcher.Value);
        Assert.NotNull(set.For(Labels.From(("instance", "db.prod"))));
        Assert.Null(set.For(Labels.From(("instance", "dbXprod"))));
    }

    [Fact]
    public void Matcher_lists_and_braces_parse_as_in_alertmanager()
    {
        var set = EscalationPolicyLoader.Parse("""
            policies:
              - name: p
                matchers: ['{severity="critical", team=~"db|infra"}']
                steps: [{ after: 0m, notify: [a] }]
            """);

        Assert.Equal(2, set.Policies[0].Matchers.Count);
        Assert.NotNull(set.For(Labels.From(("severity", "critical"), ("team", "infra"))));
        Assert.Null(set.For(Labels.From(("severity", "critical"), ("team", "web"))));
    }
}
