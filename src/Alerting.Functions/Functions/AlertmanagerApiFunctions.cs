using Alerting.Core.Config;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Alerting.Functions.Functions;

/// <summary>
/// The read side of Alertmanager's v2 API (0.25): alerts with their state, silences and inhibitions,
/// alert groups, status and receivers. Everything is computed on each request from the stored alerts and
/// silences and the config in force, by <see cref="AlertMarker"/> and <see cref="AlertQuery"/>.
/// </summary>
public sealed class AlertmanagerApiFunctions(ConfigProvider config, AlertStore alerts, SilenceStore silences, TimeProvider time)
{
    /// <summary>
    /// The Alertmanager release whose API this is. amtool compares its own major.minor with it and warns
    /// when they differ, so reporting the API level keeps amtool 0.25 quiet.
    /// </summary>
    public const string ApiVersion = "0.25.0";

    private static readonly DateTimeOffset Started = new(Process.GetCurrentProcess().StartTime.ToUniversalTime(), TimeSpan.Zero);

    [Function("GetAlertsV2")]
    public Task<IActionResult> GetAlerts(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v2/alerts")] HttpRequest req,
        CancellationToken ct) => ListAlertsAsync(req, ct);

    [Function("GetAlertGroupsV2")]
    public Task<IActionResult> GetAlertGroups(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v2/alerts/groups")] HttpRequest req,
        CancellationToken ct) => ListGroupsAsync(req, ct);

    [Function("GetStatusV2")]
    public IActionResult GetStatus(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v2/status")] HttpRequest req) => Status();

    [Function("GetReceiversV2")]
    public IActionResult GetReceivers(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v2/receivers")] HttpRequest req) => Receivers();

    internal Task<IActionResult> ListAlertsAsync(HttpRequest req, CancellationToken ct) =>
        ListAsync(req, (query, _, marked) => query.Alerts(marked).Select(a => (JsonNode)a.ToJson()), ct);

    internal Task<IActionResult> ListGroupsAsync(HttpRequest req, CancellationToken ct) =>
        ListAsync(req, (query, am, marked) => query.Groups(am, marked).Select(g => (JsonNode)g.ToJson()), ct);

    private async Task<IActionResult> ListAsync(HttpRequest req, Func<AlertQuery, AlertmanagerConfig, IReadOnlyList<MarkedAlert>, IEnumerable<JsonNode>> list, CancellationToken ct)
    {
        if (!TryParse(req, out var query, out var bad))
        {
            return bad;
        }
        if (Config() is not { } am)
        {
            return ConfigUnavailable();
        }
        var marked = await MarkAsync(am, ct).ConfigureAwait(false);
        return Json(new JsonArray(list(query, am, marked).ToArray()));
    }

    internal IActionResult Status()
    {
        if (Config() is not { } am)
        {
            return ConfigUnavailable();
        }
        var assembly = typeof(AlertmanagerApiFunctions).Assembly;
        return Json(new JsonObject
        {
            // One instance of ours is no gossip cluster member; Alertmanager reports the same without --cluster.
            ["cluster"] = new JsonObject { ["peers"] = new JsonArray(), ["status"] = "disabled" },
            ["config"] = new JsonObject { ["original"] = ConfigSecrets.Mask(am.Original) },
            ["uptime"] = Silence.FormatTime(Started),
            ["versionInfo"] = new JsonObject
            {
                ["branch"] = "alerting-functions",
                ["buildDate"] = File.GetLastWriteTimeUtc(assembly.Location).ToString("yyyyMMdd-HH:mm:ss", CultureInfo.InvariantCulture),
                ["buildUser"] = "Alerting.Functions",
                ["goVersion"] = RuntimeInformation.FrameworkDescription,
                ["revision"] = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
                ["version"] = ApiVersion,
            },
        });
    }

    internal IActionResult Receivers() => Config() is not { } am
        ? ConfigUnavailable()
        : Json(new JsonArray(am.Receivers.Select(r => (JsonNode)new JsonObject { ["name"] = r.Name }).ToArray()));

    private async Task<IReadOnlyList<MarkedAlert>> MarkAsync(AlertmanagerConfig am, CancellationToken ct)
    {
        var held = alerts.ListAsync(ct);
        var muting = silences.ListAsync(ct);
        await Task.WhenAll(held, muting).ConfigureAwait(false);
        return AlertMarker.Mark(am, (await held.ConfigureAwait(false)).Select(a => (a.Alert, a.UpdatedAt)), await muting.ConfigureAwait(false), time.GetUtcNow());
    }

    private static bool TryParse(HttpRequest req, out AlertQuery query, out IActionResult bad)
    {
        try
        {
            query = AlertQuery.Parse(name => req.Query[name].Select(v => v ?? string.Empty).ToArray());
            bad = null!;
            return true;
        }
        catch (AlertQueryException e)
        {
            query = null!;
            bad = ApiResults.Error(StatusCodes.Status400BadRequest, e.Message);
            return false;
        }
    }

    private AlertmanagerConfig? Config()
    {
        try
        {
            return config.Alertmanager().Config;
        }
        catch (Exception e) when (e is ConfigException or IOException)
        {
            return null;
        }
    }

    private static ObjectResult ConfigUnavailable() =>
        ApiResults.Error(StatusCodes.Status503ServiceUnavailable, "the alertmanager configuration does not load; see the app's log for the file, line and key");

    private static ContentResult Json(JsonNode node) => new()
    {
        Content = node.ToJsonString(),
        ContentType = "application/json",
        StatusCode = StatusCodes.Status200OK,
    };
}
