using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Alerting.Functions.Telemetry;

/// <summary>The app's own metrics in Prometheus' text format, for a Prometheus (ours or another) to scrape.</summary>
public sealed class SelfMetricsFunction(SelfMetrics metrics)
{
    [Function("SelfMetrics")]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "metrics/self")] HttpRequest req) =>
        new ContentResult { Content = metrics.Render(), ContentType = "text/plain; version=0.0.4; charset=utf-8", StatusCode = StatusCodes.Status200OK };
}
