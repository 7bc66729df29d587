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

namespace Alerting.Fakes.VictorOps;

/// <summary>
/// VictorOps (Splunk On-Call) cannot run here, so this stands in for its REST endpoint integration as the
/// "REST Endpoint Integration Guide" documents it: <c>POST /integrations/generic/20131114/alert/{api_key}/{routing_key}</c>
/// with a JSON object answers 200 <c>{"result":"success","entity_id":...}</c>. Refused, with VictorOps'
/// <c>{"result":"failure","message":...}</c> body: an unknown API key (404), a body that is not a JSON object
/// or has a field that is not a string (400), a missing <c>message_type</c> or one outside CRITICAL, WARNING,
/// ACKNOWLEDGEMENT, INFO, RECOVERY (400), a <c>state_message</c> over 20480 characters (400). Incidents are
/// kept per routing key and <c>entity_id</c>: CRITICAL and WARNING open or update one, RECOVERY resolves it.
/// <see cref="FailNext"/> answers 429 or 5xx.
/// </summary>
public sealed class VictorOpsFake : IAsyncDisposable
{
    public const string ApiKey = "3f8c2a9e-6d1b-4c7a-9e2f-5b8d0c1a7e64";
    public const string RestPath = "integrations/generic/20131114/alert/";
    public const int MaxStateMessage = 20480;

    private static readonly HashSet<string> MessageTypes = new(StringComparer.Ordinal) { "CRITICAL", "WARNING", "ACKNOWLEDGEMENT", "INFO", "RECOVERY" };

    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<(int Status, string Message)> _rejected = new();
    private readonly ConcurrentDictionary<(string RoutingKey, string EntityId), string> _incidents = new();
    private readonly TransientFailures _failures = new("VictorOps");
    private readonly WebApplication _app;
    private int _requests;

    private VictorOpsFake(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The value for <c>api_url</c> (or <c>global.victorops_api_url</c>).</summary>
    public string ApiUrl => new Uri(BaseAddress, RestPath).ToString();

    /// <summary>Accepted alerts, in arrival order; the path holds the routing key (and the API key).</summary>
    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>Refused requests: status and VictorOps' error body.</summary>
    public IReadOnlyList<(int Status, string Message)> Rejected => _rejected.ToArray();

    /// <summary>All requests, failed and refused ones included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The state of each incident (routing key, entity_id): the last message_type, RECOVERY once resolved.</summary>
    public IReadOnlyDictionary<(string RoutingKey, string EntityId), string> Incidents => new Dictionary<(string, string), string>(_incidents);

    public static async Task<VictorOpsFake> StartAsync(int port = 0, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new VictorOpsFake(app);
        app.MapPost("/" + RestPath + "{apiKey}/{routingKey}", (HttpContext c, string apiKey, string routingKey) => fake.HandleAsync(c, apiKey, routingKey));
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="status"/> (429 or 5xx) without accepting them.</summary>
    public void FailNext(int status, int count) => _failures.Arm(status, count);

    private async Task<IResult> HandleAsync(HttpContext ctx, string apiKey, string routingKey)
    {
        Interlocked.Increment(ref _requests);
        var fail = _failures.Take();
        if (fail is { } status)
        {
            return Failure(status, status == 429 ? "Rate limit exceeded" : "Internal Server Error");
        }
        if (apiKey != ApiKey)
        {
            return Failure(404, "Invalid API key");
        }
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
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
            return Failure(400, "Could not parse JSON body");
        }
        foreach (var (key, value) in body)
        {
            if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
            {
                return Failure(400, $"Field {key} must be a string");
            }
        }
        var messageType = body["message_type"]?.GetValue<string>();
        if (string.IsNullOrEmpty(messageType))
        {
            return Failure(400, "Missing fields: message_type");
        }
        if (!MessageTypes.Contains(messageType.ToUpperInvariant()))
        {
            return Failure(400, $"Invalid message_type: {messageType}");
        }
        if ((body["state_message"]?.GetValue<string>() ?? string.Empty).Length > MaxStateMessage)
        {
            return Failure(400, $"state_message is longer than {MaxStateMessage} characters");
        }
        var entityId = body["entity_id"]?.GetValue<string>() ?? Guid.NewGuid().ToString();
        if (messageType.ToUpperInvariant() is "CRITICAL" or "WARNING" or "RECOVERY" or "ACKNOWLEDGEMENT")
        {
            _incidents[(routingKey, entityId)] = messageType.ToUpperInvariant();
        }
        _received.Enqueue(new ReceivedRequest(DateTimeOffset.UtcNow, ctx.Request.Path, body));
        return Results.Json(new JsonObject { ["result"] = "success", ["entity_id"] = entityId });
    }

    private IResult Failure(int status, string message)
    {
        var json = new JsonObject { ["result"] = "failure", ["message"] = message }.ToJsonString();
        _rejected.Enqueue((status, json));
        return Results.Content(json, "application/json", Encoding.UTF8, status);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
