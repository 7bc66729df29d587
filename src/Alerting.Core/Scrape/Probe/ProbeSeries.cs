using Alerting.Core.Exposition;
using Alerting.Core.Model;

namespace Alerting.Core.Scrape.Probe;

/// <summary>What an HTTP probe observed. Phases use blackbox names: resolve, connect, tls, processing, transfer.</summary>
public sealed record ProbeOutcome
{
    /// <summary>Null when no response arrived (connection error, timeout).</summary>
    public int? StatusCode { get; init; }

    public TimeSpan Duration { get; init; }

    public IReadOnlyDictionary<string, TimeSpan> Phases { get; init; } = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);

    /// <summary>The response body when a body regex has to be checked.</summary>
    public string? Body { get; init; }

    public long? ContentLength { get; init; }

    public Version? HttpVersion { get; init; }

    public bool? Tls { get; init; }

    public DateTimeOffset? CertificateExpiry { get; init; }

    /// <summary>A transport error or timeout, as text for logs and the failure reason.</summary>
    public string? Error { get; init; }
}

/// <summary>The judged probe: success, why not, the budget verdict and the series to store.</summary>
public sealed record ProbeEvaluation(bool Success, string? FailureReason, bool? WithinBudget, IReadOnlyList<ScrapedSample> Samples)
{
    /// <summary>
    /// The probe series as a scrape body, so <c>ScrapeAssembler</c> stamps target labels and adds <c>up</c>
    /// (1: the probe ran; whether the endpoint is healthy is <c>probe_success</c>, as with blackbox_exporter).
    /// </summary>
    public ScrapeResult ToScrapeResult() => new(
        ExpositionFormat.PrometheusText,
        Samples,
        Samples.Select(s => s.Labels.Name!).Distinct(StringComparer.Ordinal)
            .ToDictionary(n => n, n => new MetricMetadata(n, MetricType.Gauge, null, null), StringComparer.Ordinal));
}

/// <summary>Turns a probe outcome into blackbox_exporter-style series.</summary>
public static class ProbeSeries
{
    public static readonly IReadOnlyList<string> PhaseNames = ["resolve", "connect", "tls", "processing", "transfer"];

    public static ProbeEvaluation From(ProbeOutcome outcome, HttpProbeConfig config)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(config);
        string? failure = null;
        var regexFailed = false;
        if (outcome.Error is { } error)
        {
            failure = error;
        }
        else if (outcome.StatusCode is not { } code)
        {
            failure = "no response";
        }
        else if (!config.IsValidStatus(code))
        {
            failure = $"invalid HTTP response status code {code}";
        }
        else if (config.BodyRegex is { } must && !must.IsMatch(outcome.Body ?? string.Empty))
        {
            regexFailed = true;
            failure = $"body did not match regular expression \"{must}\"";
        }
        else if (config.BodyNotRegex is { } mustNot && mustNot.IsMatch(outcome.Body ?? string.Empty))
        {
            regexFailed = true;
            failure = $"body matched regular expression \"{mustNot}\"";
        }

        bool? withinBudget = config.LatencyBudget is { } budget ? outcome.Duration <= budget : null;
        if (failure is null && withinBudget == false && config.FailIfOverBudget)
        {
            failure = $"duration {outcome.Duration.TotalMilliseconds:0}ms over latency budget {config.LatencyBudget!.Value.TotalMilliseconds:0}ms";
        }
        var success = failure is null;

        var samples = new List<ScrapedSample>
        {
            S("probe_success", success ? 1 : 0),
            S("probe_duration_seconds", outcome.Duration.TotalSeconds),
            S("probe_http_status_code", outcome.StatusCode ?? 0),
            S("probe_failed_due_to_regex", regexFailed ? 1 : 0),
        };
        foreach (var phase in PhaseNames)
        {
            if (outcome.Phases.TryGetValue(phase, out var d))
            {
                samples.Add(new ScrapedSample(Labels.From((Labels.MetricName, "probe_http_duration_seconds"), ("phase", phase)), d.TotalSeconds, null));
            }
        }
        if (outcome.ContentLength is { } length)
        {
            samples.Add(S("probe_http_content_length", length));
        }
        if (outcome.HttpVersion is { } version)
        {
            samples.Add(S("probe_http_version", version.Major + (version.Minor / 10.0)));
        }
        if (outcome.Tls is { } tls)
        {
            samples.Add(S("probe_http_ssl", tls ? 1 : 0));
        }
        if (outcome.CertificateExpiry is { } expiry)
        {
            samples.Add(S("probe_ssl_earliest_cert_expiry", expiry.ToUnixTimeMilliseconds() / 1000.0));
        }
        if (config.LatencyBudget is { } b)
        {
            samples.Add(S("probe_latency_budget_seconds", b.TotalSeconds));
            samples.Add(S("probe_latency_budget_exceeded", withinBudget == true ? 0 : 1));
        }
        return new ProbeEvaluation(success, failure, withinBudget, samples);
    }

    private static ScrapedSample S(string name, double value) => new(Labels.From((Labels.MetricName, name)), value, null);
}
