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

namespace Alerting.Fakes.Mattermost;

/// <summary>A post the webhook created: its channel, message and how many attachments it carried.</summary>
public sealed record MattermostPost(string Channel, string Message, int Attachments);

/// <summary>
/// Mattermost cannot run here, so this stands in for one incoming webhook as Mattermost documents it
/// (developers.mattermost.com/integrate/webhooks/incoming): <c>POST /hooks/{id}</c> with a JSON body answers
/// 200 <c>text/plain</c> "ok" and posts to the webhook's channel, or to <c>channel</c> (a name, with or without
/// <c>#</c>, or <c>@user</c> for a direct message); a text over 16383 characters is split into consecutive
/// posts. It refuses with Mattermost's AppError body (<c>id</c>, <c>message</c>, <c>status_code</c>): an unknown
/// hook (404), a body that is not JSON (400 "Unable to parse incoming data"), neither text nor attachments
/// (400 "No text specified"), an unknown channel (404 "Couldn't find the channel"), a <c>type</c> not starting
/// with <c>custom_</c> (400 "Invalid type"), a priority other than urgent, important or standard (400).
/// <see cref="FailNext"/> answers 429 or 5xx.
/// </summary>
public sealed class MattermostWebhookFake : IAsyncDisposable
{
    /// <summary>Mattermost's limit on one post's message (from server 5.0).</summary>
    public const int MaxPostRunes = 16383;

    public const string HookId = "xq4m9ewbd7rk3nfa8zt5yhgc1o";

    public const string DefaultChannel = "town-square";

    private static readonly HashSet<string> Channels = new(StringComparer.Ordinal) { DefaultChannel, "alerts", "ops-oncall" };

    // Mattermost's server (Go) writes apostrophes in messages unescaped.
    private static readonly JsonSerializerOptions GoJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<(int Status, string Body)> _rejected = new();
    private readonly ConcurrentQueue<MattermostPost> _posts = new();
    private readonly TransientFailures _failures = new("Mattermost");
    private readonly WebApplication _app;
    private int _requests;

    private MattermostWebhookFake(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The value for a mattermost_config's <c>webhook_url</c>.</summary>
    public string WebhookUrl => new Uri(BaseAddress, $"hooks/{HookId}").ToString();

    /// <summary>Requests the webhook accepted, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>Posts created, in order (a long text makes several).</summary>
    public IReadOnlyList<MattermostPost> Posts => _posts.ToArray();

    /// <summary>Refused requests: status and Mattermost's error body.</summary>
    public IReadOnlyList<(int Status, string Body)> Rejected => _rejected.ToArray();

    /// <summary>All requests, failed and refused ones included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<MattermostWebhookFake> StartAsync(int port = 0, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new MattermostWebhookFake(app);
        app.MapPost("/hooks/{id}", (HttpContext c, string id) => fake.HandleAsync(c, id));
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="status"/> (429 or 5xx) without posting.</summary>
    public void FailNext(int status, int count) => _failures.Arm(status, count);

    private async Task<IResult> HandleAsync(HttpContext ctx, string id)
    {
        Interlocked.Increment(ref _requests);
        var fail = _failures.Take();
        if (fail is 429)
        {
            ctx.Response.Headers.RetryAfter = "1";
            return Error(429, "api.context.rate_limit.app_error", "Too many requests. Please try again later.");
        }
        if (fail is { } status)
        {
            return Error(status, "app.post.save.app_error", "Unable to save the Post.");
        }
        var mediaType = ctx.Request.ContentType ?? "application/json";
        if (id != HookId)
        {
            return Error(404, "web.incoming_webhook.invalid.app_error", $"Failed to handle the payload of media type {mediaType} for incoming webhook {id}");
        }
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted).ConfigureAwait(false);
        JsonObject? body;
        try
        {
            body = mediaType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ? JsonNode.Parse(text) as JsonObject : null;
        }
        catch (JsonException)
        {
            body = null;
        }
        if (body is null)
        {
            return Error(400, "api.webhook.incoming.parse.app_error", "Unable to parse incoming data");
        }
        var message = Str(body["text"]) ?? string.Empty;
        var attachments = body["attachments"] as JsonArray ?? [];
        if (message.Length == 0 && attachments.Count == 0)
        {
            return Error(400, "web.incoming_webhook.text.app_error", "No text specified");
        }
        var channel = (Str(body["channel"]) ?? DefaultChannel).TrimStart('#');
        if (!channel.StartsWith('@') && !Channels.Contains(channel))
        {
            return Error(404, "web.incoming_webhook.channel.app_error", "Couldn't find the channel");
        }
        if (Str(body["type"]) is { Length: > 0 } type && !type.StartsWith("custom_", StringComparison.Ordinal))
        {
            return Error(400, "model.post.is_valid.type.app_error", "Invalid type.");
        }
        if (body["priority"] is JsonObject priority && Str(priority["priority"]) is not ("urgent" or "important" or "standard" or ""))
        {
            return Error(400, "app.post.priority.invalid", "Invalid post priority.");
        }
        _received.Enqueue(new ReceivedRequest(DateTimeOffset.UtcNow, ctx.Request.Path, body));
        var runes = message.EnumerateRunes().ToList();
        for (var i = 0; i == 0 || i < runes.Count; i += MaxPostRunes)
        {
            var part = string.Concat(runes.Skip(i).Take(MaxPostRunes).Select(r => r.ToString()));
            _posts.Enqueue(new MattermostPost(channel, part, i == 0 ? attachments.Count : 0));
        }
        return Results.Text("ok", "text/plain", Encoding.UTF8, 200);
    }

    private static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private IResult Error(int status, string id, string message)
    {
        var json = new JsonObject { ["id"] = id, ["message"] = message, ["detailed_error"] = string.Empty, ["request_id"] = "8u1f5kq3wjbyzc7x9hn4md6pea", ["status_code"] = status }.ToJsonString(GoJson);
        _rejected.Enqueue((status, json));
        return Results.Content(json, "application/json", Encoding.UTF8, status);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
