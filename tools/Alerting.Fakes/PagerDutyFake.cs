using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

using Alerting.Fakes.Validation;
namespace Alerting.Fakes;

/// <summary>
/// What PagerDuty's Events API v2 accepts and how it answers, supplied by the caller so the fake uses the
/// product's single definition of the contract (Alerting.Core's <c>PagerDutyEventValidator</c>) instead
/// of a second copy that could drift.
/// </summary>
/// <param name="Validate">Every problem PagerDuty would report for a request body; empty when valid.</param>
/// <param name="InvalidResponse">PagerDuty's 400 body for those problems.</param>
/// <param name="SuccessResponse">PagerDuty's 202 body for an accepted event with this dedup key.</param>
public sealed record PagerDutyContract(
    Func<string, IReadOnlyList<string>> Validate,
    Func<IReadOnlyList<string>, JsonObject> InvalidResponse,
    Func<string, JsonObject> SuccessResponse);

/// <summary>An incident as PagerDuty tracks it: one per dedup key while it is open.</summary>
public sealed record PagerDutyIncident(string DedupKey, string Status, string Summary, int Events, DateTimeOffset OpenedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// PagerDuty cannot exist here, so this stands in for its Events API v2 (<c>POST /v2/enqueue</c>). It
/// accepts only what PagerDuty documents, answers 202/400 with PagerDuty's bodies, and can be told to
/// throttle (429) or fail (5xx) the next requests. Accepted events drive incidents the way PagerDuty
/// does: a trigger opens an incident for its dedup key unless one is open (then it only adds to it),
/// acknowledge acknowledges it, resolve closes it. Events and incidents are kept for inspection
/// (<c>GET /_fake/events</c>, <c>GET /_fake/incidents</c>) and appended to a JSON-lines log if given.
/// </summary>
public sealed class PagerDutyFake : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<JsonNode?> _rejected = new();
    private readonly List<PagerDutyIncident> _incidents = [];
    private readonly Lock _gate = new();
    private readonly WebApplication _app;
    private readonly PagerDutyContract _contract;
    private readonly string? _logFile;
    private int _requests;
    private int _failStatus;
    private int _failCount;

    private PagerDutyFake(WebApplication app, PagerDutyContract contract, string? logFile)
    {
        _app = app;
        _contract = contract;
        _logFile = logFile;
    }

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The legacy Events API v1 endpoint (<c>service_key</c> integrations).</summary>
    public string EventsV1Url => new Uri(BaseAddress, "generic/2010-04-15/create_event.json").ToString();

    /// <summary>The Events API v2 endpoint, for a pagerduty_config's <c>url</c>.</summary>
    public string EventsUrl => new Uri(BaseAddress, "v2/enqueue").ToString();

    /// <summary>Events accepted (202), in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>Bodies answered 400, so tests can prove we never sent a malformed event.</summary>
    public IReadOnlyList<JsonNode?> Rejected => _rejected.ToArray();

    /// <summary>Every incident ever opened, newest state, in the order they were opened.</summary>
    public IReadOnlyList<PagerDutyIncident> Incidents
    {
        get
        {
            lock (_gate)
            {
                return _incidents.ToArray();
            }
        }
    }

    /// <summary>All requests to the events endpoint, including failed and rejected ones.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<PagerDutyFake> StartAsync(PagerDutyContract contract, int port = 0, string? logFile = null, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new PagerDutyFake(app, contract, logFile);
        app.MapPost("/v2/enqueue", (Func<HttpContext, Task<IResult>>)fake.HandleAsync);
        app.MapPost("/generic/2010-04-15/create_event.json", (Func<HttpContext, Task<IResult>>)fake.HandleV1Async);
        app.MapGet("/_fake/events", () => Results.Json(fake.Received));
        app.MapGet("/_fake/incidents", () => Results.Json(fake.Incidents));
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="status"/> (429 or 5xx) without processing them.</summary>
    public void FailNext(int status, int count)
    {
        if (status != StatusCodes.Status429TooManyRequests && status < 500)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "PagerDuty fails transiently only with 429 or 5xx");
        }
        lock (_gate)
        {
            _failStatus = status;
            _failCount = count;
        }
    }

    /// <summary>
    /// The next <paramref name="count"/> valid events are processed (the incident opens) but the
    /// connection is dropped before the answer: to the sender it looks as if it died right after
    /// sending, so tests can prove a resend does not page twice.
    /// </summary>
    public void DropAfterAccepting(int count)
    {
        lock (_gate)
        {
            _dropCount = count;
        }
    }

    private int _dropCount;

    private async Task<IResult> HandleAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref _requests);
        int? fail = null;
        lock (_gate)
        {
            if (_failCount > 0)
            {
                _failCount--;
                fail = _failStatus;
            }
        }
        if (fail is { } status)
        {
            // PagerDuty documents 429 as "slow down and retry"; the Retry-After header lets callers'
            // back-off handling be exercised.
            return status == StatusCodes.Status429TooManyRequests
                ? new RetryAfterResult(Results.Json(new JsonObject { ["status"] = "throttle event", ["message"] = "Requests for this service are arriving too quickly.  Please retry later." }, statusCode: status), 1)
                : Results.Text("Internal Server Error", "text/plain", statusCode: status);
        }

        using var reader = new StreamReader(ctx.Request.Body);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted).ConfigureAwait(false);
        var errors = ctx.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true
            ? _contract.Validate(text)
            : ["Content-Type must be application/json"];
        if (errors.Count > 0)
        {
            _rejected.Enqueue(TryParse(text));
            return Results.Json(_contract.InvalidResponse(errors), statusCode: StatusCodes.Status400BadRequest);
        }

        var body = JsonNode.Parse(text)!.AsObject();
        // PagerDuty makes up a dedup key for a trigger without one and answers with it.
        var dedupKey = body["dedup_key"]?.GetValue<string>() ?? Guid.NewGuid().ToString("N");
        var now = DateTimeOffset.UtcNow;
        Apply(body["event_action"]!.GetValue<string>(), dedupKey, body["payload"]?["summary"]?.GetValue<string>(), now);
        var received = new ReceivedRequest(now, ctx.Request.Path, body);
        _received.Enqueue(received);
        if (_logFile is not null)
        {
            await File.AppendAllTextAsync(_logFile, JsonSerializer.Serialize(received) + "\n", ctx.RequestAborted).ConfigureAwait(false);
        }
        var drop = false;
        lock (_gate)
        {
            if (_dropCount > 0)
            {
                _dropCount--;
                drop = true;
            }
        }
        if (drop)
        {
            ctx.Abort();
            return Results.Empty;
        }
        return Results.Json(_contract.SuccessResponse(dedupKey), statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// The legacy Events API v1 (<c>create_event.json</c>) as PagerDuty documents it: a 32-character
    /// <c>service_key</c>, <c>event_type</c> trigger/acknowledge/resolve, a <c>description</c> (at most 1024
    /// characters) for a trigger and an <c>incident_key</c> for the others; <c>details</c> an object.
    /// Answers 200 with the incident key, 400 <c>invalid event</c> with the reasons, 403 when throttled.
    /// </summary>
    private async Task<IResult> HandleV1Async(HttpContext ctx)
    {
        Interlocked.Increment(ref _requests);
        lock (_gate)
        {
            if (_failCount > 0)
            {
                _failCount--;
                return _failStatus == StatusCodes.Status429TooManyRequests
                    ? Results.Json(new JsonObject { ["status"] = "throttle exceeded", ["message"] = "Requests for this service are arriving too quickly. Please retry later." }, statusCode: StatusCodes.Status403Forbidden)
                    : Results.Text("Internal Server Error", "text/plain", statusCode: _failStatus);
            }
        }
        using var reader = new StreamReader(ctx.Request.Body);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted).ConfigureAwait(false);
        var errors = new List<string>();
        var body = TryParse(text) as JsonObject;
        if (body is null)
        {
            errors.Add("Event object is not valid JSON");
        }
        else
        {
            string? Str(string key) => body[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
            if (Str("service_key") is not { Length: 32 })
            {
                errors.Add("Service key is the wrong length (should be 32 characters)");
            }
            var type = Str("event_type");
            if (type is not ("trigger" or "acknowledge" or "resolve"))
            {
                errors.Add("Event type must be one of trigger, acknowledge, resolve");
            }
            if (type == "trigger" && string.IsNullOrEmpty(Str("description")))
            {
                errors.Add("Description is missing or blank");
            }
            if (Str("description") is { Length: > 1024 })
            {
                errors.Add("Description is too long (maximum is 1024 characters)");
            }
            if (type is "acknowledge" or "resolve" && string.IsNullOrEmpty(Str("incident_key")))
            {
                errors.Add("Incident key is missing or blank");
            }
            if (body["details"] is { } d && d is not JsonObject)
            {
                errors.Add("Details must be an object");
            }
        }
        if (errors.Count > 0)
        {
            _rejected.Enqueue(TryParse(text));
            return Results.Json(new JsonObject { ["status"] = "invalid event", ["message"] = "Event object is invalid", ["errors"] = new JsonArray(errors.Select(e => (JsonNode?)e).ToArray()) }, statusCode: StatusCodes.Status400BadRequest);
        }
        var key = body!["incident_key"]?.GetValue<string>() ?? Guid.NewGuid().ToString("N");
        var now = DateTimeOffset.UtcNow;
        Apply(body["event_type"]!.GetValue<string>(), key, body["description"]?.GetValue<string>(), now);
        _received.Enqueue(new ReceivedRequest(now, ctx.Request.Path, body));
        return Results.Json(new JsonObject { ["status"] = "success", ["message"] = "Event processed", ["incident_key"] = key });
    }

    private void Apply(string action, string dedupKey, string? summary, DateTimeOffset now)
    {
        lock (_gate)
        {
            var open = _incidents.FindLastIndex(i => i.DedupKey == dedupKey && i.Status != "resolved");
            switch (action)
            {
                case "trigger" when open < 0:
                    _incidents.Add(new PagerDutyIncident(dedupKey, "triggered", summary ?? string.Empty, 1, now, now));
                    break;
                case "trigger":
                    _incidents[open] = _incidents[open] with { Events = _incidents[open].Events + 1, UpdatedAt = now };
                    break;
                // PagerDuty accepts acknowledge/resolve for an unknown or closed key and does nothing.
                case "acknowledge" when open >= 0:
                    _incidents[open] = _incidents[open] with { Status = "acknowledged", Events = _incidents[open].Events + 1, UpdatedAt = now };
                    break;
                case "resolve" when open >= 0:
                    _incidents[open] = _incidents[open] with { Status = "resolved", Events = _incidents[open].Events + 1, UpdatedAt = now };
                    break;
            }
        }
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    /// <summary>Completes when the process is asked to stop (Ctrl-C, SIGTERM).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);

    /// <summary>
    /// The contract from Alerting.Core when that assembly is next to this tool (the test project and the
    /// run script have it), found by name so this tool does not need to compile against Core.
    /// </summary>
    /// <summary>PagerDuty's documented event contract, as Core's validator and answer bodies implement it.</summary>
    public static PagerDutyContract LoadCoreContract() => new(
        Alerting.Fakes.Validation.PagerDutyEventValidator.Validate,
        Alerting.Fakes.Validation.PagerDutyEventValidator.InvalidEventResponse,
        Alerting.Fakes.Validation.PagerDutyEventValidator.SuccessResponse);

    private sealed class RetryAfterResult(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
