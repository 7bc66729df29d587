using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alerting.Core.Notify.Sms;

/// <summary>The headers an ACS request carries to be authenticated: date, body hash and the HMAC authorization.</summary>
public sealed record AcsSignedHeaders(string Date, string ContentHash, string Authorization);

/// <summary>One recipient's outcome in ACS's 202 answer; <see cref="RepeatabilityResult"/> is "accepted" or "rejected" for a repeatable request.</summary>
public sealed record AcsSmsResult(string To, string? MessageId, int HttpStatusCode, bool Successful, string? ErrorMessage, string? RepeatabilityResult = null);

/// <summary>A recipient's <c>repeatabilityRequestId</c> (a GUID) and <c>repeatabilityFirstSent</c> (sent as an IMF-fixdate).</summary>
public sealed record SmsRepeatability(string RequestId, DateTimeOffset FirstSent);

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

    /// <summary>
    /// How long ACS keeps a repeatable request's id: its repeatable-requests page gives 5 minutes, and a
    /// <c>repeatabilityFirstSent</c> older than that is refused (412) rather than deduplicated.
    /// </summary>
    public static readonly TimeSpan RepeatabilityWindow = TimeSpan.FromMinutes(5);

    // Room for clock skew between us and ACS: a first-sent this close to the window's end is not trusted to dedupe.
    private static readonly TimeSpan RepeatabilityMargin = TimeSpan.FromMinutes(1);

    public static string Body(string from, string to, string message, bool enableDeliveryReport, SmsRepeatability? repeatability = null)
    {
        var recipient = new JsonObject { ["to"] = to };
        if (repeatability is not null)
        {
            // Per recipient in the body, as the 2021-03-07 API defines them; the body hash the HMAC signs covers them.
            recipient["repeatabilityRequestId"] = repeatability.RequestId;
            recipient["repeatabilityFirstSent"] = repeatability.FirstSent.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);
        }
        var o = new JsonObject
        {
            ["from"] = from,
            ["smsRecipients"] = new JsonArray(recipient),
            ["message"] = message,
            ["smsSendOptions"] = new JsonObject { ["enableDeliveryReport"] = enableDeliveryReport },
        };
        return o.ToJsonString(Json);
    }

    /// <summary>
    /// The repeatability of one page to <paramref name="to"/>. With a <paramref name="deliveryId"/> (an escalation
    /// step's delivery, the same on every redelivery) the request id is derived from it and the number, and
    /// <c>repeatabilityFirstSent</c> is when the delivery first fell due, so a step redelivered after a crash
    /// within ACS's window is answered as already sent instead of paging twice. Past the window ACS would
    /// refuse that first-sent, so the page goes out as a new request (a possible second SMS, never a lost page).
    /// </summary>
    public static SmsRepeatability Repeatability(string? deliveryId, DateTimeOffset? dueAt, string to, string message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(to);
        if (deliveryId is not null && dueAt is { } due && due <= now && now - due < RepeatabilityWindow - RepeatabilityMargin)
        {
            return new SmsRepeatability(RequestId($"{deliveryId}|{to}"), due);
        }
        // Unique to this attempt: only the resilience pipeline's own retries (the same request) share it.
        return new SmsRepeatability(RequestId($"{deliveryId ?? message}|{to}|{now.UtcTicks}"), now);
    }

    /// <summary>A GUID (ACS wants 36 hexadecimal characters) from the SHA-256 of <paramref name="seed"/>, RFC 9562 version 8.</summary>
    private static string RequestId(string seed)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(seed), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString("D");
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
            Str(r["errorMessage"]),
            Str(r["repeatabilityResult"]))).ToArray();
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
