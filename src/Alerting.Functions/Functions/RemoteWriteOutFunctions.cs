using Alerting.Functions.Remote.Write;
using Microsoft.Azure.Functions.Worker;

namespace Alerting.Functions.Functions;

/// <summary>Forwards the sample log to the scrape configuration's <c>remote_write</c> endpoints.</summary>
public sealed class RemoteWriteOutFunctions(RemoteWriteForwarder forwarder)
{
    /// <summary>Every 15 seconds, Prometheus' default scrape interval: each run sends what the log gained since the last.</summary>
    [Function("ForwardRemoteWrite")]
    public Task Forward([TimerTrigger("*/15 * * * * *")] TimerInfo timer, CancellationToken ct) => forwarder.RunTickAsync(ct);
}
