using Alerting.Core.Model;

namespace Alerting.Core.Notify;

/// <summary>
/// The alerts of one notification group as seen at <see cref="At"/>: what Slack messages and PagerDuty
/// events are built from. <see cref="GroupId"/> is the stable id the Acknowledge button and the
/// PagerDuty <c>dedup_key</c> refer back to.
/// </summary>
public sealed record AlertGroupSnapshot(string GroupId, IReadOnlyList<Alert> Alerts, DateTimeOffset At)
{
    public IReadOnlyList<Alert> Firing => Alerts.Where(a => !a.IsResolvedAt(At)).ToArray();

    public IReadOnlyList<Alert> Resolved => Alerts.Where(a => a.IsResolvedAt(At)).ToArray();

    /// <summary>A group is resolved only once every alert in it is; one firing alert keeps it firing.</summary>
    public bool IsResolved => Alerts.Count > 0 && Alerts.All(a => a.IsResolvedAt(At));

    public Labels CommonLabels => Common(Alerts.Select(a => a.Labels));

    public Labels CommonAnnotations => Common(Alerts.Select(a => a.Annotations));

    /// <summary>The alert name the group is about: the common one, else the first alert's.</summary>
    public string AlertName =>
        CommonLabels.Get("alertname") ?? (Alerts.Count > 0 ? Alerts[0].Labels["alertname"] : string.Empty);

    /// <summary>
    /// The worst severity label among the firing alerts (all alerts when resolved), normalised to
    /// lower case; empty when no alert carries one.
    /// </summary>
    public string Severity
    {
        get
        {
            var pool = IsResolved ? Alerts : Firing;
            return pool.Select(a => a.Labels["severity"].ToLowerInvariant())
                .Where(s => s.Length > 0)
                .OrderBy(SeverityRank)
                .FirstOrDefault() ?? string.Empty;
        }
    }

    /// <summary>The first non-empty value of an annotation: common first, then per alert.</summary>
    public string? Annotation(string name) =>
        CommonAnnotations.Get(name) ?? Alerts.Select(a => a.Annotations.Get(name)).FirstOrDefault(v => v is not null);

    /// <summary>Most urgent first: how severity label values sort wherever alerts are listed.</summary>
    public static int SeverityRank(string severity) => severity switch
    {
        "critical" or "page" or "sev1" or "sev-1" => 0,
        "error" or "high" => 1,
        "warning" or "warn" or "sev2" or "sev-2" => 2,
        "info" or "sev3" or "sev-3" => 3,
        _ => 4,
    };

    private static Labels Common(IEnumerable<Labels> sets)
    {
        Labels? common = null;
        foreach (var set in sets)
        {
            common = common is null
                ? set
                : Labels.From(common.Where(l => set.Get(l.Name) == l.Value));
        }
        return common ?? Labels.Empty;
    }
}
