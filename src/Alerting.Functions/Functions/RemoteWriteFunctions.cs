using Alerting.Core.Remote.Write;
using Alerting.Functions.Options;
using Alerting.Functions.Remote.Write;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Functions;

/// <summary>
/// Prometheus remote write 1.0 receiver, for Prometheus agents, Grafana Alloy and OpenTelemetry
/// collectors: <c>POST /api/v1/write</c> behind the function key, and
/// <c>POST /api/prometheus/api/v1/write</c> behind the bearer or basic-auth token of
/// <see cref="RemoteWriteReceiver.TokenSetting"/> (remote_write's <c>authorization</c>/<c>basic_auth</c>).
/// Answers as Prometheus' receiver does: 204 stored, 400/413/415 with a plain-text reason (the sender
/// drops the batch), 5xx when storage fails (the sender retries).
/// </summary>
public sealed partial class RemoteWriteFunctions(
    RemoteWriteReceiver receiver,
    IOptions<AlertingOptions> options,
    IConfiguration configuration,
    ILogger<RemoteWriteFunctions> logger)
{
    [Function("RemoteWrite")]
    public Task<IActionResult> Write(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "v1/write")] HttpRequest req, CancellationToken ct) =>
        HandleAsync(req, ct);

    [Function("RemoteWriteToken")]
    public Task<IActionResult> WriteToken(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "prometheus/api/v1/write")] HttpRequest req, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(req);
        return ClientTokenAuth.Reject(req, configuration, RemoteWriteReceiver.TokenSetting) is { } rejected
            ? Task.FromResult(rejected)
            : HandleAsync(req, ct);
    }

    private async Task<IActionResult> HandleAsync(HttpRequest req, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(req);
        var body = await RequestBody.ReadLimitedAsync(req, options.Value.MaxRequestBytes, ct).ConfigureAwait(false);
        if (body is null)
        {
            return Text(StatusCodes.Status413PayloadTooLarge, $"request body exceeds {options.Value.MaxRequestBytes} bytes (Alerting:MaxRequestBytes); lower the sender's queue_config.max_samples_per_send");
        }
        try
        {
            var outcome = await receiver.ReceiveAsync(
                body,
                req.Headers.ContentType.ToString(),
                req.Headers.ContentEncoding.ToString(),
                req.Headers[RemoteWriteHeaders.VersionHeader].ToString(),
                ct).ConfigureAwait(false);
            return outcome.Error is null ? new StatusCodeResult(outcome.StatusCode) : Text(outcome.StatusCode, outcome.Error);
        }
        catch (RequestFailedException e)
        {
            LogStoreUnavailable(logger, e.Status, e.Message);
            return Text(StatusCodes.Status503ServiceUnavailable, $"sample store unavailable: {e.ErrorCode ?? e.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }
    }

    private static ContentResult Text(int status, string message) =>
        new() { Content = message + "\n", ContentType = "text/plain; charset=utf-8", StatusCode = status };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Remote write: sample store unavailable ({Status}): {Error}")]
    private static partial void LogStoreUnavailable(ILogger logger, int status, string error);
}
