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

namespace Alerting.Fakes.MsTeams;

/// <summary>
/// Microsoft Teams cannot run here, so this stands in for one channel's incoming webhook (Office 365 connector)
/// as Microsoft documents it (learn.microsoft.com, "Create an Incoming Webhook" and "Message card reference"):
/// a <c>POST</c> of a JSON MessageCard to the webhook's secret URL answers 200 with the body <c>1</c>. A path
/// other than the webhook's answers 404; a body that is not a JSON object answers 400
/// ("Bad payload received by generic incoming webhook."); a card with neither <c>text</c> nor <c>summary</c>
/// answers 400 ("Summary or Text is required."); a body over the documented 28 KB answers 413.
/// <see cref="FailNext"/> answers 429 (Teams' connector throttling) or 5xx without posting.
/// </summary>
public sealed class MsTeamsWebhookFake : IAsyncDisposable
{
    /// <summary>Teams' limit on a connector message.</summary>
    public const int MaxBytes = 28 * 1024;

    /// <summary>The secret part of the webhook URL, shaped like Teams' own.</summary>
    public const string WebhookPath = "/webhookb2/6f1c2b0e-7a41-4f0c-9d1e-2b7c8a9e0f11@72f988bf-86f1-41af-91ab-2d7cd011db47/IncomingWebhook/3c9d4e5f6a7b8c9d/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";

    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<(int Status, string Message)> _rejected = new();
    private readonly TransientFailures _failures = new("Teams");
    private readonly WebApplication _app;
    private int _requests;

    private MsTeamsWebhookFake(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The value for an msteams_config's <c>webhook_url</c>.</summary>
    public string WebhookUrl => new Uri(BaseAddress, WebhookPath).ToString();

    /// <summary>Cards posted to the channel, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>Refused requests: status and Teams' message.</summary>
    public IReadOnlyList<(int Status, string Message)> Rejected => _rejected.ToArray();

    /// <summary>All requests, failed and refused ones included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<MsTeamsWebhookFake> StartAsync(int port = 0, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new MsTeamsWebhookFake(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="status"/> (429 or 5xx) without posting.</summary>
    public void FailNext(int status, int count) => _failures.Arm(status, count);

    private async Task HandleAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref _requests);
        var (status, message) = await AnswerAsync(ctx).ConfigureAwait(false);
        if (status != 200)
        {
            _rejected.Enqueue((status, message));
        }
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        await ctx.Response.WriteAsync(message, ctx.RequestAborted).ConfigureAwait(false);
    }

    private async Task<(int Status, string Message)> AnswerAsync(HttpContext ctx)
    {
        if (_failures.Take() is { } fail)
        {
            return (fail, fail == 429
                ? "Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=msgapi-production-eus-azsc2-4-170,cv=deadbeef.0."
                : "Internal Server Error");
        }
        if (ctx.Request.Path != WebhookPath)
        {
            return (404, "Webhook not found");
        }
        if (!HttpMethods.IsPost(ctx.Request.Method))
        {
            return (405, "Method not allowed");
        }
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted).ConfigureAwait(false);
        if (buffer.Length > MaxBytes)
        {
            return (413, "Microsoft Teams endpoint returned HTTP error 413 with ContextId tcid=0,server=msgapi-production-eus-azsc2-4-170,cv=deadbeef.0.");
        }
        JsonObject? card;
        try
        {
            card = JsonNode.Parse(Encoding.UTF8.GetString(buffer.ToArray())) as JsonObject;
        }
        catch (JsonException)
        {
            card = null;
        }
        if (card is null)
        {
            return (400, "Bad payload received by generic incoming webhook.");
        }
        if (string.IsNullOrEmpty(Text(card, "text")) && string.IsNullOrEmpty(Text(card, "summary")))
        {
            return (400, "Summary or Text is required.");
        }
        _received.Enqueue(new ReceivedRequest(DateTimeOffset.UtcNow, ctx.Request.Path, card));
        return (200, "1");
    }

    private static string? Text(JsonObject card, string key) =>
        card[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
