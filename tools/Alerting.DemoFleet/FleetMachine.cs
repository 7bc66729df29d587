using System.Globalization;
using System.Text;

namespace Alerting.DemoFleet;

/// <summary>How a demo machine behaves: healthy, erroring (seed 000's error counters climb), or down.</summary>
public enum MachineMode
{
    Healthy,
    Erroring,
    Down,
}

/// <summary>
/// One `vyx-user-&lt;id&gt;` machine of seed 000: counters that grow with (possibly sped-up) time, so
/// <c>rate()</c> over them gives the configured error rates, and a worker pool gauge.
/// </summary>
public sealed class FleetMachine(string userId, MachineMode mode, TimeProvider time, DateTimeOffset origin)
{
    private static readonly string[] ErrorTypes = ["timeout", "validation", "broker_rejected"];

    public string UserId { get; } = userId;

    public string Name => "vyx-user-" + UserId;

    public MachineMode Mode { get; set; } = mode;

    /// <summary>Errors per second per error type while erroring (3 types, so 3x this in total).</summary>
    public double ErrorRatePerType { get; init; } = 1.0;

    public string RenderMetrics()
    {
        var elapsed = Math.Max(0, (time.GetUtcNow() - origin).TotalSeconds);
        var erroring = Mode == MachineMode.Erroring;
        var sb = new StringBuilder();
        sb.Append("# HELP trader_errors_total Errors raised by the trader, by type.\n# TYPE trader_errors_total counter\n");
        foreach (var type in ErrorTypes)
        {
            var rate = erroring ? ErrorRatePerType : 0.001;
            Line(sb, "trader_errors_total", type, Math.Floor(rate * elapsed));
        }
        sb.Append("# HELP trader_execution_errors_total Filter execution errors.\n# TYPE trader_execution_errors_total counter\n");
        Line(sb, "trader_execution_errors_total", "filter_failed", Math.Floor((erroring ? 0.5 : 0) * elapsed));
        sb.Append("# HELP trader_executions_total Executions attempted.\n# TYPE trader_executions_total counter\n");
        sb.Append(CultureInfo.InvariantCulture, $"trader_executions_total{{user_id=\"{UserId}\"}} {Math.Floor(10 * elapsed)}\n");
        sb.Append("# HELP signal_persist_errors_total Signal persistence errors.\n# TYPE signal_persist_errors_total counter\n");
        Line(sb, "signal_persist_errors_total", "timeout", Math.Floor((erroring ? 0.2 : 0) * elapsed), "trader_id=\"t1\",");
        sb.Append("# HELP pool_usage Busy workers.\n# TYPE pool_usage gauge\n");
        sb.Append(CultureInfo.InvariantCulture, $"pool_usage{{user_id=\"{UserId}\"}} {(erroring ? 19 : 4)}\n");
        sb.Append("# HELP pool_size Worker pool size.\n# TYPE pool_size gauge\n");
        sb.Append(CultureInfo.InvariantCulture, $"pool_size{{user_id=\"{UserId}\"}} 20\n");
        return sb.ToString();
    }

    private void Line(StringBuilder sb, string metric, string errorType, double value, string extra = "") =>
        sb.Append(CultureInfo.InvariantCulture, $"{metric}{{{extra}error_type=\"{errorType}\",user_id=\"{UserId}\"}} {value}\n");
}
