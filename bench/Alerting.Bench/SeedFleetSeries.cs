using System.Globalization;
using Alerting.Core.Model;

namespace Alerting.Bench;

/// <summary>
/// Synthetic history for seed 000's fleet: per machine the trader error counters, execution and
/// persistence error counters, worker pool gauges and <c>up</c>, every step for the whole window.
/// A fixed share of machines is erroring, saturated or down so that every rule of the group has work.
/// </summary>
public sealed record SeedFleetSeries(int Machines, int Steps, TimeSpan Step)
{
    private static readonly string[] ErrorTypes = ["timeout", "validation", "broker_rejected"];

    public IEnumerable<(Labels Labels, double Start, double Increment)> Series()
    {
        for (var i = 0; i < Machines; i++)
        {
            var user = (35682909 + i).ToString(CultureInfo.InvariantCulture);
            var instance = "vyx-user-" + user;
            var erroring = i % 20 == 0;  // 5%
            var down = i % 100 == 1;      // 1%
            var saturated = i % 50 == 2;  // 2%
            var perStep = Step.TotalSeconds;
            foreach (var type in ErrorTypes)
            {
                yield return (L("trader_errors_total", instance, user, ("error_type", type)), 0, erroring ? 1 * perStep : 0);
            }
            yield return (L("trader_execution_errors_total", instance, user, ("error_type", "filter_failed")), 0, erroring ? 0.5 * perStep : 0);
            yield return (L("signal_persist_errors_total", instance, user, ("error_type", "timeout"), ("trader_id", "t1")), 0, erroring ? 0.2 * perStep : 0);
            yield return (L("pool_usage", instance, user), saturated ? 19 : 4, 0);
            yield return (L("pool_size", instance, user), 20, 0);
            yield return (L("up", instance, user), down ? 0 : 1, 0);
        }
    }

    private static Labels L(string name, string instance, string user, params (string, string)[] extra) =>
        Labels.From([("__name__", name), ("job", "fly-machines"), ("instance", instance), ("user_id", user), .. extra]);

    public MemorySeriesStore Load()
    {
        var store = new MemorySeriesStore();
        foreach (var (labels, start, inc) in Series())
        {
            for (var s = 0; s <= Steps; s++)
            {
                store.Append(labels, new Sample((long)(s * Step.TotalMilliseconds), start + (inc * s)));
            }
        }
        return store;
    }
}
