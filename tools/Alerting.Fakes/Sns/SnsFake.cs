using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alerting.Fakes.Sns;

/// <summary>A Publish the fake accepted: its form parameters (decoded as UTF-8) and who signed it.</summary>
public sealed record SnsPublish(DateTimeOffset ReceivedAt, string Path, IReadOnlyDictionary<string, string> Parameters, string AccessKeyId, IReadOnlyList<string> SignedHeaders);

/// <summary>
/// Amazon SNS cannot run here, so this stands in for its Query API as the SNS API Reference documents
/// <c>Publish</c> (version 2010-03-31): a form-encoded POST answered with the XML <c>PublishResponse</c>
/// (<c>MessageId</c>, and <c>SequenceNumber</c> for FIFO topics). Every request must be signed with AWS
/// Signature Version 4 as AWS checks it: the signature is recomputed from the method, path, the headers the
/// request names as signed, the body's SHA-256 and the credential scope, with the fake's one secret key.
/// Refused with AWS's XML <c>ErrorResponse</c> (<c>Type</c>, <c>Code</c>, <c>Message</c>, <c>RequestId</c>):
/// no or malformed Authorization (403 MissingAuthenticationToken / IncompleteSignature), an unknown access key
/// (403 InvalidClientTokenId), a wrong signature, scope or a date more than 15 minutes off (403
/// SignatureDoesNotMatch); an action other than Publish (400 InvalidAction); no Message (400 ValidationError);
/// an empty or over-long message, other than exactly one destination, a subject that is not ASCII, has
/// control characters or is 100 characters or longer, a malformed message attribute, a FIFO topic without
/// MessageGroupId (400 InvalidParameter); an unknown topic (404 NotFound). <see cref="FailNext"/> answers
/// SNS's throttling (400 Throttling) or a 5xx.
/// </summary>
public sealed partial class SnsFake : IAsyncDisposable
{
    public const string Region = "us-east-1";
    public const string AccessKeyId = "AKIAIOSFODNN7EXAMPLE";
    public const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    public const string Account = "123456789012";
    public const string TopicArn = "arn:aws:sns:" + Region + ":" + Account + ":alerts";
    public const string FifoTopicArn = "arn:aws:sns:" + Region + ":" + Account + ":alerts.fifo";
    public const string TargetArn = "arn:aws:sns:" + Region + ":" + Account + ":endpoint/APNS/alerting/5e3e9847-3183-3f18-a7e8-671c3a57d4b3";
    public const int MaxMessageBytes = 262144;

    private static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(15);

    private readonly ConcurrentQueue<SnsPublish> _received = new();
    private readonly ConcurrentQueue<(int Status, string Code, string Message)> _rejected = new();
    private readonly Lock _gate = new();
    private readonly WebApplication _app;
    private int _failStatus;
    private int _failCount;
    private int _requests;

