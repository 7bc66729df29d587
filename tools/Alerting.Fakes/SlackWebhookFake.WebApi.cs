using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alerting.Core.Notify.Slack;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

using Alerting.Fakes.Validation;
namespace Alerting.Fakes;

/// <summary>
/// Slack's Web API methods <c>chat.postMessage</c> and <c>chat.update</c>, checked as strictly as Slack
/// documents them: a bot token in <c>Authorization: Bearer</c>, a JSON body, and the message content
/// checked by Core's <see cref="SlackPayloadValidator"/> (the product's single definition of Block Kit's
/// rules). Errors are answered as Slack answers them: HTTP 200 with <c>{"ok":false,"error":...}</c>.
/// Every message keeps its revisions (<see cref="ChatMessages"/>, <c>GET /_fake/chat</c>).
/// </summary>
public sealed partial class SlackWebhookFake
{
    private const string BotUserId = "U0000FAKEBOT";
    private const string BotId = "B0000FAKEBOT";
    private const string AppId = "A0000FAKEAPP";

    private readonly List<ChatState> _chat = [];
    private long _lastTsMicros;

    /// <summary>Base URL of the Web API, as <c>https://slack.com/api/</c> is for the real one.</summary>
    public string WebApiUrl => new Uri(BaseAddress, "api/").ToString();

    /// <summary>The bot token the Web API accepts.</summary>
    public string BotToken => _options.BotToken;

    /// <summary>Messages posted through the Web API, in the order they were posted, with their current content and history.</summary>
    public IReadOnlyList<SlackChatMessage> ChatMessages
    {
        get
        {
            lock (_gate)
            {
                // Clones, so callers never share JSON nodes with requests still being applied.
                return _chat.Select(m => m.Snapshot()).ToArray();
            }
        }
    }

    /// <summary>Web API calls refused with <c>ok:false</c>: the method and Slack's error code, in arrival order.</summary>
    public IReadOnlyList<(string Method, string Error)> ChatErrors
    {
        get
        {
            lock (_gate)
            {
                return _chatErrors.ToArray();
            }
        }
    }

    private readonly List<(string Method, string Error)> _chatErrors = [];
    private int _dropPosts;

