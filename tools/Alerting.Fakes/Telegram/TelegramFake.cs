using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alerting.Fakes.Telegram;

/// <summary>A message the fake delivered to a chat.</summary>
public sealed record TelegramMessage(long MessageId, long ChatId, string Text, string? ParseMode, bool Silent, long? ThreadId);

/// <summary>
/// Telegram cannot run here, so this stands in for the Bot API's <c>sendMessage</c> as documented
/// (core.telegram.org/bots/api#sendmessage and #making-requests): <c>POST /bot{token}/{method}</c> with a
/// JSON body; every answer is <c>{"ok": bool, ...}</c>, failures with <c>error_code</c> and
/// <c>description</c>. An unknown token answers 401 "Unauthorized", an unknown method 404 "Not Found", a
/// chat the bot is not in 400 "Bad Request: chat not found", an empty text 400 "Bad Request: message text is
/// empty", a text over 4096 characters (after entity parsing) 400 "Bad Request: message is too long", an
/// unknown parse_mode 400 "Bad Request: unsupported parse_mode", and HTML that Telegram cannot parse
/// (a tag outside its list, an unclosed or mismatched tag, a bare <c>&amp;</c> or <c>&lt;</c>) 400 "Bad Request:
/// can't parse entities: ...". Booleans and integers may be sent as JSON values or strings, as the Bot API
/// accepts both. <see cref="FailNext"/> answers 429 with <c>parameters.retry_after</c> or 5xx.
/// </summary>
public sealed partial class TelegramFake : IAsyncDisposable
{
    public const string DefaultBotToken = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

    public const long DefaultChatId = -1001234567890;

