using Alerting.Core.Query;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Query;

/// <summary>
/// The Prometheus query API (configuration section <c>Alerting:Query</c>, app settings
/// <c>Alerting__Query__*</c>): Prometheus' <c>--query.timeout</c> and <c>--query.max-samples</c>, so one
/// heavy dashboard query cannot take an instance down.
/// </summary>
public sealed class QueryApiOptions
{
    public const string Section = "Alerting:Query";

    /// <summary>App setting with the token(s) Grafana and other clients present (bearer or basic-auth password) on <c>/api/prometheus/api/v1/*</c>.</summary>
    public const string TokenSetting = "Alerting:QueryToken";

    /// <summary>The longest a query evaluates; a request's <c>timeout</c> can only shorten it.</summary>
    public TimeSpan Timeout { get; set; } = QueryLimits.Default.Timeout;

    /// <summary>The most samples one query may load and return.</summary>
    public long MaxSamples { get; set; } = QueryLimits.Default.MaxSamples;

    public QueryLimits Limits => new(Timeout, MaxSamples);
}

/// <summary>Rejects limits a query could never meet when the app starts.</summary>
public sealed class QueryApiOptionsValidator : IValidateOptions<QueryApiOptions>
{
    public ValidateOptionsResult Validate(string? name, QueryApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Timeout <= TimeSpan.Zero)
        {
            errors.Add($"Alerting:Query:Timeout must be positive (got {options.Timeout}).");
        }
        if (options.MaxSamples < 1)
        {
            errors.Add($"Alerting:Query:MaxSamples must be at least 1 (got {options.MaxSamples}).");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
