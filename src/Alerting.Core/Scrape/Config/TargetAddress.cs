namespace Alerting.Core.Scrape.Config;

/// <summary>Prometheus' target address check: a host[:port], never a URL (scheme and path have their own keys).</summary>
public static class TargetAddress
{
    /// <summary>Null when valid; otherwise Prometheus' reason.</summary>
    public static string? Check(string address)
    {
        if (address.Length == 0)
        {
            return "no address";
        }
        if (address.Contains('/', StringComparison.Ordinal))
        {
            return $"\"{address}\" is not a valid hostname";
        }
        return null;
    }
}
