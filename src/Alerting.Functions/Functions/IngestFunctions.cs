using Alerting.Functions.Options;
using Alerting.Functions.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Functions;

/// <summary>
/// Where alerts enter from outside: an Alertmanager webhook receiver (version 4 payload) and
/// Alertmanager's own <c>POST /api/v2/alerts</c>, so Prometheus or an Alertmanager can hand alerts to us.
/// Bad input is rejected before anything is queued; a 200 means every alert is in the "alerts" queue.
/// </summary>
public sealed class IngestFunctions(AlertEnqueuer queue, IOptions<AlertingOptions> options, IConfiguration configuration)
{
    /// <summary>App setting with the secret Prometheus presents as bearer token or basic-auth password.</summary>
    public const string PrometheusTokenSetting = "Alerting:PrometheusToken";

    [Function("AlertmanagerWebhook")]
    public Task<IActionResult> Webhook(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "alertmanager/webhook")] HttpRequest req,
        CancellationToken ct) => IngestAsync(req, IngestParser.ParseWebhook, "webhook", ct);

    [Function("PostAlertsV2")]
    public Task<IActionResult> PostAlerts(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v2/alerts")] HttpRequest req,
        CancellationToken ct) => IngestAsync(req, IngestParser.ParseV2Alerts, "api-v2", ct);

    /// <summary>
    /// The v2 alerts API for Prometheus' own <c>alerting.alertmanagers</c> client, which cannot send a
    /// function key (no query string, no custom headers in 2.x) but can send <c>authorization</c> or
    /// <c>basic_auth</c>. The Functions host only checks keys in <c>?code=</c> and <c>x-functions-key</c>,
    /// so this route is anonymous at the host and checks the configured token itself. Prometheus posts to
    /// <c>&lt;path_prefix&gt;/api/v2/alerts</c>, so its config uses <c>path_prefix: /api/prometheus</c>.
    /// </summary>
    [Function("PostAlertsV2Prometheus")]
    public Task<IActionResult> PostAlertsFromPrometheus(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "prometheus/api/v2/alerts")] HttpRequest req,
        CancellationToken ct)
    {
        if (ClientTokenAuth.Reject(req, configuration, PrometheusTokenSetting) is { } rejected)
        {
            return Task.FromResult(rejected);
        }
        return IngestAsync(req, IngestParser.ParseV2Alerts, "prometheus", ct);
    }

    private delegate IReadOnlyList<AlertMessage> Parser(ReadOnlySpan<byte> body);

    private async Task<IActionResult> IngestAsync(HttpRequest req, Parser parse, string source, CancellationToken ct)
    {
        var body = await RequestBody.ReadLimitedAsync(req, options.Value.MaxRequestBytes, ct).ConfigureAwait(false);
        if (body is null)
        {
            return ApiResults.Error(StatusCodes.Status413PayloadTooLarge, $"request body exceeds {options.Value.MaxRequestBytes} bytes");
        }
        IReadOnlyList<AlertMessage> alerts;
        try
        {
            alerts = parse(body);
        }
        catch (IngestException e)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, e.Message);
        }
        // Answered only once the queue holds every alert, in messages shared with concurrent requests.
        await queue.EnqueueAsync(alerts, source, ct).ConfigureAwait(false);
        return new OkObjectResult(new { status = "success", alerts = alerts.Count });
    }
}
