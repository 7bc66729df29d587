using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Alerting.Core.Notify.Slack;

public enum SlackSignatureStatus
{
    Valid,
    MissingHeaders,
    StaleTimestamp,
    BadSignature,
}

/// <summary>
/// Verifies requests from Slack as Slack documents: <c>X-Slack-Signature</c> is <c>v0=</c> plus the hex
/// HMAC-SHA256 of <c>v0:{X-Slack-Request-Timestamp}:{raw body}</c> with the app's signing secret, and
/// timestamps more than five minutes from now are refused to stop replays.
/// </summary>
public sealed class SlackRequestVerifier(string signingSecret, TimeProvider time)
{
    public const string SignatureHeader = "X-Slack-Signature";
    public const string TimestampHeader = "X-Slack-Request-Timestamp";
    public static readonly TimeSpan ReplayWindow = TimeSpan.FromMinutes(5);

    private readonly byte[] _secret = Encoding.UTF8.GetBytes(signingSecret);

    /// <param name="timestamp">The <c>X-Slack-Request-Timestamp</c> header value.</param>
    /// <param name="signature">The <c>X-Slack-Signature</c> header value.</param>
    /// <param name="body">The raw request body bytes, before any form or JSON decoding.</param>
    public SlackSignatureStatus Verify(string? timestamp, string? signature, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
        {
            return SlackSignatureStatus.MissingHeaders;
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return SlackSignatureStatus.StaleTimestamp;
        }
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        if (Math.Abs(now - seconds) > (long)ReplayWindow.TotalSeconds)
        {
            return SlackSignatureStatus.StaleTimestamp;
        }
        if (!signature.StartsWith("v0=", StringComparison.Ordinal))
        {
            return SlackSignatureStatus.BadSignature;
        }
        byte[] given;
        try
        {
            given = Convert.FromHexString(signature.AsSpan(3));
        }
        catch (FormatException)
        {
            return SlackSignatureStatus.BadSignature;
        }
        return CryptographicOperations.FixedTimeEquals(given, Mac(timestamp, body))
            ? SlackSignatureStatus.Valid
            : SlackSignatureStatus.BadSignature;
    }

    public SlackSignatureStatus Verify(string? timestamp, string? signature, string body) =>
        Verify(timestamp, signature, Encoding.UTF8.GetBytes(body));

    /// <summary>The header value Slack would send; used by the local Slack fake and tests.</summary>
    public string Sign(string timestamp, ReadOnlySpan<byte> body) => "v0=" + Convert.ToHexStringLower(Mac(timestamp, body));

    public string Sign(string timestamp, string body) => Sign(timestamp, Encoding.UTF8.GetBytes(body));

    private byte[] Mac(string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes("v0:" + timestamp + ":");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(_secret, message);
    }
}
