using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alerting.Fakes.WeChat;

/// <summary>An application message the fake delivered: its type, content and the recipients WeChat accepted.</summary>
public sealed record WeChatMessage(long MsgId, string Type, string Content, long AgentId, IReadOnlyList<string> Users, IReadOnlyList<string> Parties, IReadOnlyList<string> Tags);

/// <summary>
/// WeChat Work cannot run here, so this stands in for the two calls Alertmanager makes, as documented
/// (developer.work.weixin.qq.com: "获取access_token", "发送应用消息", "全局错误码"). Every answer is HTTP 200
/// with <c>errcode</c>/<c>errmsg</c>. <c>GET /cgi-bin/gettoken?corpid&amp;corpsecret</c> issues a 7200 s token
/// (41002 corpid missing, 40013 invalid corpid, 41004 corpsecret missing, 40001 invalid secret).
/// <c>POST /cgi-bin/message/send?access_token</c>: 41001 token missing, 40014 invalid, 42001 expired; 47001
/// for a body that is not a JSON object; 40008 for a msgtype other than text/markdown (the two Alertmanager
/// sends); 41011 agentid missing, 40056 one that is not the application's; 44004 empty content; 81013 when
/// touser/toparty/totag name nobody the application may reach ("@all" reaches everyone), otherwise the
/// unknown ones come back in <c>invaliduser</c>/<c>invalidparty</c>/<c>invalidtag</c>. Content longer than
/// 2048 bytes is cut there, as WeChat does. <see cref="FailNext"/> answers 5xx (a gateway failure) or a
/// WeChat errcode such as -1 (system busy) or 45009 (rate limit).
/// </summary>
public sealed class WeChatFake : IAsyncDisposable
{
    public const string DefaultCorpId = "ww5f3c7e2a91b0d4c8";

    public const string DefaultSecret = "Z2xvYmFsLXNlY3JldC1mb3ItdGhlLWFwcA-wechat";

    public const long DefaultAgentId = 1000002;

    /// <summary>WeChat cuts text and markdown content at 2048 bytes.</summary>
    public const int MaxContentBytes = 2048;

    private static readonly TimeSpan TokenLifetime = TimeSpan.FromSeconds(7200);

    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<(string Corpid, string Corpsecret)> _tokenRequests = new();
    private readonly ConcurrentQueue<(string Path, int ErrCode, string ErrMsg)> _rejected = new();
    private readonly ConcurrentQueue<WeChatMessage> _messages = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly WebApplication _app;
    private readonly string _corpId;
    private readonly string _secret;
    private readonly long _agentId;
    private readonly HashSet<string> _users;
    private readonly HashSet<string> _parties;
    private readonly HashSet<string> _tags;
    private int _failStatus;
    private int _failErrCode;
    private int _failCount;
    private int _requests;
    private long _nextId;
    private string? _current;

    private WeChatFake(WebApplication app, string corpId, string secret, long agentId, IEnumerable<string> users, IEnumerable<string> parties, IEnumerable<string> tags)
    {
        _app = app;
        _corpId = corpId;
        _secret = secret;
        _agentId = agentId;
        _users = new(users, StringComparer.OrdinalIgnoreCase);
        _parties = [.. parties];
        _tags = [.. tags];
    }

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The value for a wechat_config's <c>api_url</c>, as WeChat's own ends in <c>/cgi-bin/</c>.</summary>
    public string ApiUrl => BaseAddress + "cgi-bin/";

    /// <summary>Accepted message/send requests in arrival order (path without the token, body).</summary>
    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>Every gettoken request's corpid and corpsecret, answered or not.</summary>
    public IReadOnlyList<(string Corpid, string Corpsecret)> TokenRequests => _tokenRequests.ToArray();

    public IReadOnlyList<(string Path, int ErrCode, string ErrMsg)> Rejected => _rejected.ToArray();

    public IReadOnlyList<WeChatMessage> Messages => _messages.ToArray();

