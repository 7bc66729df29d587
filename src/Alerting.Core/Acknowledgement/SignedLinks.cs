using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Alerting.Core.Acknowledgement;

/// <summary>Remembers link nonces so a one-click link works once; storage (Azure Tables) lives elsewhere.</summary>
public interface ISingleUseNonceStore
{
    /// <summary>
    /// Marks <paramref name="nonce"/> used. Returns false when it was already used. Implementations must
    /// make this atomic (an insert that fails on conflict) since two instances may race on the same link.
    /// <paramref name="expiresAt"/> says how long the record needs to be kept.
    /// </summary>
    ValueTask<bool> TryConsumeAsync(string nonce, DateTimeOffset expiresAt, CancellationToken ct);
}

public enum SignedLinkStatus
{
    Valid,
    Malformed,
    BadSignature,
    WrongAction,
    Expired,
    AlreadyUsed,
}

/// <summary>The decoded content of a link token.</summary>
public sealed record SignedLinkClaims(string AlertId, string Action, DateTimeOffset ExpiresAt, string Nonce);

public sealed record SignedLinkVerification(SignedLinkStatus Status, SignedLinkClaims? Claims)
{
    public bool IsValid => Status == SignedLinkStatus.Valid;
}

/// <summary>
/// Signs and verifies one-click action links (e.g. "acknowledge" in an email). A token is
/// <c>v1.{base64url(alert id)}.{action}.{expiry unix seconds}.{nonce}.{base64url(HMAC-SHA256)}</c>; the MAC
/// covers every other part, so none can be swapped. Verification checks the MAC in constant time
/// before anything else, so a forged token learns nothing from which check failed.
/// </summary>
public sealed class SignedLinkSigner
{
    private const string Version = "v1";
    private readonly byte[] _key;
    private readonly TimeProvider _time;

    public SignedLinkSigner(ReadOnlySpan<byte> key, TimeProvider time)
    {
        if (key.Length < 32)
        {
            throw new ArgumentException("A signing key needs at least 32 bytes (256 bits).", nameof(key));
        }
        _key = key.ToArray();
        _time = time;
    }

    /// <summary>
    /// A token valid for <paramref name="validFor"/> from now, or from <paramref name="issuedAt"/>. With a
    /// <paramref name="nonceSeed"/> the nonce is the key's HMAC of it rather than random, so a message sent again
    /// for the same delivery (an SMS page redelivered after a crash) carries the same link, as ACS's
    /// repeatability requires of a repeat; outsiders still cannot predict it without the key.
    /// </summary>
    public string CreateToken(string alertId, string action, TimeSpan validFor, DateTimeOffset? issuedAt = null, string? nonceSeed = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(alertId);
        if (!IsValidAction(action))
        {
            throw new ArgumentException($"Action '{action}' must be lower-case letters and '_' only.", nameof(action));
        }
        if (validFor <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(validFor), "A link must be valid for a positive duration.");
        }
        var expiry = (issuedAt ?? _time.GetUtcNow()).Add(validFor).ToUnixTimeSeconds();
        var nonce = Base64Url(nonceSeed is null ? RandomNumberGenerator.GetBytes(16) : Mac("nonce." + nonceSeed)[..16]);
        var body = string.Join('.', Version, Base64Url(Encoding.UTF8.GetBytes(alertId)), action,
            expiry.ToString(CultureInfo.InvariantCulture), nonce);
        return body + "." + Base64Url(Mac(body));
    }

    /// <summary><paramref name="baseUrl"/> with the token as the <c>token</c> query parameter.</summary>
    public string CreateUrl(string baseUrl, string alertId, string action, TimeSpan validFor, DateTimeOffset? issuedAt = null, string? nonceSeed = null)
    {
        var token = CreateToken(alertId, action, validFor, issuedAt, nonceSeed);
        var separator = baseUrl.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        return $"{baseUrl}{separator}token={token}";
    }

    /// <summary>
    /// Checks signature, action and expiry without consuming the nonce: for a GET that shows a
    /// confirmation page, since mail scanners pre-fetch links and would otherwise burn them.
    /// </summary>
    public SignedLinkVerification Inspect(string token, string? expectedAction = null)
    {
        var parts = token.Split('.');
        if (parts.Length != 6 || parts[0] != Version)
        {
            return new(SignedLinkStatus.Malformed, null);
        }
        byte[] mac;
        try
        {
            mac = FromBase64Url(parts[5]);
        }
        catch (FormatException)
        {
            return new(SignedLinkStatus.Malformed, null);
        }
        var expected = Mac(token[..token.LastIndexOf('.')]);
        if (!CryptographicOperations.FixedTimeEquals(mac, expected))
        {
            return new(SignedLinkStatus.BadSignature, null);
        }
        // Everything below is authenticated, so parse failures mean our own bug or an old format.
        string alertId;
        try
        {
            alertId = Encoding.UTF8.GetString(FromBase64Url(parts[1]));
        }
        catch (FormatException)
        {
            return new(SignedLinkStatus.Malformed, null);
        }
        if (!long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var expiry))
        {
            return new(SignedLinkStatus.Malformed, null);
        }
        var claims = new SignedLinkClaims(alertId, parts[2], DateTimeOffset.FromUnixTimeSeconds(expiry), parts[4]);
        if (expectedAction is not null && !string.Equals(expectedAction, claims.Action, StringComparison.Ordinal))
        {
            return new(SignedLinkStatus.WrongAction, claims);
        }
        if (_time.GetUtcNow() >= claims.ExpiresAt)
        {
            return new(SignedLinkStatus.Expired, claims);
        }
        return new(SignedLinkStatus.Valid, claims);
    }

    /// <summary>Full verification for the state-changing request: <see cref="Inspect"/> plus the single-use check.</summary>
    public async ValueTask<SignedLinkVerification> VerifyAsync(
        string token, string? expectedAction, ISingleUseNonceStore nonces, CancellationToken ct)
    {
        var result = Inspect(token, expectedAction);
        if (!result.IsValid)
        {
            return result;
        }
        var claims = result.Claims!;
        return await nonces.TryConsumeAsync(claims.Nonce, claims.ExpiresAt, ct).ConfigureAwait(false)
            ? result
            : new SignedLinkVerification(SignedLinkStatus.AlreadyUsed, claims);
    }

    private byte[] Mac(string body) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(body));

    private static bool IsValidAction(string action) =>
        action.Length is > 0 and <= 32 && action.All(c => c is (>= 'a' and <= 'z') or '_');

    internal static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static byte[] FromBase64Url(string text)
    {
        if (text.Length == 0 || text.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            throw new FormatException("Not base64url.");
        }
        var s = text.Replace('-', '+').Replace('_', '/');
        s += (s.Length % 4) switch
        {
            2 => "==",
            3 => "=",
            1 => throw new FormatException("Not base64url."),
            _ => string.Empty,
        };
        return Convert.FromBase64String(s);
    }
}
