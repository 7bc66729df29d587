using Alerting.Core.Retention;

namespace Alerting.Functions.Options;

/// <summary>
/// How long state is kept once it no longer matters (configuration section <c>Alerting:Retention</c>,
/// app settings <c>Alerting__Retention__*</c> on Azure). The <c>Retention</c> timer applies it every five
/// minutes; see <see cref="RetentionPolicy"/> for the exact rules.
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "Alerting:Retention";

    /// <summary>How long a resolved alert no group holds any more stays after it was last received.</summary>
    public TimeSpan ResolvedAlerts { get; set; } = RetentionPolicy.Default.ResolvedAlerts;

    /// <summary>Alertmanager's <c>--data.retention</c>: notification log entries and expired silences.</summary>
    public TimeSpan Data { get; set; } = RetentionPolicy.Default.Data;

    /// <summary>Incidents whose alert is resolved or gone, counted from the last thing that happened to them.</summary>
    public TimeSpan Incidents { get; set; } = RetentionPolicy.Default.Incidents;

    /// <summary>Audit rows (acknowledge, resolve, silence... history), counted from the transition.</summary>
    public TimeSpan Audit { get; set; } = RetentionPolicy.Default.Audit;

    public RetentionPolicy ToPolicy() => new(ResolvedAlerts, Data, Incidents, Audit);
}
