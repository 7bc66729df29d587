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

namespace Alerting.Fakes.Discord;

/// <summary>
/// Discord cannot run here, so this stands in for one channel webhook as Discord documents "Execute Webhook"
/// (discord.com/developers/docs/resources/webhook): <c>POST /api/webhooks/{id}/{token}</c> with a JSON body
/// answers 204. Another id answers 404 (Unknown Webhook, code 10015), another token 401 (Invalid Webhook
/// Token, 50027); a body that is not a JSON object, or has neither content nor embeds, answers 400 (50006
/// "Cannot send an empty message"); field limits answer 400 (50035 Invalid Form Body): content 2000
/// characters, 10 embeds, an embed's title 256 and description 4096, 6000 over all embeds, colour
/// 0..0xFFFFFF. <see cref="FailNext"/> answers 429 (Discord's rate-limit body and Retry-After) or 5xx.
/// </summary>
public sealed class DiscordWebhookFake : IAsyncDisposable
{
    public const string WebhookId = "1180000000000000001";
    public const string WebhookToken = "kX3n9QhY2bV7tLwR4sJ8pD1fG6zC0aMe5uI-oNyTqBvWxHc_lKjZrEgSdPm";

    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<(int Status, string Message)> _rejected = new();
    private readonly TransientFailures _failures = new("Discord");
    private readonly WebApplication _app;
    private int _requests;

    private DiscordWebhookFake(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The value for a discord_config's <c>webhook_url</c>.</summary>
    public string WebhookUrl => new Uri(BaseAddress, $"api/webhooks/{WebhookId}/{WebhookToken}").ToString();

    /// <summary>Messages posted to the channel, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>Refused requests: status and Discord's error body.</summary>
    public IReadOnlyList<(int Status, string Message)> Rejected => _rejected.ToArray();

    /// <summary>All requests, failed and refused ones included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<DiscordWebhookFake> StartAsync(int port = 0, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new DiscordWebhookFake(app);
        app.MapPost("/api/webhooks/{id}/{token}", (HttpContext c, string id, string token) => fake.HandleAsync(c, id, token));
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="status"/> (429 or 5xx) without posting.</summary>
    public void FailNext(int status, int count) => _failures.Arm(status, count);

    private async Task<IResult> HandleAsync(HttpContext ctx, string id, string token)
    {
        Interlocked.Increment(ref _requests);
        var fail = _failures.Take();
        if (fail is 429)
        {
            ctx.Response.Headers.RetryAfter = "1";
            return Error(429, """{"message": "You are being rate limited.", "retry_after": 0.5, "global": false}""");
        }
        if (fail is { } status)
        {
            return Error(status, """{"message": "500: Internal Server Error", "code": 0}""");
        }
        if (id != WebhookId)
        {
            return Error(404, """{"message": "Unknown Webhook", "code": 10015}""");
        }
        if (token != WebhookToken)
        {
            return Error(401, """{"message": "Invalid Webhook Token", "code": 50027}""");
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
            return Error(400, """{"message": "Cannot send an empty message", "code": 50006}""");
        }
        var content = Str(body["content"]) ?? string.Empty;
        var embeds = body["embeds"] as JsonArray ?? [];
        if (content.Length == 0 && embeds.Count == 0)
        {
            return Error(400, """{"message": "Cannot send an empty message", "code": 50006}""");
        }
        if (Invalid(content, embeds) is { } field)
        {
            return Error(400, $$$$"""{"message": "Invalid Form Body", "code": 50035, "errors": {"{{{{field}}}}": {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": "Must be within the limits."}]}}}""");
        }
        _received.Enqueue(new ReceivedRequest(DateTimeOffset.UtcNow, ctx.Request.Path, body));
        return Results.NoContent();
    }

    /// <summary>The first field over Discord's documented limits, named as Discord names it, or null.</summary>
    private static string? Invalid(string content, JsonArray embeds)
    {
        if (content.Length > 2000)
        {
            return "content";
        }
        if (embeds.Count > 10)
        {
            return "embeds";
        }
        var total = 0;
        for (var i = 0; i < embeds.Count; i++)
        {
            if (embeds[i] is not JsonObject e)
            {
                return $"embeds.{i}";
            }
            var title = Str(e["title"]) ?? string.Empty;
            var description = Str(e["description"]) ?? string.Empty;
            if (title.EnumerateRunes().Count() > 256)
            {
                return $"embeds.{i}.title";
            }
            if (description.EnumerateRunes().Count() > 4096)
            {
                return $"embeds.{i}.description";
            }
            if (e["color"] is JsonValue c && (!c.TryGetValue<long>(out var color) || color < 0 || color > 0xFFFFFF))
            {
                return $"embeds.{i}.color";
            }
            total += title.Length + description.Length;
        }
        return total > 6000 ? "embeds" : null;
    }

    private static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private IResult Error(int status, string json)
    {
        _rejected.Enqueue((status, json));
        return Results.Content(json, "application/json", Encoding.UTF8, status);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
