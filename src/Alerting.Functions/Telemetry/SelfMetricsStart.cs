using Microsoft.Extensions.Hosting;

namespace Alerting.Functions.Telemetry;

/// <summary>
/// Creates <see cref="SelfMetrics"/> when the app starts. Its listener only sees measurements made after it
/// exists, and a singleton is otherwise made by the first <c>GET /api/metrics/self</c>: everything before the
/// first read (a cold start's queue backlog, the first notifications) would be missing from the counters.
/// </summary>
internal sealed class SelfMetricsStart(SelfMetrics metrics) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(metrics);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
