using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alerting.Fakes.Acs;

/// <summary>One SMS the fake accepted.</summary>
public sealed record AcsSmsMessage(string From, string To, string Message, bool EnableDeliveryReport, string MessageId, DateTimeOffset ReceivedAt);

/// <summary>
/// Azure Communication Services SMS (REST API 2021-03-07), which cannot run here: <c>POST /sms?api-version=2021-03-07</c>
/// authenticated as ACS documents its HMAC scheme. The fake recomputes the signature from what arrived (method,
/// path and query as sent, <c>x-ms-date</c>, the Host header, and the SHA-256 of the body it read) under the
/// access key and answers 401 <c>{"error":{"code":"Denied","message":"Denied by the resource provider."}}</c> on
/// any mismatch, a missing header, a body hash that does not match the body, or a date more than 15 minutes
/// from its clock. A body that is not the documented shape, a <c>from</c>/<c>to</c> that is not E.164, or a
/// message over ACS's 2048 characters is 400 with ACS's error JSON. Accepted messages answer 202 with one
/// result per recipient and are recorded; <see cref="RejectRecipient"/> makes a number's result
/// <c>successful: false</c> (as carriers' refusals come back), <see cref="FailNext"/> answers 429 (with
/// Retry-After) or 5xx without processing.
/// Repeatable requests as the 2021-03-07 API defines them, per recipient in the body (the HMAC covers them through
/// the body hash): <c>repeatabilityRequestId</c> must be a GUID and <c>repeatabilityFirstSent</c> an IMF-fixdate
/// (else 400); ids are tracked for <see cref="RepeatabilityWindow"/> after their first-sent time, as ACS's
/// repeatable-requests page says. A repeat of a tracked request with the same content is answered with the first
/// send's message id and <c>repeatabilityResult: accepted</c> and is not sent again; a repeat with different
/// content, or a first-sent older than the window, is <c>rejected</c> for that recipient (400, 412).
/// </summary>
public sealed partial class AcsSmsFake : IAsyncDisposable
{
    public const string ApiVersion = "2021-03-07";

    /// <summary>ACS's documented limit on one request's message, in characters.</summary>
    public const int MaxMessageLength = 2048;

    /// <summary>A base64 access key for tests (any 32+ bytes; real keys are 64 bytes).</summary>
    public static readonly string DefaultAccessKey = Convert.ToBase64String(Encoding.ASCII.GetBytes("fake-acs-access-key-0123456789-abcdefghijklmnopqrstuvwxyz-012345"));

    private readonly WebApplication _app;
    private readonly byte[] _key;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly ConcurrentQueue<AcsSmsMessage> _messages = new();
    private readonly ConcurrentQueue<(string Path, int Status, string Body)> _log = new();
    private readonly Dictionary<string, (int Status, string Message)> _rejected = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tracked> _repeatable = new(StringComparer.OrdinalIgnoreCase);
    private int _failStatus;
    private int _failCount;
    private int _repeatsAnswered;

    /// <summary>How long a repeatable request's id is tracked after its first-sent time (ACS: 5 minutes).</summary>
    public static readonly TimeSpan RepeatabilityWindow = TimeSpan.FromMinutes(5);

    private sealed record Tracked(DateTimeOffset FirstSent, string From, string To, string Message, string MessageId);

    private AcsSmsFake(WebApplication app, byte[] key, TimeProvider time)
    {
        _app = app;
        _key = key;
        _time = time;
    }

