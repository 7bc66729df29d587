using Alerting.Core.Relabel;
using Alerting.Core.Model;

namespace Alerting.Core.Discovery;

/// <summary>
/// How a scraped series' labels combine with its target's labels (Prometheus' <c>mutateSampleLabels</c>),
/// followed by <c>metric_relabel_configs</c>.
/// </summary>
public static class SampleLabels
{
    public const string ExportedPrefix = "exported_";

    /// <summary>
    /// With <paramref name="honorLabels"/> the series' own labels win and target labels only fill gaps
    /// (what a Pushgateway job needs so pushed <c>job</c>/<c>instance</c> survive). Without it the target's
    /// labels win and clashing series labels are kept as <c>exported_&lt;name&gt;</c> (prefixed again while
    /// that name is taken, as Prometheus does). Returns null when metric relabelling drops the series.
    /// </summary>
    public static Labels? Merge(Labels sample, Labels target, bool honorLabels, IReadOnlyList<RelabelConfig>? metricRelabelConfigs = null)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(target);
        var merged = sample.ToDictionary();
        if (honorLabels)
        {
            foreach (var l in target)
            {
                merged.TryAdd(l.Name, l.Value);
            }
        }
        else
        {
            // Conflicts are renamed only after every target label is in place, shortest names first, so
            // an "exported_x" target label is never overwritten (Prometheus' resolveConflictingExposedLabels).
            var conflicts = new List<Label>();
            foreach (var l in target)
            {
                if (merged.TryGetValue(l.Name, out var existing))
                {
                    conflicts.Add(new Label(l.Name, existing));
                }
                merged[l.Name] = l.Value;
            }
            foreach (var c in conflicts.OrderBy(c => c.Name.Length))
            {
                var name = c.Name;
                do
                {
                    name = ExportedPrefix + name;
                }
                while (merged.ContainsKey(name));
                merged[name] = c.Value;
            }
        }
        var labels = Labels.From(merged);
        return metricRelabelConfigs is { Count: > 0 } ? Relabeler.Process(labels, metricRelabelConfigs) : labels;
    }
}
