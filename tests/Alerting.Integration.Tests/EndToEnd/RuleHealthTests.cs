using System.Text.Json.Nodes;
using Alerting.DemoFleet;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.EndToEnd;

/// <summary>A rule that fails at evaluation is surfaced as unhealthy and never stops other groups.</summary>
public sealed class RuleHealthTests : IAsyncLifetime
{
    private readonly string _rules = Path.Combine(Path.GetTempPath(), $"health-{Guid.NewGuid():N}.rules.yml");
    private AlertingStack _stack = null!;

    public async Task InitializeAsync()
    {
        // trader_errors_total has three series per user (one per error type): matching them one-to-one
        // against pool_size is Prometheus' "many-to-one matching must be explicit" error.
        await File.WriteAllTextAsync(_rules, """
            groups:
              - name: broken
                interval: 30s
                rules:
                  - alert: ErrorsPerWorker
                    expr: trader_errors_total / on(user_id) pool_size > 0
              - name: healthy
                interval: 30s
                rules:
                  - alert: UserMachineDown
                    expr: up{job="fly-machines"} == 0
                    for: 2m
            """);
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Erroring), ("2", MachineMode.Down)], ruleFiles: _rules);
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        File.Delete(_rules);
    }

    [Fact]
    public async Task A_many_to_many_rule_is_reported_unhealthy_and_the_other_group_keeps_evaluating()
    {
        await _stack.StepAsync(TimeSpan.FromSeconds(30));
        await _stack.StepAsync(TimeSpan.FromSeconds(30));

        var rules = JsonNode.Parse(await _stack.Http.GetStringAsync("api/v1/rules?code=local-function-key"))!;
        var groups = rules["data"]!["groups"]!.AsArray();
        var broken = groups.Single(g => (string?)g!["name"] == "broken")!["rules"]![0]!;
        Assert.Equal("err", (string?)broken["health"]);
        Assert.Contains("many-to-one matching must be explicit", (string?)broken["lastError"]);

        var healthy = groups.Single(g => (string?)g!["name"] == "healthy")!["rules"]![0]!;
        Assert.Equal("ok", (string?)healthy["health"]);
        Assert.Equal("pending", (string?)healthy["state"]);
        Assert.Equal("vyx-user-2", (string?)healthy["alerts"]![0]!["labels"]!["instance"]);

        var alerts = JsonNode.Parse(await _stack.Http.GetStringAsync("api/v1/alerts?code=local-function-key"))!;
        Assert.Equal("UserMachineDown", (string?)Assert.Single(alerts["data"]!["alerts"]!.AsArray())!["labels"]!["alertname"]);
    }
}
