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
/// Slack cannot exist here, so this stands in for its incoming webhooks (<c>POST /services/...</c>).
/// It accepts only what Slack documents (a JSON object with <c>text</c>, <c>blocks</c> or
/// <c>attachments</c> of the right types) and answers errors the way Slack does: HTTP 400 with a
/// plain-text code such as <c>invalid_payload</c> or <c>no_text</c>. Accepted messages are kept for
/// inspection (<c>GET /_fake/messages</c>) and appended to a JSON-lines log file if one is given.
/// </summary>
public sealed class SlackWebhookFake : IAsyncDisposable
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
    private readonly string? _logFile;

    private SlackWebhookFake(WebApplication app, string? logFile)
    {
        _app = app;
        _logFile = logFile;
    }

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>A webhook URL of the shape Slack hands out.</summary>
    public string WebhookUrl => new Uri(BaseAddress, "services/T0000FAKE/B0000FAKE/XXXXXXXXXXXXXXXXXXXXXXXX").ToString();

    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>How many requests were rejected, so tests can prove we never sent a malformed one.</summary>
    public int Rejected { get; private set; }

    public static async Task<SlackWebhookFake> StartAsync(int port = 0, string? logFile = null, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new SlackWebhookFake(app, logFile);
        app.MapPost("/services/{**rest}", (Func<HttpContext, Task<IResult>>)fake.HandleAsync);
        app.MapGet("/_fake/messages", () => Results.Json(fake.Received));
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    private async Task<IResult> HandleAsync(HttpContext ctx)
    {
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
        Rejected++;
        return Results.Text(code, "text/plain", statusCode: StatusCodes.Status400BadRequest);
    }

    /// <summary>Completes when the process is asked to stop (Ctrl-C, SIGTERM).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