    /// <summary>
    /// The next <paramref name="count"/> accepted <c>chat.postMessage</c> calls post their message, then the
    /// connection is dropped before the answer: the caller cannot know the message went out.
    /// </summary>
    public void DropAfterPosting(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            _dropPosts = count;
        }
    }

    private void MapWebApi(WebApplication app)
    {
        // Typed as returning Task<IResult> so the result is written; a plain lambda would bind as a RequestDelegate and drop it.
        app.MapPost("/api/chat.postMessage", (Func<HttpContext, Task<IResult>>)(ctx => ChatAsync(ctx, SlackEndpoint.PostMessage)));
        app.MapPost("/api/chat.update", (Func<HttpContext, Task<IResult>>)(ctx => ChatAsync(ctx, SlackEndpoint.Update)));
        // Slack's read methods take GET with query arguments as well as a POSTed form or JSON body.
        app.MapMethods("/api/conversations.history", ["GET", "POST"], (Func<HttpContext, Task<IResult>>)HistoryAsync);
        app.MapGet("/_fake/chat", () => Results.Json(ChatMessages));
    }

    private async Task<IResult> ChatAsync(HttpContext ctx, SlackEndpoint endpoint)
    {
        var method = endpoint == SlackEndpoint.PostMessage ? "chat.postMessage" : "chat.update";
        if (NextFailure() is { } fail)
        {
            return WebApiFailure(fail);
        }

        if (AuthError(ctx) is { } authError)
        {
            return ChatError(method, authError);
        }

        // Slack would read any other content type as form fields and never see the JSON we meant to send,
        // so the call could not do what was intended; the fake refuses it outright.
        if (!MediaTypeHeaderValue.TryParse(ctx.Request.ContentType, out var contentType) ||
            !string.Equals(contentType.MediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            return ChatError(method, "invalid_arguments", [$"[ERROR] Content-Type must be application/json, not '{ctx.Request.ContentType}'"]);
        }

        using var reader = new StreamReader(ctx.Request.Body);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted).ConfigureAwait(false);
        var verdict = SlackPayloadValidator.Validate(text, endpoint);
        if (!verdict.Ok)
        {
            lock (_gate)
            {
                _chatErrors.Add((method, verdict.Error!));
            }
            Interlocked.Increment(ref _rejected);
            return Results.Json(verdict.ToWebApiResponse());
        }

        var body = JsonNode.Parse(text)!.AsObject();
        var channel = ChannelId(StringOf(body["channel"])!);
        var now = _options.Time.GetUtcNow();
        JsonObject response;
        var drop = false;
        lock (_gate)
        {
            if (endpoint == SlackEndpoint.PostMessage)
            {
                var message = new ChatState(channel, NextTs(now));
                message.Apply(now, method, body, isUpdate: false);
                _chat.Add(message);
                response = new JsonObject { ["ok"] = true, ["channel"] = channel, ["ts"] = message.Ts, ["message"] = message.ToSlackMessage(includeMetadata: false) };
                if (_dropPosts > 0)
                {
                    // The post stands, but the caller never hears so: a crash between Slack's accept and our record.
                    _dropPosts--;
                    drop = true;
                }
            }
            else
            {
                var ts = StringOf(body["ts"]);
                var message = _chat.Find(m => m.Channel == channel && m.Ts == ts);
                if (message is null)
                {
                    _chatErrors.Add((method, "message_not_found"));
                    Interlocked.Increment(ref _rejected);
                    return Results.Json(new JsonObject { ["ok"] = false, ["error"] = "message_not_found" });
                }
                message.Apply(now, method, body, isUpdate: true);
                response = new JsonObject
                {
                    ["ok"] = true,
                    ["channel"] = channel,
                    ["ts"] = message.Ts,
                    ["text"] = message.Text,
                    ["message"] = message.ToSlackMessage(includeMetadata: false),
                };
            }
        }
        if (contentType.CharSet is null)
        {
            // Slack accepts a JSON body without a charset but says so in every answer.
            response["warning"] = "missing_charset";
            response["response_metadata"] = new JsonObject { ["warnings"] = new JsonArray("missing_charset") };
        }
        if (_logFile is not null)
        {
            var received = new ReceivedRequest(now, ctx.Request.Path, body);
            await File.AppendAllTextAsync(_logFile, JsonSerializer.Serialize(received) + "\n", ctx.RequestAborted).ConfigureAwait(false);
        }
        if (drop)
        {
            ctx.Abort();
            return Results.Empty;
        }
        return Results.Json(response);
    }

    /// <summary>Web API throttling is HTTP 429 with Retry-After and Slack's ratelimited body; an outage a 5xx with internal_error.</summary>
    private static IResult WebApiFailure((int Status, int RetryAfter) fail) =>
        fail.Status == StatusCodes.Status429TooManyRequests
            ? new RetryAfterResult(Results.Json(new JsonObject { ["ok"] = false, ["error"] = "ratelimited" }, statusCode: fail.Status), fail.RetryAfter)
            : Results.Json(new JsonObject { ["ok"] = false, ["error"] = "internal_error" }, statusCode: fail.Status);

    /// <summary>Slack checks the token before anything else: no token is not_authed, a wrong one invalid_auth.</summary>
    private string? AuthError(HttpContext ctx)
    {
        var authorization = ctx.Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(authorization))
        {
            return "not_authed";
        }
        return authorization.StartsWith("Bearer ", StringComparison.Ordinal) &&
            CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(authorization["Bearer ".Length..]), Encoding.UTF8.GetBytes(_options.BotToken))
            ? null
            : "invalid_auth";
    }

    private IResult ChatError(string method, string error, IReadOnlyList<string>? messages = null)
    {
        lock (_gate)
        {
            _chatErrors.Add((method, error));
        }
        Interlocked.Increment(ref _rejected);
        return Results.Json(new SlackValidationResult(error, 200, messages ?? []).ToWebApiResponse());
    }

    /// <summary>
    /// A Slack message timestamp (<c>seconds.micros</c>) that is unique and increasing: Slack's ts is the
    /// message's id within a channel, so two posts in the same microsecond still get distinct ones.
    /// </summary>
    private string NextTs(DateTimeOffset now)
    {
        var micros = Math.Max(now.ToUnixTimeMilliseconds() * 1000, _lastTsMicros + 1);
        _lastTsMicros = micros;
        return string.Create(CultureInfo.InvariantCulture, $"{micros / 1_000_000}.{micros % 1_000_000:D6}");
    }

    /// <summary>
    /// The channel id Slack answers with. An id is kept; a name (<c>#alerts</c> or <c>alerts</c>) maps to a
    /// stable made-up id, as Slack resolves names to the channel's id.
    /// </summary>
    public static string ChannelId(string channel)
    {
        if (SlackSendMarker.IsConversationId(channel))
        {
            return channel;
        }
        var name = channel.TrimStart('#');
        return "C" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..10];
    }

    private static string? StringOf(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>A message's mutable state; only touched under the fake's lock.</summary>
    private sealed class ChatState(string channel, string ts)
    {
        private readonly List<SlackChatRevision> _history = [];

        public string Channel { get; } = channel;

        public string Ts { get; } = ts;

        public string? Text { get; private set; }

        public JsonArray? Blocks { get; private set; }

        public JsonArray? Attachments { get; private set; }

        public bool Edited { get; private set; }

        /// <summary>The message metadata of the post (event_type, event_payload), which chat.update leaves alone.</summary>
        public JsonObject? Metadata { get; private set; }

        public void Apply(DateTimeOffset at, string method, JsonObject request, bool isUpdate)
        {
            var text = StringOf(request["text"]);
            var blocks = request["blocks"] as JsonArray;
            var attachments = request["attachments"] as JsonArray;
            if (!isUpdate)
            {
                (Text, Blocks, Attachments) = (text, Clone(blocks), Clone(attachments));
                Metadata = SlackPayloadValidator.Metadata(request)?.DeepClone().AsObject();
            }
            else
            {
                // chat.update as Slack documents it: a field left out keeps its value, except that text
                // without blocks removes the old blocks; an empty array clears blocks or attachments.
                if (text is not null)
                {
                    Text = text;
                }
                if (blocks is not null)
                {
                    Blocks = blocks.Count == 0 ? null : Clone(blocks);
                }
                else if (text is not null)
                {
                    Blocks = null;
                }
                if (attachments is not null)
                {
                    Attachments = attachments.Count == 0 ? null : Clone(attachments);
                }
                // Slack shows "edited" on a text update, not on a blocks update.
                Edited |= blocks is null;
            }
            _history.Add(new SlackChatRevision(at, method, request.DeepClone().AsObject(), Text, Clone(Blocks), Clone(Attachments)));
        }

        /// <param name="includeMetadata">Slack returns a message's metadata only to readers that ask (<c>include_all_metadata</c>).</param>
        public JsonObject ToSlackMessage(bool includeMetadata)
        {
            var message = new JsonObject
            {
                ["type"] = "message",
                ["user"] = BotUserId,
                ["bot_id"] = BotId,
                ["app_id"] = AppId,
                ["text"] = Text ?? string.Empty,
                ["ts"] = Ts,
            };
            if (includeMetadata && Metadata is not null)
            {
                message["metadata"] = Metadata.DeepClone();
            }
            if (Blocks is not null)
            {
                message["blocks"] = Blocks.DeepClone();
            }
            if (Attachments is not null)
            {
                message["attachments"] = Attachments.DeepClone();
            }
            if (Edited)
            {
                message["edited"] = new JsonObject { ["user"] = BotUserId, ["ts"] = _history[^1].At.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + ".000000" };
            }
            return message;
        }

        public SlackChatMessage Snapshot() => new(
            Channel,
            Ts,
            Text,
            Clone(Blocks),
            Clone(Attachments),
            _history.Count - 1,
            _history.Select(r => r with { Request = r.Request.DeepClone().AsObject(), Blocks = Clone(r.Blocks), Attachments = Clone(r.Attachments) }).ToArray());

        private static JsonArray? Clone(JsonArray? a) => a?.DeepClone().AsArray();
    }
}
