namespace Alerting.Core.Notify.Sms;

/// <summary>
/// An Azure Communication Services connection string, <c>endpoint=https://NAME.communication.azure.com/;accesskey=BASE64</c>
/// (as the portal's "Keys" blade shows it; keys are case-insensitive, order free).
/// </summary>
public sealed record AcsConnectionString(Uri Endpoint, byte[] AccessKey)
{
    public static AcsConnectionString Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return TryParse(value, out var result, out var error) ? result : throw new FormatException(error);
    }

    public static bool TryParse(string value, out AcsConnectionString result, out string error)
    {
        ArgumentNullException.ThrowIfNull(value);
        result = null!;
        string? endpoint = null, key = null;
        foreach (var part in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                error = "the Azure Communication Services connection string must look like endpoint=https://NAME.communication.azure.com/;accesskey=KEY";
                return false;
            }
            var name = part[..eq].Trim();
            if (name.Equals("endpoint", StringComparison.OrdinalIgnoreCase))
            {
                endpoint = part[(eq + 1)..].Trim();
            }
            else if (name.Equals("accesskey", StringComparison.OrdinalIgnoreCase))
            {
                key = part[(eq + 1)..].Trim();
            }
        }
        if (endpoint is null || key is null)
        {
            error = $"the Azure Communication Services connection string has no {(endpoint is null ? "endpoint=" : "accesskey=")} part (expected endpoint=https://NAME.communication.azure.com/;accesskey=KEY)";
            return false;
        }
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            error = $"the Azure Communication Services endpoint \"{endpoint}\" is not an absolute https URL";
            return false;
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(key);
        }
        catch (FormatException)
        {
            error = "the Azure Communication Services access key is not base64 (copy it from the resource's Keys blade)";
            return false;
        }
        if (bytes.Length == 0)
        {
            error = "the Azure Communication Services access key is empty";
            return false;
        }
        result = new AcsConnectionString(uri, bytes);
        error = string.Empty;
        return true;
    }

    public override string ToString() => $"endpoint={Endpoint};accesskey=<redacted>";
}
