using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alerting.Fakes.Webex;

/// <summary>
/// Webex cannot run here, so this stands in for the Messages API as developer.webex.com documents
/// "Create a Message": <c>POST /v1/messages</c> with <c>Authorization: Bearer {token}</c> and a JSON object
/// answers 200 with the created message (<c>id</c>, <c>roomId</c>, <c>roomType</c>, <c>markdown</c>,
/// <c>text</c>, <c>personEmail</c>, <c>created</c>). Refused, with Webex's error body
/// (<c>message</c>, <c>errors[].description</c>, <c>trackingId</c>): a missing or wrong token (401); a
/// body that is not a JSON object, a destination other than exactly one of <c>roomId</c>,
/// <c>toPersonId</c>, <c>toPersonEmail</c>, no <c>text</c>/<c>markdown</c>/<c>files</c>, a string field
/// of the wrong type, or a text or markdown over 7439 bytes (400); a room the bot is not in (404).
/// <see cref="FailNext"/> answers 429 (with Retry-After) or 5xx.
/// </summary>
public sealed class WebexFake : IAsyncDisposable
{
    public const string BotToken = "NWJhYzA4ZDktYzk3Ni00YmE2LWI4NjMtNGRmYjM2ZjU0ZWQyOWQ0NjA0ZDUtYzA3_PF84";
    public const string RoomId = "Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQtNDNmMS0zYjU4LTkxNDctZjE0YmIwYzRkMTU0";
    public const int MaxMessageBytes = 7439;

    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<(int Status, string Message)> _rejected = new();
    private readonly TransientFailures _failures = new("Webex");
    private readonly WebApplication _app;
    private int _requests;

    private WebexFake(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The value for <c>api_url</c> (or <c>global.webex_api_url</c>).</summary>
    public string ApiUrl => new Uri(BaseAddress, "v1/messages").ToString();

    /// <summary>Messages created, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>Refused requests: status and Webex's error body.</summary>
    public IReadOnlyList<(int Status, string Message)> Rejected => _rejected.ToArray();

    /// <summary>All requests, failed and refused ones included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<WebexFake> StartAsync(int port = 0, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new WebexFake(app);
        // A Func, not a RequestDelegate, so the returned IResult is written.
        Func<HttpContext, Task<IResult>> handler = fake.HandleAsync;
        app.MapPost("/v1/messages", handler);
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="status"/> (429 or 5xx) without creating a message.</summary>
    public void FailNext(int status, int count) => _failures.Arm(status, count);

    private async Task<IResult> HandleAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref _requests);
        var fail = _failures.Take();
        if (fail is 429)
        {
            ctx.Response.Headers.RetryAfter = "1";
            return Error(429, "Too Many Requests");
        }
        if (fail is { } status)
        {
            return Error(status, "Service Unavailable");
        }
        if (ctx.Request.Headers.Authorization.ToString() != "Bearer " + BotToken)
        {
            return Error(401, "The request requires a valid access token set in the Authorization request header.");
        }
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted).ConfigureAwait(false);
        JsonObject? body;
        try
        {
            body = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            body = null;
        }
        if (body is null)
        {
            return Error(400, "Unable to parse the request body as a JSON object.");
        }
        foreach (var key in new[] { "roomId", "toPersonId", "toPersonEmail", "parentId", "text", "markdown" })
        {
            if (body[key] is { } v && (v is not JsonValue jv || jv.GetValueKind() != JsonValueKind.String))
            {
                return Error(400, $"Invalid value for field '{key}': expected a string.");
            }
        }
        var destinations = new[] { "roomId", "toPersonId", "toPersonEmail" }.Count(k => !string.IsNullOrEmpty(Str(body[k])));
        if (destinations != 1)
        {
            return Error(400, "Exactly one of roomId, toPersonId or toPersonEmail must be specified.");
        }
        var markdown = Str(body["markdown"]) ?? string.Empty;
        var plain = Str(body["text"]) ?? string.Empty;
        if (markdown.Length == 0 && plain.Length == 0 && body["files"] is null)
        {
            return Error(400, "Message must contain text, markdown or files.");
        }
        if (Encoding.UTF8.GetByteCount(markdown) > MaxMessageBytes || Encoding.UTF8.GetByteCount(plain) > MaxMessageBytes)
        {
            return Error(400, $"Message length exceeds the maximum of {MaxMessageBytes} bytes.");
        }
        var roomId = Str(body["roomId"]);
        if (roomId is not null && roomId != RoomId)
        {
            return Error(404, "Could not find a room with provided ID.");
        }
        _received.Enqueue(new ReceivedRequest(DateTimeOffset.UtcNow, ctx.Request.Path, body));
        return Results.Json(new JsonObject
        {
            ["id"] = Convert.ToBase64String(Guid.NewGuid().ToByteArray()),
            ["roomId"] = roomId,
            ["roomType"] = "group",
            ["text"] = plain.Length > 0 ? plain : markdown,
            ["markdown"] = markdown.Length > 0 ? markdown : null,
            ["personEmail"] = "alerts-bot@webex.bot",
            ["created"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    private static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private IResult Error(int status, string message)
    {
        var json = new JsonObject
        {
            ["message"] = message,
            ["errors"] = new JsonArray(new JsonObject { ["description"] = message }),
            ["trackingId"] = "ROUTER_" + Guid.NewGuid().ToString("N").ToUpperInvariant(),
        }.ToJsonString();
        _rejected.Enqueue((status, json));
        return Results.Content(json, "application/json", Encoding.UTF8, status);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
