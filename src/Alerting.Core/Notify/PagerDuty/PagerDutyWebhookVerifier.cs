using System.Security.Cryptography;
using System.Text;

namespace Alerting.Core.Notify.PagerDuty;

/// <summary>
/// Verifies PagerDuty v3 webhook deliveries: <c>X-PagerDuty-Signature</c> holds one or more
/// comma-separated <c>v1=&lt;hex HMAC-SHA256 of the raw body&gt;</c>; there are several while a secret is
/// being rotated, so a delivery is genuine when any signature matches any of our secrets.
/// </summary>
public sealed class PagerDutyWebhookVerifier
{
    public const string SignatureHeader = "X-PagerDuty-Signature";

    private readonly byte[][] _secrets;

    public PagerDutyWebhookVerifier(params IEnumerable<string> secrets)
    {
        _secrets = secrets.Where(s => s.Length > 0).Select(Encoding.UTF8.GetBytes).ToArray();
        if (_secrets.Length == 0)
        {
            throw new ArgumentException("At least one webhook signing secret is required.", nameof(secrets));
        }
    }

    public bool Verify(string? signatureHeader, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrWhiteSpace(signatureHeader))
        {
            return false;
        }
        var expected = new byte[_secrets.Length][];
        for (var i = 0; i < _secrets.Length; i++)
        {
            expected[i] = HMACSHA256.HashData(_secrets[i], body);
        }
        var ok = false;
        foreach (var part in signatureHeader.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!part.StartsWith("v1=", StringComparison.Ordinal))
            {
                continue; // future schemes are ignored, as PagerDuty asks of receivers
            }
            byte[] given;
            try
            {
                given = Convert.FromHexString(part.AsSpan(3));
            }
            catch (FormatException)
            {
                continue;
            }
            foreach (var e in expected)
            {
                // No early exit: every comparison runs, so timing does not reveal which one matched.
                ok |= CryptographicOperations.FixedTimeEquals(given, e);
            }
        }
        return ok;
    }

    public bool Verify(string? signatureHeader, string body) => Verify(signatureHeader, Encoding.UTF8.GetBytes(body));

    /// <summary>The header PagerDuty would send, one <c>v1=</c> per secret; for the local fake and tests.</summary>
    public string Sign(ReadOnlySpan<byte> body)
    {
        var parts = new List<string>();
        foreach (var s in _secrets)
        {
            parts.Add("v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(s, body)));
        }
        return string.Join(',', parts);
    }
}
