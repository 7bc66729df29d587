using System.Text.Json;
using Alerting.Core.Model;
using Alerting.Core.PromQL;
using Alerting.Core.Remote;
using Alerting.Core.Rules;
using Alerting.Functions.Remote;
using Alerting.LocalServices;
using Microsoft.AspNetCore.Http;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Remote;

/// <summary>
/// Rule groups evaluated against a remote Prometheus-compatible query API. Debian's real prometheus 2.42
/// scrapes a target serving fixed metrics and evaluates the same rule file itself; our alerts from that
/// Prometheus as datasource must be the alerts it holds. Misbehaving datasources (5xx, not JSON, no
/// answer) must give each rule an <c>err</c> health naming the datasource and the reason.
/// </summary>
public sealed class DatasourceModeTests
{
    private const string Metrics = """
        # TYPE demo_temperature gauge
        demo_temperature{room="a"} 30
        demo_temperature{room="b"} 10
        demo_temperature{room="c"} 25.5
        # TYPE demo_up gauge
        demo_up 1

        """;

    private const string RuleFile = """
        groups:
          - name: remote
            interval: 1s
            rules:
              - alert: HotRoom
                expr: demo_temperature > 20
                labels:
                  severity: page
                  room_copy: '{{ $labels.room }}'
                annotations:
                  summary: 'Room {{ $labels.room }} is {{ $value }} degrees'
                  rooms: '{{ query "count(demo_temperature)" | first | value }}'
              - alert: LongPending
                expr: demo_up == 1
                for: 1h
              - record: demo:temperature:max
                expr: max(demo_temperature)
        """;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Alerts_evaluated_against_a_real_prometheus_equal_the_alerts_that_prometheus_fires_with_the_same_rule_file()
    {
        await using var target = await TinyHttpServer.StartAsync(ctx =>
        {
            ctx.Response.ContentType = "text/plain; version=0.0.4";
            return ctx.Response.WriteAsync(Metrics);
        });
        var config = $$"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: [rules.yml]
            scrape_configs:
              - job_name: fixed
                static_configs: [{targets: ['127.0.0.1:{{target.Port}}']}]
            """;
        await using var prometheus = await RealPrometheus.StartAsync(config, new Dictionary<string, string> { ["rules.yml"] = RuleFile });

        // Prometheus fires HotRoom for rooms a and c once it has scraped and evaluated.
        var theirs = await WaitForAsync(async () =>
        {
            var alerts = await prometheus.AlertsAsync();
            return alerts.EnumerateArray().Count(a => a.GetProperty("state").GetString() == "firing") == 2
                && alerts.EnumerateArray().Any(a => a.GetProperty("state").GetString() == "pending") ? alerts : (JsonElement?)null;
        }, prometheus);

        var group = RuleFileLoader.Parse(RuleFile, "rules.yml").Groups.Single();
        var ds = DatasourcesConfigLoader.Parse($"datasources:\n  - name: local\n    url: {prometheus.Url}\n    rule_groups: ['*']\n", "datasources.yml").For(group)!;
        var (querier, clients) = RemoteDatasources.Create(ds, TimeProvider.System);
        using (clients)
        {
            var result = new RuleGroupEvaluator(new PromQlEngine()).Evaluate(group, querier, DateTimeOffset.UtcNow, [], RuleEvaluationContext.Default);

            Assert.All(result.Health, h => Assert.Equal(RuleHealth.Ok, h.Health));
            Assert.Equal(Describe(theirs), Describe(result.State));
            var recorded = Assert.Single(result.Recorded, s => s.Labels.Get(Labels.MetricName) == "demo:temperature:max");
            Assert.Equal(30, recorded.Samples.Single().Value);
        }
    }

    [Fact]
    public async Task A_datasource_answering_5xx_not_json_or_nothing_gives_each_rule_err_health_naming_it_while_a_healthy_group_evaluates()
    {
        await using var bad = await TinyHttpServer.StartAsync(async ctx =>
        {
            var path = ctx.Request.Path.Value ?? string.Empty;
            if (path.StartsWith("/down/", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 503;
                await ctx.Response.WriteAsync("upstream overloaded");
            }
            else if (path.StartsWith("/html/", StringComparison.Ordinal))
            {
                ctx.Response.ContentType = "text/html";
                await ctx.Response.WriteAsync("<html><body>Bad gateway</body></html>");
            }
            else if (path.StartsWith("/slow/", StringComparison.Ordinal))
            {
                await Task.Delay(TimeSpan.FromSeconds(10), ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            else if (path.StartsWith("/error/", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 400;
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync("""{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:1: parse error"}""");
            }
            else
            {
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{"instance":"x"},"value":[1700000000,"+Inf"]}]}}""");
            }
        });
        var yaml = $$"""
            datasources:
              - {name: down, url: '{{bad.Url}}down/', rule_groups: [g-down], retries: 1, timeout: 2s}
              - {name: html, url: '{{bad.Url}}html/', rule_groups: [g-html], retries: 0}
              - {name: slow, url: '{{bad.Url}}slow/', rule_groups: [g-slow], retries: 0, timeout: 300ms}
              - {name: error, url: '{{bad.Url}}error/', rule_groups: [g-error], retries: 0}
              - {name: fine, url: '{{bad.Url}}fine/', rule_groups: [g-fine]}
            """;
        var datasources = DatasourcesConfigLoader.Parse(yaml, "datasources.yml");
        var rules = RuleFileLoader.Parse("""
            groups:
              - {name: g-down, rules: [{alert: A, expr: up == 0}]}
              - {name: g-html, rules: [{alert: A, expr: up == 0}]}
              - {name: g-slow, rules: [{alert: A, expr: up == 0}]}
              - {name: g-error, rules: [{alert: A, expr: up == 0}]}
              - {name: g-fine, rules: [{alert: Fine, expr: up == 0}]}
            """, "rules.yml");
        var evaluator = new RuleGroupEvaluator(new PromQlEngine());
        var health = new Dictionary<string, RuleStatus>();
        var states = new Dictionary<string, IReadOnlyList<ActiveAlert>>();
        var owned = new List<IDisposable>();
        try
        {
            foreach (var group in rules.Groups)
            {
                var (querier, clients) = RemoteDatasources.Create(datasources.For(group)!, TimeProvider.System);
                owned.Add(clients);
                var result = evaluator.Evaluate(group, querier, DateTimeOffset.UtcNow, [], RuleEvaluationContext.Default);
                health[group.Name] = result.Health.Single();
                states[group.Name] = result.State;
            }
        }
        finally
        {
            owned.ForEach(d => d.Dispose());
        }

        var host = $"({bad.Url.Scheme}://{bad.Url.Authority})";
        Assert.Equal(RuleHealth.Err, health["g-down"].Health);
        Assert.Contains($"datasource \"down\" {host}: status 503", health["g-down"].LastError, StringComparison.Ordinal);
        Assert.Equal(RuleHealth.Err, health["g-html"].Health);
        Assert.Contains($"datasource \"html\" {host}: status 200, answer is not the Prometheus API's JSON", health["g-html"].LastError, StringComparison.Ordinal);
        Assert.Equal(RuleHealth.Err, health["g-slow"].Health);
        Assert.Contains($"datasource \"slow\" {host}: no answer within 0.3 s", health["g-slow"].LastError, StringComparison.Ordinal);
        Assert.Equal(RuleHealth.Err, health["g-error"].Health);
        Assert.Contains("status 400: bad_data: invalid parameter \"query\"", health["g-error"].LastError, StringComparison.Ordinal);
        Assert.Equal(RuleHealth.Ok, health["g-fine"].Health);
        var fine = Assert.Single(states["g-fine"]);
        Assert.Equal(AlertState.Firing, fine.State);
        Assert.Equal(double.PositiveInfinity, fine.Value);
        Assert.All(states.Where(s => s.Key != "g-fine"), s => Assert.Empty(s.Value));
    }

    /// <summary>Alerts as a user compares them: state, labels and annotations, in one stable order.</summary>
    private static string[] Describe(JsonElement prometheusAlerts) =>
        prometheusAlerts.EnumerateArray()
            .Select(a => Line(a.GetProperty("state").GetString()!, Pairs(a.GetProperty("labels")), Pairs(a.GetProperty("annotations"))))
            .Order(StringComparer.Ordinal).ToArray();

    private static string[] Describe(IEnumerable<ActiveAlert> ours) =>
        ours.Select(a => Line(a.State.ToString().ToLowerInvariant(), a.Labels.Select(l => (l.Name, l.Value)), a.Annotations.Select(l => (l.Name, l.Value))))
            .Order(StringComparer.Ordinal).ToArray();

    private static IEnumerable<(string, string)> Pairs(JsonElement map) => map.EnumerateObject().Select(p => (p.Name, p.Value.GetString()!));

    private static string Line(string state, IEnumerable<(string Name, string Value)> labels, IEnumerable<(string Name, string Value)> annotations) =>
        $"{state} {{{string.Join(",", labels.OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => $"{l.Name}={l.Value}"))}}} {{{string.Join(",", annotations.OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => $"{l.Name}={l.Value}"))}}}";

    private static Task<JsonElement> WaitForAsync(Func<Task<JsonElement?>> probe, RealPrometheus prometheus) =>
        Eventually.ValueAsync("prometheus to fire the expected alerts", probe, Deadline, () => prometheus.Output, poll: TimeSpan.FromMilliseconds(200));
}
