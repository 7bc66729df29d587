using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alerting.Fakes.OpsGenie;

/// <summary>An OpsGenie alert as the fake tracks it: one open alert per alias.</summary>
public sealed record OpsGenieAlert(string Alias, string Status, string Message, string? Description, string? Priority, int Count);

/// <summary>
/// OpsGenie cannot run here, so this stands in for its Alert API v2 as documented
/// (docs.opsgenie.com/docs/alert-api): <c>POST /v2/alerts</c> (create), <c>POST /v2/alerts/{id}/close</c>,
/// <c>PUT /v2/alerts/{id}/message</c> and <c>/description</c>, the identifier an alias when
/// <c>identifierType=alias</c>. Requests need <c>Authorization: GenieKey &lt;key&gt;</c> with the configured key
/// (else 401) and a JSON body (else 400); the documented field limits are enforced with 422 (message
/// required and at most 130 characters, alias 512, description 15000, source 100, entity 512, note 25000,
/// at most 20 tags and 10 actions of 50 characters, at most 50 responders each with a known type and an
/// id, name or username, priority P1-P5, details a string map of at most 8000 characters). Accepted
/// requests answer 202 with OpsGenie's body. A create for an alias that is open only raises its count
/// (OpsGenie's de-duplication). <see cref="FailNext"/> answers 429 (with OpsGenie's rate-limit headers) or
/// 5xx without processing.
/// </summary>
public sealed class OpsGenieFake : IAsyncDisposable
{
    private static readonly HashSet<string> ResponderTypes = new(StringComparer.Ordinal) { "team", "user", "escalation", "schedule" };

    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<(string Path, int Status, string Message)> _rejected = new();
    private readonly List<OpsGenieAlert> _alerts = [];
    private readonly Lock _gate = new();
    private readonly TransientFailures _failures = new("OpsGenie");
    private readonly WebApplication _app;
    private readonly string _apiKey;
    private int _requests;

    private OpsGenieFake(WebApplication app, string apiKey)
    {
        _app = app;
        _apiKey = apiKey;
    }

    public const string DefaultApiKey = "eb243592-faa2-4ba2-a551-1afdf565c889";

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The value for an opsgenie_config's <c>api_url</c>.</summary>
    public string ApiUrl => BaseAddress.ToString();

    /// <summary>Accepted requests in arrival order (path with query, body).</summary>
    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>Refused requests: path, status and OpsGenie's message.</summary>
    public IReadOnlyList<(string Path, int Status, string Message)> Rejected => _rejected.ToArray();

    /// <summary>All requests, failed and refused ones included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public IReadOnlyList<OpsGenieAlert> Alerts
    {
        get
        {
            lock (_gate)
            {
                return _alerts.ToArray();
            }
        }
    }

    public static async Task<OpsGenieFake> StartAsync(string apiKey = DefaultApiKey, int port = 0, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new OpsGenieFake(app, apiKey);
        app.MapPost("/v2/alerts", (Func<HttpContext, Task<IResult>>)(c => fake.HandleAsync(c, "create", null)));
        app.MapPost("/v2/alerts/{id}/close", (HttpContext c, string id) => fake.HandleAsync(c, "close", id));
        app.MapPut("/v2/alerts/{id}/message", (HttpContext c, string id) => fake.HandleAsync(c, "message", id));
        app.MapPut("/v2/alerts/{id}/description", (HttpContext c, string id) => fake.HandleAsync(c, "description", id));
        app.MapGet("/_fake/alerts", () => Results.Json(fake.Alerts));
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="status"/> (429 or 5xx) without processing them.</summary>
    public void FailNext(int status, int count) => _failures.Arm(status, count);

    private async Task<IResult> HandleAsync(HttpContext ctx, string action, string? id)
    {
        Interlocked.Increment(ref _requests);
        var path = ctx.Request.Path + ctx.Request.QueryString;
        var fail = _failures.Take();
        if (fail is 429)
        {
            ctx.Response.Headers["X-RateLimit-State"] = "THROTTLED";
            ctx.Response.Headers["X-RateLimit-Reason"] = "INTEGRATION";
            return Error(path, 429, "You are making too many requests! To avoid errors, we recommend you limit requests.");
        }
        if (fail is { } status)
        {
            return Error(path, status, "Internal Server Error");
        }
        var auth = ctx.Request.Headers.Authorization.ToString();
        if (auth != "GenieKey " + _apiKey)
        {
            return Error(path, 401, "Could not authenticate");
        }
        if (id is not null && ctx.Request.Query["identifierType"].ToString() is { Length: > 0 } type && type is not ("id" or "alias" or "tiny"))
        {
            return Error(path, 422, $"Invalid identifierType: {type}");
        }
        using var reader = new StreamReader(ctx.Request.Body);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted).ConfigureAwait(false);
        JsonObject? body;
        try
        {
            body = (text.Length == 0 && action == "close" ? new JsonObject() : JsonNode.Parse(text)) as JsonObject;
        }
        catch (JsonException)
        {
            body = null;
        }
        if (body is null || ctx.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return Error(path, 400, "Could not parse the request body as a JSON object with Content-Type application/json");
        }
        if (Validate(action, body) is { } problem)
        {
            return Error(path, 422, problem);
        }
        Apply(action, id, body);
        _received.Enqueue(new ReceivedRequest(DateTimeOffset.UtcNow, path, body));
        return Results.Json(new JsonObject { ["result"] = "Request will be processed", ["took"] = 0.01, ["requestId"] = Guid.NewGuid().ToString() }, statusCode: 202);
    }

