using Alerting.Functions.Functions;
using Alerting.Functions.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Heartbeats;

/// <summary>
/// <c>/api/heartbeats/&lt;name&gt;</c>: a cron job, a synthetic check or a backup script pings here when it
/// runs (GET or POST, as Healthchecks.io and Opsgenie heartbeats take them), and a check that stops
/// being pinged fires HeartbeatMissing. Only configured names are accepted, so a typo in a job's URL
/// is a 404 the job's log shows, not a check that silently never exists.
/// </summary>
public sealed class HeartbeatFunctions(HeartbeatStore store, TimeProvider time, IOptions<HeartbeatOptions> options)
{
    [Function("HeartbeatPing")]
    public async Task<IActionResult> Ping(
        [HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = "heartbeats/{name}")] HttpRequest req,
        string name,
        CancellationToken ct)
    {
        if (!options.Value.Checks.ContainsKey(name))
        {
            var known = options.Value.Checks.Count == 0 ? "none are configured (Alerting:Heartbeats:Checks)" : "configured: " + string.Join(", ", options.Value.Checks.Keys.Order(StringComparer.Ordinal));
            return ApiResults.Error(StatusCodes.Status404NotFound, $"no heartbeat check named '{name}'; {known}");
        }
        await store.PingAsync(name, time.GetUtcNow(), ct).ConfigureAwait(false);
        AlertingTelemetry.HeartbeatPinged(name);
        return new OkObjectResult(new { status = "ok", heartbeat = name });
    }
}
