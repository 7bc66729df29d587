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

namespace Alerting.Fakes.Incidentio;

/// <summary>
/// incident.io cannot run here, so this stands in for an Alertmanager HTTP alert source as incident.io
/// documents it: <c>POST /v2/alert_events/alertmanager/{alert_source_config_id}</c> with
/// <c>Authorization: Bearer {alert source token}</c> and Alertmanager's webhook JSON, answered 202
/// <c>{"status":"success","message":"Event accepted for processing","deduplication_key":...}</c>. Refused with
/// incident.io's error body (<c>type</c>, <c>status</c>, <c>request_id</c>, <c>errors[].code/message</c>): a
/// missing or wrong token (401), an unknown alert source (404), a body that is not a JSON object or lacks
/// <c>groupKey</c>, a firing/resolved <c>status</c> or a non-empty <c>alerts</c> array whose items have a
/// status and labels (422), a body over 512 KiB (429, as Alertmanager's documentation of the limit says).
/// <see cref="FailNext"/> answers 429 (with Retry-After) or 5xx.
/// </summary>
public sealed class IncidentioFake : IAsyncDisposable
{
    public const string AlertSourceConfigId = "01JQ4Z8N4M3G2W7XKQ5V9B6C1D";
    public const string Token = "inc_alertsource_7d2b8c1e9f0a4b6c8d3e5f7a9b1c2d4e";
    public const int MaxBodyBytes = 512 * 1024;

    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<string> _rawBodies = new();
    private readonly ConcurrentQueue<(int Status, string Body)> _rejected = new();
    private readonly TransientFailures _failures = new("Incidentio");
    private readonly WebApplication _app;
    private int _requests;

    private IncidentioFake(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The alert source's URL, the value for <c>url</c>.</summary>
    public string Url => new Uri(BaseAddress, "v2/alert_events/alertmanager/" + AlertSourceConfigId).ToString();

    /// <summary>Accepted events, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>The accepted bodies byte for byte (as UTF-8 text), in arrival order.</summary>
    public IReadOnlyList<string> RawBodies => _rawBodies.ToArray();

    public IReadOnlyList<(int Status, string Body)> Rejected => _rejected.ToArray();

    /// <summary>All requests, failed and refused ones included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<IncidentioFake> StartAsync(int port = 0, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new IncidentioFake(app);
        Func<HttpContext, string, Task<IResult>> handler = fake.HandleAsync;
        app.MapPost("/v2/alert_events/alertmanager/{id}", handler);
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="status"/> (429 or 5xx).</summary>
    public void FailNext(int status, int count) => _failures.Arm(status, count);

    private async Task<IResult> HandleAsync(HttpContext ctx, string id)
    {
        Interlocked.Increment(ref _requests);
        var fail = _failures.Take();
        if (fail is 429)
        {
            ctx.Response.Headers.RetryAfter = "1";
            return Error(429, "rate_limit_exceeded", "too_many_requests", "You have exceeded the rate limit for this alert source");
        }
        if (fail is { } status)
        {
            return Error(status, "internal_error", "internal_error", "Something went wrong");
        }
        if (ctx.Request.Headers.Authorization.ToString() != "Bearer " + Token)
        {
            return Error(401, "authentication_error", "unauthenticated", "The API key you've provided is invalid or has been revoked");
        }
        if (id != AlertSourceConfigId)
        {
            return Error(404, "not_found", "not_found", "No alert source config found with that ID");
        }
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted).ConfigureAwait(false);
        if (buffer.Length > MaxBodyBytes)
        {
            return Error(429, "payload_too_large", "payload_too_large", $"Request body exceeds {MaxBodyBytes} bytes");
        }
        var text = Encoding.UTF8.GetString(buffer.ToArray());
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
            return Invalid("body", "The request body must be a JSON object");
        }
        if (Str(body["groupKey"]) is not { Length: > 0 } groupKey)
        {
            return Invalid("groupKey", "groupKey is required");
        }
        if (Str(body["status"]) is not ("firing" or "resolved"))
        {
            return Invalid("status", "status must be one of firing, resolved");
        }
        if (body["alerts"] is not JsonArray { Count: > 0 } alerts)
        {
            return Invalid("alerts", "alerts must be a non-empty array");
        }
        foreach (var alert in alerts)
        {
            if (alert is not JsonObject a || Str(a["status"]) is not ("firing" or "resolved") || a["labels"] is not JsonObject)
            {
                return Invalid("alerts", "each alert needs a status (firing or resolved) and a labels object");
            }
        }
        _received.Enqueue(new ReceivedRequest(DateTimeOffset.UtcNow, ctx.Request.Path, body));
        _rawBodies.Enqueue(text);
        return Results.Json(new JsonObject
        {
            ["status"] = "success",
            ["message"] = "Event accepted for processing",
            ["deduplication_key"] = groupKey,
        }, statusCode: 202);
    }

    private static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private IResult Invalid(string field, string message)
    {
        var json = new JsonObject
        {
            ["type"] = "validation_error",
            ["status"] = 422,
            ["request_id"] = Guid.NewGuid().ToString(),
            ["errors"] = new JsonArray(new JsonObject { ["code"] = "invalid_value", ["message"] = message, ["source"] = new JsonObject { ["field"] = field } }),
        }.ToJsonString();
        _rejected.Enqueue((422, json));
        return Results.Content(json, "application/json", Encoding.UTF8, 422);
    }

    private IResult Error(int status, string type, string code, string message)
    {
        var json = new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["request_id"] = Guid.NewGuid().ToString(),
            ["errors"] = new JsonArray(new JsonObject { ["code"] = code, ["message"] = message }),
        }.ToJsonString();
        _rejected.Enqueue((status, json));
        return Results.Content(json, "application/json", Encoding.UTF8, status);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