    public Uri Endpoint { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The connection string the app is given: this endpoint and the fake's access key.</summary>
    public string ConnectionString => $"endpoint={Endpoint};accesskey={Convert.ToBase64String(_key)}";

    /// <summary>Messages accepted for delivery, in arrival order.</summary>
    public IReadOnlyList<AcsSmsMessage> Messages => _messages.ToArray();

    /// <summary>Recipients answered from a tracked repeatable request instead of being sent again.</summary>
    public int RepeatsAnswered => Volatile.Read(ref _repeatsAnswered);

    /// <summary>Every request with the status and body it was answered with.</summary>
    public IReadOnlyList<(string Path, int Status, string Body)> Requests => _log.ToArray();

    public static async Task<AcsSmsFake> StartAsync(string? accessKey = null, TimeProvider? time = null, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new AcsSmsFake(app, Convert.FromBase64String(accessKey ?? DefaultAccessKey), time ?? TimeProvider.System);
        app.MapPost("/sms", (Delegate)fake.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.Endpoint = new Uri(app.Urls.First() + "/");
        return fake;
    }

    /// <summary>Answers sends to <paramref name="number"/> with a per-recipient failure inside the 202.</summary>
    public void RejectRecipient(string number, int status = 400, string message = "Invalid To phone number format.")
    {
        lock (_gate)
        {
            _rejected[number] = (status, message);
        }
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="status"/> (429 or 5xx).</summary>
    public void FailNext(int status, int count)
    {
        if (status != StatusCodes.Status429TooManyRequests && status < 500)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "ACS fails transiently only with 429 or 5xx");
        }
        lock (_gate)
        {
            (_failStatus, _failCount) = (status, count);
        }
    }

    private async Task<IResult> HandleAsync(HttpContext ctx)
    {
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted).ConfigureAwait(false);
        var body = buffer.ToArray();
        var target = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? ctx.Request.Path + ctx.Request.QueryString;
        var (status, answer) = Answer(ctx, target, body);
        if (status == StatusCodes.Status429TooManyRequests)
        {
            ctx.Response.Headers.RetryAfter = "1";
        }
        var text = answer.ToJsonString();
        _log.Enqueue((target, status, text));
        return Results.Content(text, "application/json", statusCode: status);
    }

