using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Alerting.Functions.Notify.Sns;

/// <summary>AWS credentials for one request: static keys, with a session token when they are temporary.</summary>
public sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null);

/// <summary>
/// AWS Signature Version 4 for a request with a body and no query string (the SNS Query API's form POST),
/// as AWS documents it ("Create a signed AWS API request"): a canonical request over the method, the
/// URI-encoded path, the signed headers and the SHA-256 of the body; a string to sign naming the
/// <c>date/region/service/aws4_request</c> scope; an HMAC-SHA256 key derived from the secret through that
/// scope. Hand-written because the NuGet mirror serves no AWSSDK.SimpleNotificationService and the
/// algorithm is 60 lines of standard hashing, against a 10 MB SDK core for one API call.
/// </summary>
public static class AwsSigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>
    /// Sets <c>Host</c>, <c>X-Amz-Date</c>, <c>X-Amz-Security-Token</c> (temporary credentials) and
    /// <c>Authorization</c> on <paramref name="request"/>, signing those, <c>Content-Type</c> and <paramref name="body"/>.
    /// </summary>
    public static void Sign(HttpRequestMessage request, byte[] body, string contentType, AwsCredentials credentials, string region, string service, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(credentials);
        var uri = request.RequestUri ?? throw new ArgumentException("the request has no URI", nameof(request));
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var host = uri.IsDefaultPort ? uri.Host : uri.Authority;
        request.Headers.Host = host;
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = contentType,
            ["host"] = host,
            ["x-amz-date"] = amzDate,
        };
        if (!string.IsNullOrEmpty(credentials.SessionToken))
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", credentials.SessionToken);
            headers["x-amz-security-token"] = credentials.SessionToken;
        }
        var signedHeaders = string.Join(';', headers.Keys);
        var canonical = new StringBuilder()
            .Append(request.Method.Method).Append('\n')
            .Append(CanonicalPath(uri.AbsolutePath)).Append('\n')
            .Append('\n') // no query string: every parameter is in the body
            .AppendJoin(string.Empty, headers.Select(h => h.Key + ":" + h.Value.Trim() + "\n")).Append('\n')
            .Append(signedHeaders).Append('\n')
            .Append(Hex(SHA256.HashData(body)))
            .ToString();
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretAccessKey), date);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        var signature = Hex(Hmac(key, stringToSign));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(Algorithm, $"Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    /// <summary>
    /// The request's (already escaped) path with each segment URI-encoded again, RFC 3986 unreserved
    /// characters kept: AWS's services other than S3 sign the path encoded twice.
    /// </summary>
    private static string CanonicalPath(string escapedPath) =>
        escapedPath.Length == 0 ? "/" : string.Join('/', escapedPath.Split('/').Select(Uri.EscapeDataString));

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
