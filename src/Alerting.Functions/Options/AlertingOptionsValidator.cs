using Alerting.Core.Notify.Sms;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Options;

/// <summary>Checks at start what would otherwise fail only at the first page: the SMS settings.</summary>
public sealed class AlertingOptionsValidator : IValidateOptions<AlertingOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.AcsConnectionString))
        {
            if (!AcsConnectionString.TryParse(options.AcsConnectionString, out _, out var error))
            {
                errors.Add($"Alerting:AcsConnectionString: {error}");
            }
            if (string.IsNullOrWhiteSpace(options.AcsSmsFrom))
            {
                errors.Add("Alerting:AcsSmsFrom is required with Alerting:AcsConnectionString: the number (E.164) or short code SMS pages are sent from");
            }
            else if (options.AcsSmsFrom.StartsWith('+') && PhoneNumbers.Problem(options.AcsSmsFrom) is { } problem)
            {
                errors.Add($"Alerting:AcsSmsFrom: {problem}");
            }
        }
        if (options.SmsMaxSegments is < 1 or > 10)
        {
            errors.Add($"Alerting:SmsMaxSegments must be between 1 and 10, not {options.SmsMaxSegments}");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
