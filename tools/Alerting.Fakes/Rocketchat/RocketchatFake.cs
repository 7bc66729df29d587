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

namespace Alerting.Fakes.Rocketchat;

/// <summary>
/// Rocket.Chat cannot run here, so this stands in for its REST API's <c>chat.postMessage</c> as Rocket.Chat
/// documents it (developer.rocket.chat, "Post Message"): <c>POST /api/v1/chat.postMessage</c> authenticated by
/// a personal access token in <c>X-Auth-Token</c> and the user's id in <c>X-User-Id</c>, a JSON body naming a
/// <c>channel</c> (<c>#room</c> or <c>@user</c>) or <c>roomId</c>; it answers 200 <c>{"success": true, ...}</c>.
/// It refuses a missing or wrong token (401 "You must be logged in to do this."), a body that is not JSON,
/// no channel, an unknown channel, more than one attachment field set not as a list, as Rocket.Chat does
/// (400 with <c>"success": false</c> and an <c>error</c>). <see cref="FailNext"/> answers 429 or 5xx.
/// </summary>
public sealed class RocketchatFake : IAsyncDisposable
{
    public const string UserId = "5fb5f7iw8tfrfcwss";
    public const string Token = "9HqLlyZOugoStsXCUfD_0YdwnNnunAJF8V47U3QHXSq";

    private static readonly HashSet<string> Rooms = new(StringComparer.Ordinal) { "#general", "#alerts", "@oncall" };

    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<(int Status, string Body)> _rejected = new();
    private readonly TransientFailures _failures = new("Rocket.Chat");
    private readonly WebApplication _app;
    private int _requests;

    private RocketchatFake(WebApplication app) => _app = app;

    /// <summary>The value for a rocketchat_config's <c>api_url</c>.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Messages posted, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>Refused requests: status and Rocket.Chat's error body.</summary>
    public IReadOnlyList<(int Status, string Body)> Rejected => _rejected.ToArray();

    /// <summary>All requests, failed and refused ones included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<RocketchatFake> StartAsync(int port = 0, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new RocketchatFake(app);
        app.MapPost("/api/v1/chat.postMessage", (Delegate)(Func<HttpContext, Task<IResult>>)fake.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="status"/> (429 or 5xx) without posting.</summary>
    public void FailNext(int status, int count) => _failures.Arm(status, count);

    private async Task<IResult> HandleAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref _requests);
        var fail = _failures.Take();
        if (fail is 429)
        {
            ctx.Response.Headers.RetryAfter = "1";
            return Error(429, new JsonObject { ["success"] = false, ["error"] = "Error, too many requests. Please slow down. You must wait 1 seconds before trying this endpoint again. [error-too-many-requests]" });
        }
        if (fail is { } status)
        {
            return Error(status, new JsonObject { ["success"] = false, ["error"] = "Internal server error" });
        }
        if (ctx.Request.Headers["X-Auth-Token"].ToString() != Token || ctx.Request.Headers["X-User-Id"].ToString() != UserId)
        {
            return Error(401, new JsonObject { ["status"] = "error", ["message"] = "You must be logged in to do this." });
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
            return Error(400, new JsonObject { ["success"] = false, ["error"] = "Invalid JSON body" });
        }
        var channel = body["channel"] is JsonValue c && c.TryGetValue<string>(out var s) ? s : null;
        if (channel is null && body["roomId"] is null)
        {
            return Error(400, new JsonObject { ["success"] = false, ["error"] = "The 'roomId' or 'channel' param is required [error-invalid-params]", ["errorType"] = "error-invalid-params" });
        }
        if (channel is not null && !Rooms.Contains(channel))
        {
            return Error(400, new JsonObject { ["success"] = false, ["error"] = "[invalid-channel]", ["errorType"] = "invalid-channel" });
        }
        if (body["attachments"] is { } attachments && (attachments is not JsonArray list || list.Any(a => a is not JsonObject o || (o["fields"] is { } f && f is not JsonArray))))
        {
            return Error(400, new JsonObject { ["success"] = false, ["error"] = "Match error: Failed Match.OneOf, Match.Maybe or Match.Optional validation in field attachments", ["errorType"] = "error-invalid-params" });
        }
        _received.Enqueue(new ReceivedRequest(DateTimeOffset.UtcNow, ctx.Request.Path, body));
        var answer = new JsonObject { ["ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ["channel"] = channel, ["message"] = body.DeepClone(), ["success"] = true };
        return Results.Content(answer.ToJsonString(), "application/json", Encoding.UTF8, 200);
    }

    private IResult Error(int status, JsonObject body)
    {
        var json = body.ToJsonString();
        _rejected.Enqueue((status, json));
        return Results.Content(json, "application/json", Encoding.UTF8, status);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