    private static readonly HashSet<string> HtmlTags = new(StringComparer.Ordinal)
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji",
    };

    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<(string Path, int Status, string Description)> _rejected = new();
    private readonly ConcurrentQueue<TelegramMessage> _messages = new();
    private readonly TransientFailures _failures = new("Telegram");
    private readonly WebApplication _app;
    private readonly string _token;
    private readonly HashSet<long> _chats;
    private int _requests;
    private long _nextId;

    private TelegramFake(WebApplication app, string token, IEnumerable<long> chats)
    {
        _app = app;
        _token = token;
        _chats = [.. chats];
    }

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The value for a telegram_config's <c>api_url</c> (no trailing slash, as Telegram's default).</summary>
    public string ApiUrl => BaseAddress.ToString().TrimEnd('/');

    /// <summary>Accepted requests in arrival order (path without the token, body).</summary>
    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    public IReadOnlyList<(string Path, int Status, string Description)> Rejected => _rejected.ToArray();

    public IReadOnlyList<TelegramMessage> Messages => _messages.ToArray();

    /// <summary>All requests, failed and refused ones included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<TelegramFake> StartAsync(string botToken = DefaultBotToken, IEnumerable<long>? chats = null, int port = 0, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new TelegramFake(app, botToken, chats ?? [DefaultChatId]);
        app.MapPost("/bot{token}/{method}", (HttpContext c, string token, string method) => fake.HandleAsync(c, token, method));
        app.MapGet("/_fake/messages", () => Results.Json(fake.Messages));
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="status"/> (429 or 5xx) without processing them.</summary>
    public void FailNext(int status, int count) => _failures.Arm(status, count);

    private async Task<IResult> HandleAsync(HttpContext ctx, string token, string method)
    {
        Interlocked.Increment(ref _requests);
        var path = "/bot<token>/" + method;
        var fail = _failures.Take();
        if (fail is 429)
        {
            ctx.Response.Headers.RetryAfter = "1";
            return Error(path, 429, "Too Many Requests: retry after 1", new JsonObject { ["retry_after"] = 1 });
        }
        if (fail is { } status)
        {
            return Error(path, status, "Internal Server Error");
        }
        if (token != _token)
        {
            return Error(path, 401, "Unauthorized");
        }
        if (method != "sendMessage")
        {
            return Error(path, 404, "Not Found");
        }
        using var reader = new StreamReader(ctx.Request.Body);
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
        if (body is null || ctx.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return Error(path, 400, "Bad Request: message text is empty");
        }
        if (Integer(body["chat_id"]) is not { } chat)
        {
            return Error(path, 400, "Bad Request: chat_id is empty");
        }
        if (!_chats.Contains(chat))
        {
            return Error(path, 400, "Bad Request: chat not found");
        }
        var message = body["text"] is JsonValue tv && tv.GetValueKind() == JsonValueKind.String ? tv.GetValue<string>() : string.Empty;
        var parseMode = body["parse_mode"] is JsonValue pv && pv.GetValueKind() == JsonValueKind.String ? pv.GetValue<string>() : null;
        if (parseMode is not (null or "" or "HTML" or "Markdown" or "MarkdownV2"))
        {
            return Error(path, 400, "Bad Request: unsupported parse_mode");
        }
        var visible = message;
        if (parseMode == "HTML")
        {
            if (HtmlProblem(message, out visible) is { } problem)
            {
                return Error(path, 400, "Bad Request: can't parse entities: " + problem);
            }
        }
        if (visible.Trim().Length == 0)
        {
            return Error(path, 400, "Bad Request: message text is empty");
        }
        if (visible.EnumerateRunes().Count() > 4096)
        {
            return Error(path, 400, "Bad Request: message is too long");
        }
        foreach (var flag in new[] { "disable_notification", "disable_web_page_preview" })
        {
            if (body[flag] is { } f && Boolean(f) is null)
            {
                return Error(path, 400, $"Bad Request: invalid {flag} value");
            }
        }
        long? thread = body["message_thread_id"] is { } t ? Integer(t) : null;
        var sent = new TelegramMessage(Interlocked.Increment(ref _nextId), chat, message, parseMode, body["disable_notification"] is { } s && Boolean(s) == true, thread);
        _messages.Enqueue(sent);
        _received.Enqueue(new ReceivedRequest(DateTimeOffset.UtcNow, path, body));
        return Results.Json(new JsonObject
        {
            ["ok"] = true,
            ["result"] = new JsonObject
            {
                ["message_id"] = sent.MessageId,
                ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["chat"] = new JsonObject { ["id"] = chat, ["type"] = chat < 0 ? "supergroup" : "private" },
                ["text"] = visible,
            },
        });
    }

    /// <summary>An integer given as a JSON number or a string of digits, as the Bot API takes it.</summary>
    private static long? Integer(JsonNode? n) => n is JsonValue v
        ? v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var l) ? l
        : v.GetValueKind() == JsonValueKind.String && long.TryParse(v.GetValue<string>(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var p) ? p : null
        : null;

    private static bool? Boolean(JsonNode n) => n is JsonValue v
        ? v.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => v.GetValue<string>() switch { "true" => true, "false" => false, _ => null },
            _ => null,
        }
        : null;

    /// <summary>Telegram's HTML rules: only its tags, properly nested, and <c>&lt;</c>, <c>&amp;</c> only as entities; null when valid.</summary>
    private static string? HtmlProblem(string html, out string visible)
    {
        var text = new StringBuilder();
        var open = new Stack<string>();
        visible = string.Empty;
        var i = 0;
        while (i < html.Length)
        {
            var ch = html[i];
            if (ch == '<')
            {
                var end = html.IndexOf('>', i);
                if (end < 0)
                {
                    return $"Unclosed start tag at byte offset {Encoding.UTF8.GetByteCount(html.AsSpan(0, i))}";
                }
                var tag = html[(i + 1)..end];
                var closing = tag.StartsWith('/');
                var name = TagName().Match(closing ? tag[1..] : tag).Value;
                var offset = Encoding.UTF8.GetByteCount(html.AsSpan(0, i));
                if (!HtmlTags.Contains(name))
                {
                    return $"Unsupported {(closing ? "end" : "start")} tag \"{name}\" at byte offset {offset}";
                }
                if (closing)
                {
                    if (open.Count == 0 || open.Pop() != name)
                    {
                        return $"Unexpected end tag at byte offset {offset}";
                    }
                }
                else
                {
                    open.Push(name);
                }
                i = end + 1;
                continue;
            }
            if (ch == '&')
            {
                var m = Entity().Match(html, i);
                if (!m.Success)
                {
                    return $"Can't find end of the entity starting at byte offset {Encoding.UTF8.GetByteCount(html.AsSpan(0, i))}";
                }
                text.Append(WebUtility.HtmlDecode(m.Value));
                i += m.Length;
                continue;
            }
            text.Append(ch);
            i++;
        }
        if (open.Count > 0)
        {
            return $"Can't find end tag corresponding to start tag \"{open.Peek()}\"";
        }
        visible = text.ToString();
        return null;
    }

    private IResult Error(string path, int status, string description, JsonObject? parameters = null)
    {
        _rejected.Enqueue((path, status, description));
        var o = new JsonObject { ["ok"] = false, ["error_code"] = status, ["description"] = description };
        if (parameters is not null)
        {
            o["parameters"] = parameters;
        }
        return Results.Json(o, statusCode: status);
    }

    [GeneratedRegex("^[a-z-]*")]
    private static partial Regex TagName();

    [GeneratedRegex(@"\G&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")]
    private static partial Regex Entity();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
