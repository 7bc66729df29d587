using System.Text.Json;
using System.Text.Json.Nodes;
using Alerting.Functions.Options;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Functions;

/// <summary>
/// Alertmanager's whole v2 API under one prefix for clients that send an <c>Authorization</c> header
/// instead of a function key: <c>amtool --alertmanager.url=https://host/api/alertmanager</c>, Grafana's
/// Alertmanager data source, Karma. They append <c>/api/v2/...</c> to the URL they are given, so the
/// routes are <c>/api/alertmanager/api/v2/...</c>. Each checks the token of
/// <see cref="TokenSetting"/> (<see cref="ClientTokenAuth"/>), then answers exactly as the function-key
/// route of the same name does, except that errors are a JSON string as Alertmanager sends them (its
/// clients decode them so and print them) and a successful alert post has an empty body.
/// </summary>
public sealed class AlertmanagerClientFunctions(
    ConfigProvider config,
    AlertStore alerts,
    SilenceStore silences,
    AlertEnqueuer queue,
    TimeProvider time,
    IOptions<AlertingOptions> options,
    IConfiguration configuration)
{
    /// <summary>App setting with the token these routes accept (bearer or basic-auth password; several separated by ';').</summary>
    public const string TokenSetting = "Alerting:AlertmanagerApiToken";

    private readonly AlertmanagerApiFunctions _read = new(config, alerts, silences, time);
    private readonly SilenceFunctions _silences = new(silences, time, options);
    private readonly IngestFunctions _ingest = new(queue, options, configuration);

    [Function("AlertmanagerClientGetAlerts")]
    public Task<IActionResult> GetAlerts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "alertmanager/api/v2/alerts")] HttpRequest req,
        CancellationToken ct) => GuardAsync(req, () => _read.ListAlertsAsync(req, ct));

    [Function("AlertmanagerClientPostAlerts")]
    public Task<IActionResult> PostAlerts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "alertmanager/api/v2/alerts")] HttpRequest req,
        CancellationToken ct) => GuardAsync(req, async () =>
        {
            var result = await _ingest.PostAlerts(req, ct).ConfigureAwait(false);
            return result is ObjectResult { StatusCode: StatusCodes.Status200OK } ? new OkResult() : result;
        });

    [Function("AlertmanagerClientGetAlertGroups")]
    public Task<IActionResult> GetAlertGroups(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "alertmanager/api/v2/alerts/groups")] HttpRequest req,
        CancellationToken ct) => GuardAsync(req, () => _read.ListGroupsAsync(req, ct));

    [Function("AlertmanagerClientGetStatus")]
    public Task<IActionResult> GetStatus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "alertmanager/api/v2/status")] HttpRequest req) =>
        GuardAsync(req, () => Task.FromResult(_read.Status()));

    [Function("AlertmanagerClientGetReceivers")]
    public Task<IActionResult> GetReceivers(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "alertmanager/api/v2/receivers")] HttpRequest req) =>
        GuardAsync(req, () => Task.FromResult(_read.Receivers()));

    [Function("AlertmanagerClientGetSilences")]
    public Task<IActionResult> GetSilences(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "alertmanager/api/v2/silences")] HttpRequest req,
        CancellationToken ct) => GuardAsync(req, () => _silences.List(req, ct));

    [Function("AlertmanagerClientPostSilences")]
    public Task<IActionResult> PostSilences(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "alertmanager/api/v2/silences")] HttpRequest req,
        CancellationToken ct) => GuardAsync(req, () => _silences.Post(req, ct));

    [Function("AlertmanagerClientGetSilence")]
    public Task<IActionResult> GetSilence(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "alertmanager/api/v2/silence/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) => GuardAsync(req, () => _silences.Get(req, id, ct));

    [Function("AlertmanagerClientDeleteSilence")]
    public Task<IActionResult> DeleteSilence(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "alertmanager/api/v2/silence/{id}")] HttpRequest req,
        string id,
        CancellationToken ct) => GuardAsync(req, () => _silences.Delete(req, id, ct));

    private async Task<IActionResult> GuardAsync(HttpRequest req, Func<Task<IActionResult>> handle)
    {
        var result = ClientTokenAuth.Reject(req, configuration, TokenSetting) ?? await handle().ConfigureAwait(false);
        return AsAlertmanagerError(result);
    }

    /// <summary>Our <c>{"error": "..."}</c> body as Alertmanager's error body: the message as a JSON string.</summary>
    private static IActionResult AsAlertmanagerError(IActionResult result)
    {
        if (result is not ObjectResult { StatusCode: >= 400 } error
            || JsonSerializer.SerializeToNode(error.Value) is not JsonObject body
            || body["error"] is not JsonValue message
            || !message.TryGetValue<string>(out var text))
        {
            return result;
        }
        return new ContentResult
        {
            Content = JsonSerializer.Serialize(text),
            ContentType = "application/json",
            StatusCode = error.StatusCode,
        };
    }
}
