using Alerting.Functions.Retention;
using Microsoft.Azure.Functions.Worker;

namespace Alerting.Functions.Functions;

/// <summary>
/// Garbage collection with Alertmanager's retention rules, every five minutes (Alertmanager collects
/// resolved alerts every 30 minutes and its notification log every 15). The schedule is fixed so no app
/// setting is needed; the retention itself is configured under <c>Alerting:Retention</c>.
/// </summary>
public sealed class RetentionFunction(RetentionRunner runner)
{
    public const string Schedule = "0 */5 * * * *";

    [Function("Retention")]
    public Task Run([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken ct) => runner.RunAsync(ct);
}