    /// <summary>The first documented rule the body breaks, as OpsGenie's message says it; null when valid.</summary>
    private static string? Validate(string action, JsonObject b)
    {
        string? Str(string key, out bool wrongType)
        {
            wrongType = b[key] is { } n && !(n is JsonValue v && v.GetValueKind() == JsonValueKind.String);
            return wrongType ? null : b[key]?.GetValue<string>();
        }
        string? Check(string key, int max, bool required = false)
        {
            var v = Str(key, out var wrong);
            if (wrong)
            {
                return $"{key} should be a string";
            }
            if (required && string.IsNullOrWhiteSpace(v))
            {
                return $"{char.ToUpperInvariant(key[0])}{key[1..]} can not be empty.";
            }
            return v is { Length: var len } && len > max ? $"{char.ToUpperInvariant(key[0])}{key[1..]} can not be longer than {max} characters." : null;
        }
        switch (action)
        {
            case "message":
                return Check("message", 130, required: true);
            case "description":
                return Check("description", 15000, required: true);
            case "close":
                return Check("source", 100) ?? Check("user", 100) ?? Check("note", 25000);
        }
        var problem = Check("message", 130, required: true) ?? Check("alias", 512) ?? Check("description", 15000)
            ?? Check("source", 100) ?? Check("entity", 512) ?? Check("note", 25000) ?? Check("user", 100);
        if (problem is not null)
        {
            return problem;
        }
        if (Str("priority", out _) is { } p && p is not ("P1" or "P2" or "P3" or "P4" or "P5"))
        {
            return $"Priority should be one of [P1, P2, P3, P4, P5] but was {p}";
        }
        if ((StringList(b, "tags", 20, 50) ?? StringList(b, "actions", 10, 50)) is { } listProblem)
        {
            return listProblem;
        }
        if (b["details"] is { } details)
        {
            if (details is not JsonObject d || d.Any(kv => kv.Value is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
            {
                return "Details should be a map of strings";
            }
            if (d.Sum(kv => kv.Key.Length + kv.Value!.GetValue<string>().Length) > 8000)
            {
                return "Details can not be longer than 8000 characters in total.";
            }
        }
        if (b["responders"] is { } responders)
        {
            if (responders is not JsonArray list || list.Count > 50)
            {
                return "Responders should be a list of at most 50 items";
            }
            foreach (var r in list)
            {
                if (r is not JsonObject o || o["type"]?.GetValueKind() != JsonValueKind.String || !ResponderTypes.Contains(o["type"]!.GetValue<string>()))
                {
                    return "Responder type should be one of [team, user, escalation, schedule]";
                }
                if (o["id"] is null && o["name"] is null && o["username"] is null)
                {
                    return "Responder should have one of id, name or username";
                }
            }
        }
        return null;
    }

    private static string? StringList(JsonObject b, string key, int maxItems, int maxLength)
    {
        if (b[key] is not { } node)
        {
            return null;
        }
        if (node is not JsonArray a || a.Any(x => x is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
        {
            return $"{key} should be a list of strings";
        }
        if (a.Count > maxItems)
        {
            return $"{key} can not have more than {maxItems} items";
        }
        return a.Any(x => x!.GetValue<string>().Length > maxLength) ? $"{key} items can not be longer than {maxLength} characters" : null;
    }

    private void Apply(string action, string? alias, JsonObject body)
    {
        lock (_gate)
        {
            alias ??= body["alias"]?.GetValue<string>() ?? Guid.NewGuid().ToString();
            var open = _alerts.FindLastIndex(a => a.Alias == alias && a.Status == "open");
            switch (action)
            {
                case "create" when open < 0:
                    _alerts.Add(new OpsGenieAlert(alias, "open", body["message"]!.GetValue<string>(), body["description"]?.GetValue<string>(), body["priority"]?.GetValue<string>() ?? "P3", 1));
                    break;
                case "create":
                    _alerts[open] = _alerts[open] with { Count = _alerts[open].Count + 1 };
                    break;
                // The API accepts requests for unknown aliases (202) and fails them asynchronously.
                case "close" when open >= 0:
                    _alerts[open] = _alerts[open] with { Status = "closed" };
                    break;
                case "message" when open >= 0:
                    _alerts[open] = _alerts[open] with { Message = body["message"]!.GetValue<string>() };
                    break;
                case "description" when open >= 0:
                    _alerts[open] = _alerts[open] with { Description = body["description"]!.GetValue<string>() };
                    break;
            }
        }
    }

    private IResult Error(string path, int status, string message)
    {
        _rejected.Enqueue((path, status, message));
        return Results.Json(new JsonObject { ["message"] = message, ["took"] = 0.0, ["requestId"] = Guid.NewGuid().ToString() }, statusCode: status);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