    private (int, JsonNode) Answer(HttpContext ctx, string target, byte[] body)
    {
        lock (_gate)
        {
            if (_failCount > 0)
            {
                _failCount--;
                return (_failStatus, Error(_failStatus == 429 ? "TooManyRequests" : "InternalServerError",
                    _failStatus == 429 ? "Rate limit exceeded." : "An internal error occurred."));
            }
        }
        if (!Authenticated(ctx, target, body))
        {
            return (StatusCodes.Status401Unauthorized, Error("Denied", "Denied by the resource provider."));
        }
        if (ctx.Request.Query["api-version"].ToString() != ApiVersion)
        {
            return (StatusCodes.Status400BadRequest, Error("BadRequest", $"The api-version '{ctx.Request.Query["api-version"]}' is not supported; use {ApiVersion}."));
        }
        JsonObject? request;
        try
        {
            request = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            request = null;
        }
        if (request is null)
        {
            return (StatusCodes.Status400BadRequest, Error("BadRequest", "The request body is not valid JSON."));
        }
        var from = Str(request["from"]);
        var message = Str(request["message"]);
        if (from is null || message is null || request["smsRecipients"] is not JsonArray recipients || recipients.Count == 0)
        {
            return (StatusCodes.Status400BadRequest, Error("BadRequest", "from, smsRecipients and message are required."));
        }
        if (!E164().IsMatch(from))
        {
            return (StatusCodes.Status400BadRequest, Error("BadRequest", "Invalid From phone number format."));
        }
        if (message.Length > MaxMessageLength)
        {
            return (StatusCodes.Status400BadRequest, Error("BadRequest", $"Message exceeds the maximum length of {MaxMessageLength} characters."));
        }
        var tos = recipients.Select(r => Str(r?["to"])).ToArray();
        if (tos.Any(t => t is null || !E164().IsMatch(t)))
        {
            return (StatusCodes.Status400BadRequest, Error("BadRequest", "Invalid To phone number format."));
        }
        var repeatability = new (string? Id, DateTimeOffset? FirstSent)[recipients.Count];
        for (var i = 0; i < recipients.Count; i++)
        {
            var id = Str(recipients[i]?["repeatabilityRequestId"]);
            var first = Str(recipients[i]?["repeatabilityFirstSent"]);
            if (id is not null && (id.Length != 36 || !Guid.TryParseExact(id, "D", out _)))
            {
                return (StatusCodes.Status400BadRequest, Error("BadRequest", "repeatabilityRequestId must be a GUID of 36 characters."));
            }
            DateTimeOffset? firstSent = null;
            if (first is not null)
            {
                if (!DateTimeOffset.TryParseExact(first, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    return (StatusCodes.Status400BadRequest, Error("BadRequest", "repeatabilityFirstSent must be an IMF-fixdate, e.g. Tue, 26 Mar 2019 16:06:51 GMT."));
                }
                firstSent = parsed;
            }
            repeatability[i] = (id, firstSent);
        }
        var report = request["smsSendOptions"]?["enableDeliveryReport"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
        var results = new JsonArray();
        for (var i = 0; i < tos.Length; i++)
        {
            var to = tos[i];
            if (repeatability[i].Id is { } requestId && Repeat(requestId, repeatability[i].FirstSent, from, to!, message) is { } repeat)
            {
                results.Add(repeat);
                continue;
            }
            (int Status, string Message)? rejected;
            lock (_gate)
            {
                rejected = _rejected.TryGetValue(to!, out var r) ? r : null;
            }
            var id = $"Outgoing_{_time.GetUtcNow():yyyyMMddHHmmss}{Guid.NewGuid():N}_noam";
            if (rejected is { } r2)
            {
                results.Add(new JsonObject { ["to"] = to, ["httpStatusCode"] = r2.Status, ["successful"] = false, ["errorMessage"] = r2.Message });
                continue;
            }
            _messages.Enqueue(new AcsSmsMessage(from, to!, message, report, id, _time.GetUtcNow()));
            if (repeatability[i].Id is { } trackedId)
            {
                lock (_gate)
                {
                    _repeatable[trackedId] = new Tracked(repeatability[i].FirstSent ?? _time.GetUtcNow(), from, to!, message, id);
                }
            }
            results.Add(new JsonObject { ["to"] = to, ["messageId"] = id, ["httpStatusCode"] = 202, ["repeatabilityResult"] = "accepted", ["successful"] = true });
        }
        return (StatusCodes.Status202Accepted, new JsonObject { ["value"] = results });
    }

    /// <summary>
    /// The answer for a recipient whose request id is already tracked or whose first-sent is too old; null when the
    /// request is new and must be sent.
    /// </summary>
    private JsonObject? Repeat(string requestId, DateTimeOffset? firstSent, string from, string to, string message)
    {
        var now = _time.GetUtcNow();
        if (firstSent is { } first && now - first > RepeatabilityWindow)
        {
            return Rejected(to, StatusCodes.Status412PreconditionFailed, "The repeatabilityFirstSent is not within the tracked duration of 5 minutes.");
        }
        lock (_gate)
        {
            foreach (var expired in _repeatable.Where(t => now - t.Value.FirstSent > RepeatabilityWindow).Select(t => t.Key).ToArray())
            {
                _repeatable.Remove(expired);
            }
            if (!_repeatable.TryGetValue(requestId, out var tracked))
            {
                return null;
            }
            if (tracked.FirstSent != (firstSent ?? tracked.FirstSent) || tracked.From != from || tracked.To != to || tracked.Message != message)
            {
                return Rejected(to, StatusCodes.Status400BadRequest, "The repeatable request does not match the request first sent with this repeatabilityRequestId.");
            }
            _repeatsAnswered++;
            return new JsonObject { ["to"] = to, ["messageId"] = tracked.MessageId, ["httpStatusCode"] = 202, ["repeatabilityResult"] = "accepted", ["successful"] = true };
        }
    }

    private static JsonObject Rejected(string to, int status, string message) =>
        new() { ["to"] = to, ["httpStatusCode"] = status, ["repeatabilityResult"] = "rejected", ["successful"] = false, ["errorMessage"] = message };

    /// <summary>ACS's HMAC-SHA256 check, recomputed from the request as it arrived.</summary>
    private bool Authenticated(HttpContext ctx, string target, byte[] body)
    {
        var date = ctx.Request.Headers["x-ms-date"].ToString();
        var hash = ctx.Request.Headers["x-ms-content-sha256"].ToString();
        var auth = AuthorizationPattern().Match(ctx.Request.Headers.Authorization.ToString());
        if (date.Length == 0 || hash.Length == 0 || !auth.Success)
        {
            return false;
        }
        if (!DateTimeOffset.TryParseExact(date, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var sent)
            || (sent - _time.GetUtcNow()).Duration() > TimeSpan.FromMinutes(15))
        {
            return false;
        }
        if (hash != Convert.ToBase64String(SHA256.HashData(body)))
        {
            return false;
        }
        var stringToSign = $"{ctx.Request.Method}\n{target}\n{date};{ctx.Request.Host.Value};{hash}";
        var expected = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(stringToSign));
        byte[] given;
        try
        {
            given = Convert.FromBase64String(auth.Groups[1].Value);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    private static JsonObject Error(string code, string message) => new() { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

    private static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();

    [GeneratedRegex(@"^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=(\S+)$")]
    private static partial Regex AuthorizationPattern();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
