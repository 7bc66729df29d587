using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alerting.Fakes;

/// <summary>
/// Slack cannot exist here, so this stands in for its incoming webhooks (<c>POST /services/...</c>)
/// and, on the same server, the Web API's <c>chat.postMessage</c> and <c>chat.update</c> (see
/// SlackWebhookFake.WebApi.cs). Webhooks accept only what Slack documents (a JSON object with
/// <c>text</c>, <c>blocks</c> or <c>attachments</c> of the right types) and answer errors the way Slack
/// does: HTTP 400 with a plain-text code such as <c>invalid_payload</c> or <c>no_text</c>. Accepted
/// messages are kept for inspection (<c>GET /_fake/messages</c>) and appended to a JSON-lines log file
/// if one is given. <see cref="FailNext"/> throttles (429 + Retry-After) or fails (5xx) the next
/// requests to either API, so callers' retry handling can be exercised.
/// </summary>
public sealed partial class SlackWebhookFake : IAsyncDisposable
{
    private static readonly HashSet<string> TopLevel =
    [
        "text", "blocks", "attachments", "thread_ts", "mrkdwn", "channel", "username", "icon_emoji", "icon_url",
        "link_names", "unfurl_links", "unfurl_media", "parse", "response_type", "replace_original", "delete_original", "metadata",
    ];

    private static readonly HashSet<string> AttachmentKeys =
    [
        "fallback", "color", "pretext", "author_name", "author_link", "author_icon", "title", "title_link", "text", "fields",
        "image_url", "thumb_url", "footer", "footer_icon", "ts", "mrkdwn_in", "callback_id", "actions", "blocks",
    ];

    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly WebApplication _app;
    private readonly SlackFakeOptions _options;
    private readonly string? _logFile;
    private readonly Lock _gate = new();
    private int _rejected;
    private int _requests;
    private int _failStatus;
    private int _failCount;
    private int _failRetryAfter;

    private SlackWebhookFake(WebApplication app, SlackFakeOptions options)
    {
        _app = app;
        _options = options;
        _logFile = options.LogFile;
    }

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>A webhook URL of the shape Slack hands out.</summary>
    public string WebhookUrl => new Uri(BaseAddress, "services/T0000FAKE/B0000FAKE/XXXXXXXXXXXXXXXXXXXXXXXX").ToString();

    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>How many requests were rejected (webhook or Web API), so tests can prove we never sent a malformed one.</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    /// <summary>Every request to the webhook or Web API endpoints, including failed and rejected ones.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static Task<SlackWebhookFake> StartAsync(int port = 0, string? logFile = null, CancellationToken ct = default) =>
        StartAsync(new SlackFakeOptions { Port = port, LogFile = logFile }, ct);

    public static async Task<SlackWebhookFake> StartAsync(SlackFakeOptions options, CancellationToken ct = default)
    {
        // A token Slack would never issue to a bot makes every Web API test fail for the wrong reason.
        if (!options.BotToken.StartsWith("xoxb-", StringComparison.Ordinal))
        {
            throw new ArgumentException("The bot token must start with xoxb-, as Slack's bot tokens do", nameof(options));
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, options.Port));
        var app = builder.Build();
        var fake = new SlackWebhookFake(app, options);
        app.MapPost("/services/{**rest}", (Func<HttpContext, Task<IResult>>)fake.HandleAsync);
        app.MapGet("/_fake/messages", () => Results.Json(fake.Received));
        fake.MapWebApi(app);
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    /// <summary>
    /// Answers the next <paramref name="count"/> requests to either API with <paramref name="status"/>
    /// (429 or 5xx) without processing them. A 429 carries <c>Retry-After: <paramref name="retryAfterSeconds"/></c>,
    /// as Slack's rate limiting does.
    /// </summary>
    public void FailNext(int status, int count, int retryAfterSeconds = 1)
    {
        if (status != StatusCodes.Status429TooManyRequests && status is < 500 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "Slack fails transiently only with 429 or 5xx");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(retryAfterSeconds);
        lock (_gate)
        {
            _failStatus = status;
            _failCount = count;
            _failRetryAfter = retryAfterSeconds;
        }
    }

    /// <summary>Counts the request and returns the failure it must get, if one was asked for.</summary>
    private (int Status, int RetryAfter)? NextFailure()
    {
        Interlocked.Increment(ref _requests);
        lock (_gate)
        {
            if (_failCount == 0)
            {
                return null;
            }
            _failCount--;
            return (_failStatus, _failRetryAfter);
        }
    }

    private async Task<IResult> HandleAsync(HttpContext ctx)
    {
        if (NextFailure() is { } fail)
        {
            // Slack's incoming webhooks answer throttling and outages with a plain-text body.
            return fail.Status == StatusCodes.Status429TooManyRequests
                ? new RetryAfterResult(Results.Text("rate_limited", "text/plain", statusCode: fail.Status), fail.RetryAfter)
                : Results.Text("internal_error", "text/plain", statusCode: fail.Status);
        }
        if (ctx.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return Reject("invalid_payload");
        }
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return Reject("invalid_payload");
        }
        var problem = Validate(body);
        if (problem is not null)
        {
            return Reject(problem);
        }
        var received = new ReceivedRequest(DateTimeOffset.UtcNow, ctx.Request.Path, body!);
        _received.Enqueue(received);
        if (_logFile is not null)
        {
            await File.AppendAllTextAsync(_logFile, JsonSerializer.Serialize(received) + "\n", ctx.RequestAborted).ConfigureAwait(false);
        }
        return Results.Text("ok", "text/html");
    }

    /// <summary>Returns Slack's error code for a payload it would refuse, or null when it is acceptable.</summary>
    public static string? Validate(JsonNode? body)
    {
        if (body is not JsonObject obj)
        {
            return "invalid_payload";
        }
        foreach (var (key, value) in obj)
        {
            if (!TopLevel.Contains(key))
            {
                return "invalid_payload";
            }
            if (key is "text" or "channel" or "username" or "icon_emoji" or "icon_url" or "thread_ts" && !IsString(value))
            {
                return "invalid_payload";
            }
        }
        var hasText = obj["text"] is JsonValue t && t.GetValue<string>().Length > 0;
        var blocks = obj["blocks"];
        var attachments = obj["attachments"];
        if (blocks is not null && (blocks is not JsonArray ba || ba.Any(b => b is not JsonObject bo || bo["type"] is not JsonValue)))
        {
            return "invalid_blocks";
        }
        if (attachments is not null)
        {
            if (attachments is not JsonArray aa)
            {
                return "invalid_attachments";
            }
            foreach (var a in aa)
            {
                if (a is not JsonObject ao || ao.Any(p => !AttachmentKeys.Contains(p.Key)))
                {
                    return "invalid_attachments";
                }
                if (ao["mrkdwn_in"] is { } m && m is not JsonArray)
                {
                    return "invalid_attachments";
                }
            }
        }
        var hasContent = hasText || (blocks is JsonArray { Count: > 0 }) || (attachments is JsonArray { Count: > 0 });
        return hasContent ? null : "no_text";
    }

    private static bool IsString(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String;

    private IResult Reject(string code)
    {
        Interlocked.Increment(ref _rejected);
        return Results.Text(code, "text/plain", statusCode: StatusCodes.Status400BadRequest);
    }

    /// <summary>Completes when the process is asked to stop (Ctrl-C, SIGTERM).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);

    private sealed class RetryAfterResult(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
