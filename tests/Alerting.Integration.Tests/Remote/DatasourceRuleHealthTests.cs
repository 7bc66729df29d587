using System.Text.Json.Nodes;
using Alerting.DemoFleet;
using Alerting.Integration.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Alerting.Integration.Tests.Remote;

/// <summary>
/// Through the running app: a group whose datasource answers 5xx shows <c>err</c> health naming the
/// datasource on <c>/api/v1/rules</c>, while a group on the embedded store keeps evaluating.
/// </summary>
public sealed class DatasourceRuleHealthTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alerting-datasource-").FullName;
    private TinyHttpServer _down = null!;
    private AlertingStack _stack = null!;

    public async Task InitializeAsync()
    {
        _down = await TinyHttpServer.StartAsync(async ctx =>
        {
            ctx.Response.StatusCode = 502;
            await ctx.Response.WriteAsync("bad gateway");
        });
        var rules = Path.Combine(_dir, "mixed.rules.yml");
        await File.WriteAllTextAsync(rules, """
            groups:
              - name: remote-down
                interval: 30s
                rules:
                  - alert: RemoteMachineDown
                    expr: up == 0
              - name: healthy
                interval: 30s
                rules:
                  - alert: UserMachineDown
                    expr: up{job="fly-machines"} == 0
                    for: 2m
            """);
        var datasources = Path.Combine(_dir, "datasources.yml");
        await File.WriteAllTextAsync(datasources, $"datasources:\n  - {{name: hosted, url: '{_down.Url}', rule_groups: [remote-*], retries: 0}}\n");
        _stack = await AlertingStack.StartAsync([("2", MachineMode.Down)], ruleFiles: rules,
            settings: new Dictionary<string, string?> { ["Alerting:Remote:DatasourcesPath"] = datasources });
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        await _down.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_group_whose_datasource_answers_5xx_is_err_naming_it_and_the_embedded_group_keeps_evaluating()
    {
        await _stack.StepAsync(TimeSpan.FromSeconds(30));

        var rules = JsonNode.Parse(await _stack.Http.GetStringAsync("api/v1/rules?code=local-function-key"))!;
        var groups = rules["data"]!["groups"]!.AsArray();
        var remote = groups.Single(g => (string?)g!["name"] == "remote-down")!["rules"]![0]!;
        Assert.Equal("err", (string?)remote["health"]);
        Assert.StartsWith($"datasource \"hosted\" (http://127.0.0.1:{_down.Port}): status 502", (string?)remote["lastError"], StringComparison.Ordinal);

        var healthy = groups.Single(g => (string?)g!["name"] == "healthy")!["rules"]![0]!;
        Assert.Equal("ok", (string?)healthy["health"]);
        Assert.Equal("pending", (string?)healthy["state"]);
    }
}
