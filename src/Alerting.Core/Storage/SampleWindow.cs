using Alerting.Core.Model;

namespace Alerting.Core.Storage;

/// <summary>
/// Turns a time-ordered run of ticks into queryable series, writing Prometheus' staleness markers where
/// a series (or a whole target) present in one tick of a job is missing from the next one, so a machine
/// that disappears stops matching instant queries at once instead of after the 5-minute lookback.
/// </summary>
public static class SampleWindow
{
    public static MemorySeriesStore Build(IEnumerable<ScrapeTick> ticks, MemorySeriesStore? into = null)
    {
        var store = into ?? new MemorySeriesStore();
        var previous = new Dictionary<(string Job, string Instance), HashSet<Labels>>();
        foreach (var jobTicks in ticks.GroupBy(t => t.Job, StringComparer.Ordinal))
        {
            foreach (var tick in jobTicks.OrderBy(t => t.TimestampMs))
            {
                var seenInstances = new HashSet<string>(StringComparer.Ordinal);
                foreach (var target in tick.Targets)
                {
                    seenInstances.Add(target.Instance);
                    var current = new HashSet<Labels>();
                    foreach (var s in target.Samples)
                    {
                        store.Append(s.Labels, new Sample(s.TimestampMs, s.Value));
                        current.Add(s.Labels);
                    }
                    if (previous.TryGetValue((tick.Job, target.Instance), out var before))
                    {
                        foreach (var gone in before.Where(l => !current.Contains(l)))
                        {
                            store.Append(gone, new Sample(tick.TimestampMs, Sample.StaleNaN));
                        }
                    }
                    previous[(tick.Job, target.Instance)] = current;
                }
                foreach (var key in previous.Keys.Where(k => k.Job == tick.Job && !seenInstances.Contains(k.Instance)).ToArray())
                {
                    foreach (var gone in previous[key])
                    {
                        store.Append(gone, new Sample(tick.TimestampMs, Sample.StaleNaN));
                    }
                    previous.Remove(key);
                }
            }
        }
        return store;
    }
}
