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
}
