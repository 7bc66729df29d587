using System.Text.RegularExpressions;

namespace Alerting.Core.Scrape.Probe;

/// <summary>
/// The <c>http_probe</c> extension of a scrape config: an HTTP health check judged like blackbox_exporter's
/// http prober, plus a latency budget (seed 001's <c>SYNTHETIC_CHECK_BUDGET_MS</c>).
/// </summary>
public sealed record HttpProbeConfig
{
    public string Method { get; init; } = "GET";

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public string? Body { get; init; }

    /// <summary>Empty means any 2xx, as in blackbox_exporter.</summary>
    public IReadOnlyList<int> ValidStatusCodes { get; init; } = [];

    /// <summary>The probe fails unless the body matches (unanchored search).</summary>
    public Regex? BodyRegex { get; init; }

    /// <summary>The probe fails if the body matches (unanchored search).</summary>
    public Regex? BodyNotRegex { get; init; }

    /// <summary>Null: the job's scrape timeout.</summary>
    public TimeSpan? Timeout { get; init; }

    public TimeSpan? LatencyBudget { get; init; }

    /// <summary>
    /// When true a response slower than the budget also sets <c>probe_success</c> to 0; by default the
    /// budget verdict is its own series so "slow" and "down" can alert separately.
    /// </summary>
    public bool FailIfOverBudget { get; init; }

    public bool IsValidStatus(int code) =>
        ValidStatusCodes.Count == 0 ? code is >= 200 and <= 299 : ValidStatusCodes.Contains(code);

    /// <summary>Compiles a body regex the way every probe regex is compiled (culture-invariant, bounded).</summary>
    public static Regex CompileRegex(string pattern) =>
        new(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
