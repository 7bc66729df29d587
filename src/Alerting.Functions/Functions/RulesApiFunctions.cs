using Alerting.Core.Model;
using Alerting.Core.Rules;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Alerting.Functions.Functions;

/// <summary>
/// Prometheus' read API for rules and alerts (<c>/api/v1/rules</c>, <c>/api/v1/alerts</c>) over the state
/// the evaluator persists: each rule's health and last error, and each alert's state, so a rule that
/// fails at evaluation is visible instead of silently quiet.
/// </summary>
public sealed class RulesApiFunctions(ConfigProvider config, RuleStateStore state, Microsoft.Extensions.Configuration.IConfiguration configuration)
{
    /// <summary>The same rules under the query API's token prefix, so Grafana's alert views work with the data source's token.</summary>
    [Function("ListRulesToken")]
    public Task<IActionResult> RulesToken(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "prometheus/api/v1/rules")] HttpRequest req,
        CancellationToken ct) =>
        ClientTokenAuth.Reject(req, configuration, Query.QueryApiOptions.TokenSetting) is { } rejected ? Task.FromResult(rejected) : Rules(req, ct);

    [Function("ListAlertsToken")]
    public Task<IActionResult> AlertsToken(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "prometheus/api/v1/alerts")] HttpRequest req,
        CancellationToken ct) =>
        ClientTokenAuth.Reject(req, configuration, Query.QueryApiOptions.TokenSetting) is { } rejected ? Task.FromResult(rejected) : Alerts(req, ct);

    [Function("ListRules")]
    public async Task<IActionResult> Rules(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/rules")] HttpRequest req,
        CancellationToken ct)
    {
        var groups = new List<object>();
        foreach (var group in config.RuleFiles().SelectMany(f => f.Groups))
        {
            var s = await state.LoadAsync(group, ct).ConfigureAwait(false);
            groups.Add(new
            {
                name = group.Name,
                file = group.File,
                interval = group.Interval.TotalSeconds,
                limit = group.Limit,
                lastEvaluation = s.LastEvaluatedAt,
                rules = group.Rules.Select(r => RuleJson(r, s)).ToArray(),
            });
        }
        return new OkObjectResult(new { status = "success", data = new { groups } });
    }

    [Function("ListAlerts")]
    public async Task<IActionResult> Alerts(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/alerts")] HttpRequest req,
        CancellationToken ct)
    {
        var alerts = new List<object>();
        foreach (var group in config.RuleFiles().SelectMany(f => f.Groups))
        {
            var s = await state.LoadAsync(group, ct).ConfigureAwait(false);
            alerts.AddRange(s.Alerts.Where(a => a.State != AlertState.Inactive).Select(AlertJson));
        }
        return new OkObjectResult(new { status = "success", data = new { alerts } });
    }

    private static object RuleJson(Rule rule, RuleGroupState s)
    {
        var health = s.Health.FirstOrDefault(h => h.Rule == rule.Name);
        var healthText = health?.Health switch
        {
            RuleHealth.Ok => "ok",
            RuleHealth.Err => "err",
            _ => "unknown",
        };
        if (rule is AlertingRule ar)
        {
            var mine = s.Alerts.Where(a => a.Rule == ar.Alert && a.State != AlertState.Inactive).ToArray();
            var ruleState = mine.Any(a => a.State == AlertState.Firing) ? "firing" : mine.Length > 0 ? "pending" : "inactive";
            return new
            {
                type = "alerting",
                name = ar.Alert,
                query = ar.ExprText.Trim(),
                duration = ar.For.TotalSeconds,
                keepFiringFor = ar.KeepFiringFor.TotalSeconds,
                labels = ar.Labels,
                annotations = ar.Annotations,
                state = ruleState,
                alerts = mine.Select(AlertJson).ToArray(),
                health = healthText,
                lastError = health?.LastError ?? string.Empty,
                evaluationTime = health?.Duration.TotalSeconds ?? 0,
            };
        }
        return new
        {
            type = "recording",
            name = rule.Name,
            query = rule.ExprText.Trim(),
            labels = rule.Labels,
            health = healthText,
            lastError = health?.LastError ?? string.Empty,
            evaluationTime = health?.Duration.TotalSeconds ?? 0,
        };
    }

    private static object AlertJson(ActiveAlert a) => new
    {
        labels = a.Labels.ToDictionary(),
        annotations = a.Annotations.ToDictionary(),
        state = a.State == AlertState.Firing ? "firing" : "pending",
        activeAt = a.ActiveAt,
        // Prometheus formats the value with Go's %e.
        value = GoFloat.Format(a.Value, 'e', -1),
    };
}
