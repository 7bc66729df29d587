using Alerting.Functions.Tsdb;
using Microsoft.Azure.Functions.Worker;

namespace Alerting.Functions.Functions;

/// <summary>The sample store's housekeeping timer: compaction into blocks, merges, retention.</summary>
public sealed class StoreFunctions(CompactionRunner compaction)
{
    /// <summary>Every five minutes: a window is due at most every block duration, so most runs only check.</summary>
    [Function("Compact")]
    public Task Compact([TimerTrigger("0 */5 * * * *")] TimerInfo timer, CancellationToken ct) => compaction.RunTickAsync(ct);
}
