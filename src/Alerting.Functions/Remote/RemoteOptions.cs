namespace Alerting.Functions.Remote;

/// <summary>Settings of remote time-series databases (<c>Alerting:Remote</c>).</summary>
public sealed class RemoteOptions
{
    public const string Section = "Alerting:Remote";

    /// <summary>
    /// The datasources file: which rule groups evaluate against which Prometheus-compatible query API
    /// (see docs/configuration.md). Empty: every group evaluates over the embedded store.
    /// </summary>
    public string DatasourcesPath { get; set; } = string.Empty;

    /// <summary>
    /// Prometheus' <c>--rules.alert.for-outage-tolerance</c>: how far back a group with no stored state of its
    /// own looks for its alerts' <c>ALERTS_FOR_STATE</c> in its datasource.
    /// </summary>
    public TimeSpan ForOutageTolerance { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Prometheus' <c>--rules.alert.for-grace-period</c>: the least time a restored pending alert waits before firing.</summary>
    public TimeSpan ForGracePeriod { get; set; } = TimeSpan.FromMinutes(10);
}
