namespace Alerting.Core.Notify.Sms;

/// <summary>
/// E.164 numbers as SMS gateways (Azure Communication Services among them) take them: a '+', a country
/// code that does not start with 0, and at most 15 digits in all, with no spaces or punctuation.
/// </summary>
public static class PhoneNumbers
{
    public const int MaxDigits = 15;

    public static bool IsE164(string? number) => number is not null && Problem(number) is null;

    /// <summary>Why <paramref name="number"/> is not an E.164 number, in words a user can act on; null when it is one.</summary>
    public static string? Problem(string number)
    {
        ArgumentNullException.ThrowIfNull(number);
        const string Example = "write it in E.164 form, e.g. \"+447700900123\"";
        if (number.Length == 0)
        {
            return $"the phone number is empty: {Example}";
        }
        if (number[0] != '+')
        {
            return $"phone number \"{number}\" does not start with '+' and a country code: {Example}";
        }
        var digits = number.AsSpan(1);
        if (digits.Length == 0 || digits.ContainsAnyExceptInRange('0', '9'))
        {
            return $"phone number \"{number}\" may only hold digits after the '+' (no spaces, dashes or brackets): {Example}";
        }
        if (digits[0] == '0')
        {
            return $"phone number \"{number}\" has a country code starting with 0: {Example}";
        }
        if (digits.Length < 7 || digits.Length > MaxDigits)
        {
            return $"phone number \"{number}\" has {digits.Length} digits; an E.164 number has 7 to {MaxDigits}: {Example}";
        }
        return null;
    }
}
