using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alerting.Core.Notify.Sms;

/// <summary>The headers an ACS request carries to be authenticated: date, body hash and the HMAC authorization.</summary>
public sealed record AcsSignedHeaders(string Date, string ContentHash, string Authorization);

/// <summary>One recipient's outcome in ACS's 202 answer.</summary>
public sealed record AcsSmsResult(string To, string? MessageId, int HttpStatusCode, bool Successful, string? ErrorMessage);

/// <summary>
/// Azure Communication Services SMS, REST API 2021-03-07: <c>POST {endpoint}/sms?api-version=2021-03-07</c>
/// with <c>{from, smsRecipients:[{to}], message, smsSendOptions:{enableDeliveryReport}}</c>, authenticated
/// with ACS's HMAC-SHA256 scheme. Hand-written: the NuGet mirror serves no Azure.Communication.Sms.
/// </summary>
public static class AcsSms
{
    public const string ApiVersion = "2021-03-07";

    public const string SignedHeaderNames = "x-ms-date;host;x-ms-content-sha256";

    // '+' and non-ASCII text as themselves, not \u escapes: the same JSON, easier to read in logs and fakes.
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Uri SendUri(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new Uri(endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/sms?api-version=" + ApiVersion);
    }

    public static string Body(string from, string to, string message, bool enableDeliveryReport)
    {
        var o = new JsonObject
        {
            ["from"] = from,
            ["smsRecipients"] = new JsonArray(new JsonObject { ["to"] = to }),
            ["message"] = message,
            ["smsSendOptions"] = new JsonObject { ["enableDeliveryReport"] = enableDeliveryReport },
        };
        return o.ToJsonString(Json);
    }

    /// <summary>
    /// ACS's HMAC scheme: the string to sign is <c>VERB\n{path and query}\n{x-ms-date};{host};{x-ms-content-sha256}</c>,
    /// signed with HMAC-SHA256 under the base64-decoded access key; the host is the request's Host header
    /// (the port included when it is not the scheme's default).
    /// </summary>
    public static AcsSignedHeaders Sign(string method, Uri uri, ReadOnlySpan<byte> body, ReadOnlySpan<byte> accessKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(uri);
        var date = now.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);
        var hash = Convert.ToBase64String(SHA256.HashData(body));
        var stringToSign = $"{method.ToUpperInvariant()}\n{uri.PathAndQuery}\n{date};{uri.Authority};{hash}";
        var signature = Convert.ToBase64String(HMACSHA256.HashData(accessKey, Encoding.UTF8.GetBytes(stringToSign)));
        return new AcsSignedHeaders(date, hash, $"HMAC-SHA256 SignedHeaders={SignedHeaderNames}&Signature={signature}");
    }

    /// <summary>The per-recipient results of a 202 answer (<c>{"value":[{to, messageId, httpStatusCode, successful, errorMessage}]}</c>).</summary>
    public static IReadOnlyList<AcsSmsResult> ParseResults(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException("the SMS service's answer is not JSON", e);
        }
        if (root?["value"] is not JsonArray value)
        {
            throw new FormatException("the SMS service's answer has no \"value\" list");
        }
        return value.OfType<JsonObject>().Select(r => new AcsSmsResult(
            Str(r["to"]) ?? string.Empty,
            Str(r["messageId"]),
            r["httpStatusCode"] is JsonValue code && code.TryGetValue<int>(out var c) ? c : 0,
            r["successful"] is JsonValue ok && ok.TryGetValue<bool>(out var b) && b,
            Str(r["errorMessage"]))).ToArray();
    }

    /// <summary>The message of ACS's error answer (<c>{"error":{"code","message"}}</c>), else the body as sent.</summary>
    public static string ErrorMessage(string body)
    {
        try
        {
            if (JsonNode.Parse(body)?["error"] is JsonObject error)
            {
                return $"{Str(error["code"])}: {Str(error["message"])}";
            }
        }
        catch (JsonException)
        {
        }
        return body;
    }

    private static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
