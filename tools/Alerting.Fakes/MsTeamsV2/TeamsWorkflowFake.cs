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

namespace Alerting.Fakes.MsTeamsV2;

/// <summary>A card the workflow posted to the channel: its TextBlocks' texts and the first one's colour.</summary>
public sealed record TeamsWorkflowCard(IReadOnlyList<string> Texts, string? HeadingColor);

/// <summary>
/// Teams cannot run here, so this stands in for a Teams Workflows webhook ("Post to a channel when a webhook
/// request is received", a Power Automate / Logic Apps request trigger) as Microsoft documents it: a
/// <c>POST</c> to <c>/workflows/{id}/triggers/manual/paths/invoke?api-version=..&amp;sp=..&amp;sv=..&amp;sig=..</c>
/// answers 202 with no body and runs the flow. The trigger refuses, with Logic Apps' <c>{"error": {"code",
/// "message"}}</c>: an unknown workflow (404 WorkflowNotFound), a missing api-version (400
/// MissingApiVersionParameter), a missing or wrong <c>sig</c> (401 DirectApiAuthorizationRequired /
/// DirectApiInvalidAuthorizationSignature), a body that is not JSON (400 InvalidRequestContent) and one
/// outside the template's schema: <c>type</c> "message" and a non-empty <c>attachments</c> array of
/// <c>contentType</c> + <c>content</c> (400 TriggerInputSchemaMismatch). The flow then posts each Adaptive
/// Card; a card Teams would not post (not an AdaptiveCard, a version above 1.5, an element of unknown type,
/// a TextBlock without text, an enum value outside the schema's, a message over 28 KB) makes the run fail
/// after the 202, as in Power Automate: it is listed in <see cref="FailedRuns"/>. Unknown properties are
/// ignored, as Adaptive Cards ignore them. <see cref="FailNext"/> answers 429 (with Retry-After) or 5xx.
/// </summary>
public sealed class TeamsWorkflowFake : IAsyncDisposable
{
    /// <summary>Teams' limit on a message posted to a channel.</summary>
    public const int MaxBytes = 28 * 1024;

    public const string WorkflowId = "4e2a9f3c1b7d4e8a9c0b1d2e3f4a5b6c";

    public const string Signature = "q1Zk3vJ8xT0pW5nR7yL2mB4cD6fH9gA1sE3uI5oK7jM";

    private static readonly HashSet<string> ElementTypes = new(StringComparer.Ordinal)
    {
        "TextBlock", "RichTextBlock", "Image", "ImageSet", "Media", "Container", "ColumnSet", "FactSet", "ActionSet", "Table",
    };

    private static readonly Dictionary<string, string[]> TextBlockEnums = new(StringComparer.Ordinal)
    {
        ["weight"] = ["default", "lighter", "bolder"],
        ["size"] = ["default", "small", "medium", "large", "extralarge"],
        ["color"] = ["default", "dark", "light", "accent", "good", "warning", "attention"],
        ["style"] = ["default", "heading"],
    };

    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<(int Status, string Code, string Message)> _rejected = new();
    private readonly ConcurrentQueue<TeamsWorkflowCard> _cards = new();
    private readonly ConcurrentQueue<string> _failedRuns = new();
    private readonly TransientFailures _failures = new("a workflow trigger");
    private readonly WebApplication _app;
    private int _requests;