    private SnsFake(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The value for <c>api_url</c>.</summary>
    public string ApiUrl => BaseAddress.ToString().TrimEnd('/');

    /// <summary>Accepted Publish requests, in arrival order.</summary>
    public IReadOnlyList<SnsPublish> Received => _received.ToArray();

    /// <summary>Refused requests: status, AWS error code and message.</summary>
    public IReadOnlyList<(int Status, string Code, string Message)> Rejected => _rejected.ToArray();

    /// <summary>All requests, failed and refused ones included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<SnsFake> StartAsync(int port = 0, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new SnsFake(app);
        Func<HttpContext, Task<IResult>> handler = fake.HandleAsync;
        app.MapPost("/", handler);
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    /// <summary>Answers the next <paramref name="count"/> requests with SNS's throttling (400 <c>Throttling</c>, status 400) or a 5xx.</summary>
    public void FailNext(int status, int count)
    {
        if (status != 400 && status < 500)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "fails with 400 (Throttling) or 5xx only");
        }
        lock (_gate)
        {
            (_failStatus, _failCount) = (status, count);
        }
    }

    private async Task<IResult> HandleAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref _requests);
        int? fail = null;
        lock (_gate)
        {
            if (_failCount > 0)
            {
                _failCount--;
                fail = _failStatus;
            }
        }
        if (fail is 400)
        {
            return Error(400, "Sender", "Throttling", "Rate exceeded");
        }
        if (fail is { } status)
        {
            return Error(status, "Receiver", status == 503 ? "ServiceUnavailable" : "InternalError", "Service is unavailable. Please try again later.");
        }
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted).ConfigureAwait(false);
        var body = buffer.ToArray();
        if (Authenticate(ctx.Request, body, out var signed) is { } denied)
        {
            return denied;
        }
        if (!(ctx.Request.ContentType ?? string.Empty).StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return Error(400, "Sender", "MalformedQueryString", "Request body must be application/x-www-form-urlencoded.");
        }
        var form = QueryHelpers.ParseQuery("?" + Encoding.ASCII.GetString(body));
        if (form.Values.Any(v => v.Count > 1))
        {
            return Error(400, "Sender", "MalformedQueryString", "A parameter is given more than once.");
        }
        var p = form.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);
        string? Get(string name) => p.TryGetValue(name, out var v) ? v : null;
        if (Get("Action") != "Publish")
        {
            return Error(400, "Sender", "InvalidAction", $"Could not find operation {Get("Action")} for version {Get("Version")}");
        }
        if (Get("Message") is not { } message)
        {
            return Error(400, "Sender", "ValidationError", "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null");
        }
        if (message.Length == 0)
        {
            return InvalidParameter("Empty message");
        }
        if (Encoding.UTF8.GetByteCount(message) > MaxMessageBytes)
        {
            return InvalidParameter("Message too long");
        }
        string?[] destinations = [Get("TopicArn"), Get("TargetArn"), Get("PhoneNumber")];
        if (destinations.Count(d => !string.IsNullOrEmpty(d)) != 1)
        {
            return InvalidParameter("TopicArn or TargetArn Reason: exactly one of TopicArn, TargetArn or PhoneNumber must be specified");
        }
        if (Get("Subject") is { } subject && !ValidSubject(subject))
        {
            return InvalidParameter("Subject");
        }
        if (ValidateAttributes(p) is { } attributeError)
        {
            return InvalidParameter(attributeError);
        }
        var topic = Get("TopicArn");
        if (!string.IsNullOrEmpty(topic) && topic != TopicArn && topic != FifoTopicArn)
        {
            return Error(404, "Sender", "NotFound", "Topic does not exist");
        }
        if (Get("PhoneNumber") is { Length: > 0 } phone && !PhoneNumber().IsMatch(phone))
        {
            return InvalidParameter("PhoneNumber Reason: " + phone + " is not valid to publish to");
        }
        if (Get("TargetArn") is { Length: > 0 } target && target != TargetArn)
        {
            return InvalidParameter("TargetArn Reason: No endpoint found for the target arn specified");
        }
        var fifo = topic == FifoTopicArn;
        if (fifo && string.IsNullOrEmpty(Get("MessageGroupId")))
        {
            return InvalidParameter("The MessageGroupId parameter is required for FIFO topics");
        }
        if (fifo && string.IsNullOrEmpty(Get("MessageDeduplicationId")))
        {
            return InvalidParameter("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
        }
        _received.Enqueue(new SnsPublish(DateTimeOffset.UtcNow, ctx.Request.Path, p, AccessKeyId, signed));
        var requestId = Guid.NewGuid().ToString();
        var sequence = fifo ? $"<SequenceNumber>{(10000000000000000000m + _received.Count).ToString(CultureInfo.InvariantCulture)}</SequenceNumber>" : string.Empty;
        return Results.Content(
            $"<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\n  <PublishResult>\n    <MessageId>{Guid.NewGuid()}</MessageId>{sequence}\n  </PublishResult>\n  <ResponseMetadata>\n    <RequestId>{requestId}</RequestId>\n  </ResponseMetadata>\n</PublishResponse>\n",
            "text/xml", Encoding.UTF8, 200);
    }

    /// <summary>Checks the request's Signature Version 4 as AWS does; an error answer when it does not hold.</summary>
    private IResult? Authenticate(HttpRequest request, byte[] body, out IReadOnlyList<string> signedHeaders)
    {
        signedHeaders = [];
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            return Error(403, "Sender", "MissingAuthenticationToken", "Request is missing Authentication Token");
        }
        var m = AuthorizationHeader().Match(authorization);
        if (!m.Success)
        {
            return Error(403, "Sender", "IncompleteSignature", $"Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization={authorization}");
        }
        var (keyId, date, region, service) = (m.Groups["key"].Value, m.Groups["date"].Value, m.Groups["region"].Value, m.Groups["service"].Value);
        signedHeaders = m.Groups["signed"].Value.Split(';');
        if (keyId != AccessKeyId)
        {
            return Error(403, "Sender", "InvalidClientTokenId", "The security token included in the request is invalid.");
        }
        var amzDate = request.Headers["X-Amz-Date"].ToString();
        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            return Error(403, "Sender", "IncompleteSignature", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }
        if (!signedHeaders.Contains("host") || !signedHeaders.Contains("x-amz-date"))
        {
            return Error(403, "Sender", "SignatureDoesNotMatch", "'Host' or 'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
        }
        if (region != Region || service != "sns" || date != amzDate[..8])
        {
            return Error(403, "Sender", "SignatureDoesNotMatch", $"Credential should be scoped to a valid region. ");
        }
        var now = DateTimeOffset.UtcNow;
        if ((now - signedAt).Duration() > MaxSkew)
        {
            return Error(403, "Sender", "SignatureDoesNotMatch",
                $"Signature expired: {amzDate} is now earlier than {(now - MaxSkew).ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)} ({now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)} - 15 min.)");
        }
        var canonical = new StringBuilder()
            .Append(request.Method).Append('\n')
            .Append(string.Join('/', (request.PathBase + request.Path).ToUriComponent().Split('/').Select(Uri.EscapeDataString))).Append('\n')
            .Append(CanonicalQuery(request.QueryString.Value)).Append('\n');
        foreach (var name in signedHeaders)
        {
            var value = name == "host" ? request.Host.Value : string.Join(',', request.Headers[name].Select(v => SpaceRuns().Replace((v ?? string.Empty).Trim(), " ")));
            canonical.Append(name).Append(':').Append(value).Append('\n');
        }
        canonical.Append('\n').Append(string.Join(';', signedHeaders)).Append('\n').Append(Convert.ToHexStringLower(SHA256.HashData(body)));
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + SecretAccessKey);
        foreach (var part in new[] { date, region, service, "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(m.Groups["signature"].Value)))
        {
            return Error(403, "Sender", "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        }
        return null;
    }

    private static string CanonicalQuery(string? query)
    {
        if (string.IsNullOrEmpty(query))
        {
            return string.Empty;
        }
        return string.Join('&', QueryHelpers.ParseQuery(query)
            .SelectMany(kv => kv.Value.Select(v => (Key: Uri.EscapeDataString(kv.Key), Value: Uri.EscapeDataString(v ?? string.Empty))))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal).ThenBy(kv => kv.Value, StringComparer.Ordinal)
            .Select(kv => kv.Key + "=" + kv.Value));
    }

    /// <summary>SNS's subject rules: ASCII starting with a letter, digit or punctuation, no line breaks or control characters, under 100 characters.</summary>
    private static bool ValidSubject(string subject) =>
        subject.Length is > 0 and < 100 && subject.All(c => c is >= ' ' and <= '~') && !char.IsWhiteSpace(subject[0]);

    /// <summary>
    /// MessageAttributes.entry.N.{Name,Value.DataType,Value.StringValue}: every entry complete, String values
    /// present; an empty <c>MessageAttributes</c> parameter is an empty map.
    /// </summary>
    private static string? ValidateAttributes(Dictionary<string, string> p)
    {
        var entries = p.Keys.Where(k => k.StartsWith("MessageAttributes.entry.", StringComparison.Ordinal))
            .Select(k => k.Split('.')[2]).Distinct(StringComparer.Ordinal).ToList();
        if (p.TryGetValue("MessageAttributes", out var bare) && bare.Length > 0)
        {
            return "MessageAttributes";
        }
        foreach (var n in entries)
        {
            var prefix = $"MessageAttributes.entry.{n}.";
            if (!p.TryGetValue(prefix + "Name", out var name) || name.Length == 0)
            {
                return "The message attribute name is required";
            }
            if (!p.TryGetValue(prefix + "Value.DataType", out var type) || type.Length == 0)
            {
                return $"The message attribute '{name}' must contain non-empty message attribute type.";
            }
            if (type == "String" && !p.ContainsKey(prefix + "Value.StringValue"))
            {
                return $"The message attribute '{name}' with type 'String' must contain non-empty message attribute value.";
            }
        }
        return null;
    }

    private IResult InvalidParameter(string what) => Error(400, "Sender", "InvalidParameter", "Invalid parameter: " + what);

    private IResult Error(int status, string type, string code, string message)
    {
        _rejected.Enqueue((status, code, message));
        var xml = $"<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\n  <Error>\n    <Type>{type}</Type>\n    <Code>{code}</Code>\n    <Message>{System.Security.SecurityElement.Escape(message)}</Message>\n  </Error>\n  <RequestId>{Guid.NewGuid()}</RequestId>\n</ErrorResponse>\n";
        return Results.Content(xml, "text/xml", Encoding.UTF8, status);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[^/,\s]+)/(?<date>\d{8})/(?<region>[^/,\s]+)/(?<service>[^/,\s]+)/aws4_request,\s*SignedHeaders=(?<signed>[a-z0-9;\-]+),\s*Signature=(?<signature>[0-9a-f]{64})$", RegexOptions.CultureInvariant)]
    private static partial Regex AuthorizationHeader();

    [GeneratedRegex(@"^\+[1-9]\d{1,14}$", RegexOptions.CultureInvariant)]
    private static partial Regex PhoneNumber();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex SpaceRuns();
}