    /// <summary>All requests, failed and refused ones included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<WeChatFake> StartAsync(
        string corpId = DefaultCorpId,
        string secret = DefaultSecret,
        long agentId = DefaultAgentId,
        IEnumerable<string>? users = null,
        IEnumerable<string>? parties = null,
        IEnumerable<string>? tags = null,
        int port = 0,
        CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new WeChatFake(app, corpId, secret, agentId, users ?? ["ZhangSan", "LiSi"], parties ?? ["1", "2"], tags ?? ["1"]);
        app.MapGet("/cgi-bin/gettoken", (HttpContext c) => fake.GetToken(c));
        app.MapPost("/cgi-bin/message/send", (Func<HttpContext, Task<IResult>>)fake.SendAsync);
        app.MapGet("/_fake/messages", () => Results.Json(fake.Messages));
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    /// <summary>
    /// Answers the next <paramref name="count"/> requests (gettoken or message/send) with HTTP
    /// <paramref name="status"/> (5xx), or with HTTP 200 and <paramref name="errCode"/> when status is 200.
    /// </summary>
    public void FailNext(int count, int status = 502, int errCode = 0)
    {
        if (status != StatusCodes.Status200OK && status < 500)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "WeChat answers its errors with 200; only its gateway fails with 5xx");
        }
        lock (_gate)
        {
            (_failStatus, _failErrCode, _failCount) = (status, errCode, count);
        }
    }

    /// <summary>Makes every token issued so far expire, as 7200 s passing would.</summary>
    public void ExpireTokens()
    {
        foreach (var token in _tokens.Keys)
        {
            _tokens[token] = DateTimeOffset.MinValue;
        }
    }

    private IResult? Failure(string path)
    {
        Interlocked.Increment(ref _requests);
        lock (_gate)
        {
            if (_failCount == 0)
            {
                return null;
            }
            _failCount--;
            if (_failStatus != StatusCodes.Status200OK)
            {
                return Results.Text("<html><body>502 Bad Gateway</body></html>", "text/html", Encoding.UTF8, _failStatus);
            }
            return Error(path, _failErrCode, _failErrCode switch
            {
                -1 => "system busy",
                45009 => "api freq out of limit",
                _ => "error",
            });
        }
    }

    private IResult GetToken(HttpContext ctx)
    {
        const string path = "/cgi-bin/gettoken";
        var corpId = ctx.Request.Query["corpid"].ToString();
        var secret = ctx.Request.Query["corpsecret"].ToString();
        _tokenRequests.Enqueue((corpId, secret));
        if (Failure(path) is { } failure)
        {
            return failure;
        }
        if (corpId.Length == 0)
        {
            return Error(path, 41002, "corpid missing");
        }
        if (corpId != _corpId)
        {
            return Error(path, 40013, "invalid corpid");
        }
        if (secret.Length == 0)
        {
            return Error(path, 41004, "corpsecret missing");
        }
        if (secret != _secret)
        {
            return Error(path, 40001, "invalid credential");
        }
        // Within its lifetime a repeated fetch returns the same token, as WeChat documents.
        string token;
        DateTimeOffset expires;
        lock (_gate)
        {
            if (_current is null || _tokens[_current] <= DateTimeOffset.UtcNow)
            {
                _current = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                _tokens[_current] = DateTimeOffset.UtcNow + TokenLifetime;
            }
            (token, expires) = (_current, _tokens[_current]);
        }
        var left = (int)Math.Max(0, (expires - DateTimeOffset.UtcNow).TotalSeconds);
        return Results.Json(new JsonObject { ["errcode"] = 0, ["errmsg"] = "ok", ["access_token"] = token, ["expires_in"] = left });
    }

    private async Task<IResult> SendAsync(HttpContext ctx)
    {
        const string path = "/cgi-bin/message/send";
        if (Failure(path) is { } failure)
        {
            return failure;
        }
        var token = ctx.Request.Query["access_token"].ToString();
        if (token.Length == 0)
        {
            return Error(path, 41001, "access_token missing");
        }
        if (!_tokens.TryGetValue(token, out var expires))
        {
            return Error(path, 40014, "invalid access_token");
        }
        if (expires <= DateTimeOffset.UtcNow)
        {
            return Error(path, 42001, "access_token expired");
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
        if (body is null)
        {
            return Error(path, 47001, "data format error");
        }
        var type = String(body["msgtype"]);
        if (type is not ("text" or "markdown"))
        {
            return Error(path, type is null ? 41008 : 40008, type is null ? "missing msgtype" : "invalid message type");
        }
        if (body["agentid"] is null)
        {
            return Error(path, 41011, "missing agentid");
        }
        if (Integer(body["agentid"]) != _agentId)
        {
            return Error(path, 40056, "invalid agentid");
        }
        if (body["safe"] is { } safe && Integer(safe) is not (0 or 1))
        {
            return Error(path, 40058, "invalid parameter: safe");
        }
        var content = body[type]?["content"] is JsonValue c && c.GetValueKind() == JsonValueKind.String ? c.GetValue<string>() : string.Empty;
        if (content.Length == 0)
        {
            return Error(path, 44004, "empty content");
        }
        var (users, badUsers) = Split(String(body["touser"]), id => id == "@all" || _users.Contains(id));
        var (parties, badParties) = Split(String(body["toparty"]), _parties.Contains);
        var (tags, badTags) = Split(String(body["totag"]), _tags.Contains);
        if (users.Count + parties.Count + tags.Count == 0)
        {
            return Error(path, 81013, "user & party & tag all invalid");
        }
        _received.Enqueue(new ReceivedRequest(DateTimeOffset.UtcNow, path, body));
        var id = Interlocked.Increment(ref _nextId);
        _messages.Enqueue(new WeChatMessage(id, type, Cut(content), _agentId, users, parties, tags));
        return Results.Json(new JsonObject
        {
            ["errcode"] = 0,
            ["errmsg"] = "ok",
            ["invaliduser"] = string.Join('|', badUsers),
            ["invalidparty"] = string.Join('|', badParties),
            ["invalidtag"] = string.Join('|', badTags),
            ["unlicenseduser"] = string.Empty,
            ["msgid"] = "msg" + id.ToString(CultureInfo.InvariantCulture),
            ["response_code"] = string.Empty,
        });
    }

    private static (List<string> Known, List<string> Unknown) Split(string? ids, Func<string, bool> known)
    {
        var all = (ids ?? string.Empty).Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (all.Where(known).ToList(), all.Where(i => !known(i)).ToList());
    }

    /// <summary>The content as WeChat keeps it: at most 2048 bytes, never half a character.</summary>
    private static string Cut(string content)
    {
        if (Encoding.UTF8.GetByteCount(content) <= MaxContentBytes)
        {
            return content;
        }
        var sb = new StringBuilder();
        var bytes = 0;
        foreach (var rune in content.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > MaxContentBytes)
            {
                break;
            }
            bytes += rune.Utf8SequenceLength;
            sb.Append(rune.ToString());
        }
        return sb.ToString();
    }

    private static string? String(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>WeChat reads numeric fields from JSON numbers or from strings of digits, as Alertmanager sends them.</summary>
    private static long? Integer(JsonNode? n) => n switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.GetValueKind() == JsonValueKind.String && long.TryParse(v.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var l) => l,
        _ => null,
    };

    private IResult Error(string path, int code, string message)
    {
        _rejected.Enqueue((path, code, message));
        // WeChat appends a hint and a link to its error code page to every message.
        var full = $"{message}, hint: [{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}-fake], more info at https://open.work.weixin.qq.com/devtool/query?e={code}";
        return Results.Json(new JsonObject { ["errcode"] = code, ["errmsg"] = full });
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