    private TeamsWorkflowFake(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The value for an msteamsv2_config's <c>webhook_url</c>, shaped like a workflow's HTTP trigger URL.</summary>
    public string WebhookUrl => $"{BaseAddress}workflows/{WorkflowId}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={Signature}";

    /// <summary>Requests the trigger accepted (202), in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>Requests the trigger refused: status, Logic Apps' error code and message.</summary>
    public IReadOnlyList<(int Status, string Code, string Message)> Rejected => _rejected.ToArray();

    /// <summary>Cards the flow posted to the channel.</summary>
    public IReadOnlyList<TeamsWorkflowCard> Cards => _cards.ToArray();

    /// <summary>Why accepted runs failed to post (the sender saw 202 for them).</summary>
    public IReadOnlyList<string> FailedRuns => _failedRuns.ToArray();

    /// <summary>All requests, failed and refused ones included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<TeamsWorkflowFake> StartAsync(int port = 0, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new TeamsWorkflowFake(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="status"/> (429 or 5xx) without running the flow.</summary>
    public void FailNext(int status, int count) => _failures.Arm(status, count);

    private async Task HandleAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref _requests);
        var fail = _failures.Take();
        if (fail is 429)
        {
            ctx.Response.Headers.RetryAfter = "1";
            await ErrorAsync(ctx, 429, "WorkflowTriggerIsThrottled", "The workflow trigger is throttled. Please retry after some time.").ConfigureAwait(false);
            return;
        }
        if (fail is { } status)
        {
            await ErrorAsync(ctx, status, "ServiceUnavailable", "The service is temporarily unavailable.").ConfigureAwait(false);
            return;
        }
        var expected = $"/workflows/{WorkflowId}/triggers/manual/paths/invoke";
        if (ctx.Request.Path.Value is not { } path || !path.StartsWith("/workflows/", StringComparison.Ordinal) || path != expected)
        {
            await ErrorAsync(ctx, 404, "WorkflowNotFound", $"The workflow '{ctx.Request.Path.Value?.Split('/').ElementAtOrDefault(2)}' could not be found.").ConfigureAwait(false);
            return;
        }
        if (!HttpMethods.IsPost(ctx.Request.Method))
        {
            await ErrorAsync(ctx, 405, "TriggerRequestMethodNotValid", $"The HTTP method for this request is not valid: expected 'Post' and actual '{ctx.Request.Method}'.").ConfigureAwait(false);
            return;
        }
        if (string.IsNullOrEmpty(ctx.Request.Query["api-version"]))
        {
            await ErrorAsync(ctx, 400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.").ConfigureAwait(false);
            return;
        }
        var sig = ctx.Request.Query["sig"].ToString();
        if (sig.Length == 0)
        {
            await ErrorAsync(ctx, 401, "DirectApiAuthorizationRequired", "The request must be authenticated only by Shared Access scheme.").ConfigureAwait(false);
            return;
        }
        if (sig != Signature)
        {
            await ErrorAsync(ctx, 401, "DirectApiInvalidAuthorizationSignature", "The provided callback URL signature is not valid.").ConfigureAwait(false);
            return;
        }
        using var reader = new StreamReader(ctx.Request.Body);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted).ConfigureAwait(false);
        JsonNode? body;
        try
        {
            body = ctx.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true ? JsonNode.Parse(text) : null;
        }
        catch (JsonException e)
        {
            await ErrorAsync(ctx, 400, "InvalidRequestContent", $"The request content is not valid and could not be deserialized: '{e.Message}'.").ConfigureAwait(false);
            return;
        }
        if (body is not JsonObject message)
        {
            await ErrorAsync(ctx, 400, "InvalidRequestContent", "The request content is not valid and could not be deserialized: 'a JSON object was expected'.").ConfigureAwait(false);
            return;
        }
        if (SchemaMismatch(message) is { } mismatch)
        {
            await ErrorAsync(ctx, 400, "TriggerInputSchemaMismatch", $"The input body for trigger 'manual' of type 'Request' did not match its schema definition. Error details: '{mismatch}'.").ConfigureAwait(false);
            return;
        }
        _received.Enqueue(new ReceivedRequest(DateTimeOffset.UtcNow, expected, message));
        // The run posts after the trigger answered; a card Teams refuses fails the run, not the request.
        if (Encoding.UTF8.GetByteCount(text) > MaxBytes)
        {
            _failedRuns.Enqueue($"message size {Encoding.UTF8.GetByteCount(text)} bytes is over Teams' {MaxBytes}");
        }
        else
        {
            foreach (var attachment in message["attachments"]!.AsArray())
            {
                if (CardError(attachment!["content"]) is { } error)
                {
                    _failedRuns.Enqueue(error);
                }
                else
                {
                    var blocks = attachment!["content"]!["body"]!.AsArray().Where(e => e!["type"]!.GetValue<string>() == "TextBlock").ToList();
                    _cards.Enqueue(new TeamsWorkflowCard(blocks.Select(b => b!["text"]!.GetValue<string>()).ToList(), String(blocks.FirstOrDefault()?["color"])));
                }
            }
        }
        ctx.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    private static string? SchemaMismatch(JsonObject message)
    {
        if (String(message["type"]) != "message")
        {
            return "Invalid type. Expected String 'message'. Path 'type'.";
        }
        if (message["attachments"] is not JsonArray { Count: > 0 } attachments)
        {
            return "Required property 'attachments' not found or empty. Path ''.";
        }
        for (var i = 0; i < attachments.Count; i++)
        {
            if (attachments[i] is not JsonObject a || String(a["contentType"]) is null || a["content"] is not JsonObject)
            {
                return $"Required properties are missing from object: contentType, content. Path 'attachments[{i}]'.";
            }
        }
        return null;
    }

    private static string? CardError(JsonNode? content)
    {
        if (content is not JsonObject card || String(card["type"]) != "AdaptiveCard")
        {
            return "the attachment is not an AdaptiveCard";
        }
        if (String(card["version"]) is not { } version || !Version.TryParse(version, out var v) || v > new Version(1, 5))
        {
            return $"unsupported Adaptive Card version '{String(card["version"])}' (Teams supports up to 1.5)";
        }
        if (card["body"] is not JsonArray body)
        {
            return "the card has no body";
        }
        foreach (var element in body)
        {
            var type = String(element?["type"]);
            if (type is null || !ElementTypes.Contains(type))
            {
                return $"unknown element type '{type}'";
            }
            if (type != "TextBlock")
            {
                continue;
            }
            if (String(element!["text"]) is null)
            {
                return "a TextBlock needs a text";
            }
            foreach (var (property, allowed) in TextBlockEnums)
            {
                if (element[property] is { } p && (String(p) is not { } s || !allowed.Contains(s.ToLowerInvariant())))
                {
                    return $"TextBlock {property} '{p.ToJsonString()}' is not one of {string.Join(", ", allowed)}";
                }
            }
            if (element["wrap"] is { } wrap && wrap.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                return "TextBlock wrap must be a boolean";
            }
        }
        return null;
    }

    private static string? String(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private async Task ErrorAsync(HttpContext ctx, int status, string code, string message)
    {
        _rejected.Enqueue((status, code, message));
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        var o = new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };
        await ctx.Response.WriteAsync(o.ToJsonString(), ctx.RequestAborted).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
