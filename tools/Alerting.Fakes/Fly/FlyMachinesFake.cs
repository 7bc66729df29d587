using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alerting.Fakes.Fly;

/// <summary>A machine the fake serves; <see cref="Events"/> newest first, as Fly returns them.</summary>
public sealed class FakeFlyMachine
{
    public required string Id { get; init; }

    public string Name { get; init; } = "machine";

    public string State { get; set; } = "started";

    public string Region { get; init; } = "ams";

    public string PrivateIp { get; init; } = "fdaa:0:1::2";

    public string Image { get; init; } = "registry.fly.io/app:deployment-01";

    public int? MetricsPort { get; init; }

    public string? MetricsPath { get; init; }

    /// <summary>The service's <c>autostop</c> as newer machines write it: "off", "stop" or "suspend".</summary>
    public string AutoStop { get; init; } = "off";

    internal List<JsonObject> Events { get; } = [];
}

/// <summary>
/// The Fly Machines API cannot be reached here, so this stands in for the part discovery uses, as
/// documented (fly.io/docs/machines/api): <c>GET /v1/apps?org_slug=</c> answers
/// <c>{"total_apps": n, "apps": [{"id", "name", "machine_count", "network"}]}</c>,
/// <c>GET /v1/apps/{app}/machines</c> a JSON array of machines (<c>id</c>, <c>name</c>, <c>state</c>,
/// <c>region</c>, <c>instance_id</c>, <c>private_ip</c>, <c>config</c> with <c>image</c> and <c>metrics</c>,
/// <c>image_ref</c>, <c>created_at</c>, <c>updated_at</c>, <c>events</c> newest first). Every request needs
/// <c>Authorization: Bearer &lt;token&gt;</c> with the configured token (else 401 <c>{"error": "unauthorized"}</c>);
/// a missing <c>org_slug</c> is 400 and an unknown organisation or app 404, each with Fly's <c>{"error"}</c> body.
/// Neither list pages: the API documents no cursor or limit for them (only the certificates list pages), so the
/// fake answers every app and every machine at once, and a query parameter the API does not document for the
/// endpoint (<c>cursor</c>, <c>limit</c>, <c>page</c>...) is 400 "Check that the parameters were correct", so a
/// client that invents paging fails here rather than silently against Fly. Documented parameters: <c>org_slug</c>
/// (and <c>app_role</c>, which Fly's own Go client sends) on the app list; <c>include_deleted</c>, <c>region</c>
/// and <c>metadata.{key}</c> on the machine list, which filter as documented.
/// <see cref="FailNext"/> answers 429 (rate limited, with <c>Retry-After</c>) or 5xx without processing.
/// </summary>
public sealed class FlyMachinesFake : IAsyncDisposable
{
    public const string DefaultToken = "fm2_lJPECAAAAAAAAA-fake-token";

    private readonly WebApplication _app;
    private readonly string _token;
    private readonly Lock _gate = new();
    private readonly TransientFailures _failures = new("Fly");
    private readonly Dictionary<string, List<string>> _orgApps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<FakeFlyMachine>> _machines = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Path, int Status)> _log = new();
    private int _retryAfterSeconds = 1;

    private static readonly string[] AppListParameters = ["org_slug", "app_role"];
    private static readonly string[] MachineListParameters = ["include_deleted", "region", "metadata."];

    private FlyMachinesFake(WebApplication app, string token)
    {
        _app = app;
        _token = token;
    }

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Every request with the status it was answered with, in arrival order.</summary>
    public IReadOnlyList<(string Path, int Status)> Requests => _log.ToArray();

    public static async Task<FlyMachinesFake> StartAsync(string token = DefaultToken, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new FlyMachinesFake(app, token);
        app.MapGet("/v1/apps", (HttpContext c) => fake.Handle(c, AppListParameters, () => fake.ListApps(c.Request.Query["org_slug"].ToString())));
        app.MapGet("/v1/apps/{app}/machines", (HttpContext c, string app) => fake.Handle(c, MachineListParameters, () => fake.ListMachines(app, c.Request.Query)));
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    public void AddApp(string org, string app)
    {
        lock (_gate)
        {
            if (!_orgApps.TryGetValue(org, out var apps))
            {
                _orgApps[org] = apps = [];
            }
            apps.Add(app);
            _machines[app] = [];
        }
    }

    public FakeFlyMachine AddMachine(string app, FakeFlyMachine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        lock (_gate)
        {
            _machines[app].Add(machine);
        }
        return machine;
    }

    public void SetState(FakeFlyMachine machine, string state)
    {
        ArgumentNullException.ThrowIfNull(machine);
        lock (_gate)
        {
            machine.State = state;
        }
    }

    /// <summary>Records a machine event as flyd reports it; an <c>exit</c> event carries <c>request.exit_event</c>.</summary>
    public void AddEvent(FakeFlyMachine machine, string type, string status, DateTimeOffset at, int? exitCode = null, bool oomKilled = false, bool restarting = false)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var ev = new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString("N")[..26].ToUpperInvariant(),
            ["type"] = type,
            ["status"] = status,
            ["source"] = type == "exit" ? "flyd" : "user",
            ["timestamp"] = at.ToUnixTimeMilliseconds(),
        };
        if (type == "exit")
        {
            ev["request"] = new JsonObject
            {
                ["exit_event"] = new JsonObject
                {
                    ["exit_code"] = exitCode ?? 0,
                    ["guest_exit_code"] = exitCode ?? 0,
                    ["guest_signal"] = oomKilled ? 9 : -1,
                    ["oom_killed"] = oomKilled,
                    ["requested_stop"] = false,
                    ["restarting"] = restarting,
                    ["signal"] = -1,
                    ["exited_at"] = at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
                },
                ["restart_count"] = restarting ? 1 : 0,
            };
        }
        lock (_gate)
        {
            machine.Events.Insert(0, ev);
        }
    }

    /// <summary>
    /// Answers the next <paramref name="count"/> requests with <paramref name="status"/> (429 with
    /// <c>Retry-After: <paramref name="retryAfterSeconds"/></c>, or 5xx).
    /// </summary>
    public void FailNext(int status, int count, int retryAfterSeconds = 1)
    {
        Volatile.Write(ref _retryAfterSeconds, retryAfterSeconds);
        _failures.Arm(status, count);
    }

    private IResult Handle(HttpContext ctx, string[] parameters, Func<(int Status, JsonNode Body)> handler)
    {
        var path = ctx.Request.Path + ctx.Request.QueryString;
        var fail = _failures.Take();
        (int Status, JsonNode Body) answer;
        if (fail is { } f)
        {
            if (f == StatusCodes.Status429TooManyRequests)
            {
                ctx.Response.Headers.RetryAfter = Volatile.Read(ref _retryAfterSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            answer = (f, Error(f == 429 ? "rate limit exceeded" : "internal server error"));
        }
        else if (ctx.Request.Headers.Authorization.ToString() != "Bearer " + _token)
        {
            answer = (StatusCodes.Status401Unauthorized, Error("unauthorized"));
        }
        else if (ctx.Request.Query.Keys.FirstOrDefault(k => !parameters.Any(p => p.EndsWith('.') ? k.StartsWith(p, StringComparison.Ordinal) && k.Length > p.Length : k == p)) is { } unknown)
        {
            answer = (StatusCodes.Status400BadRequest, Error($"unknown query parameter {unknown}: check that the parameters were correct"));
        }
        else
        {
            lock (_gate)
            {
                answer = handler();
            }
        }
        _log.Enqueue((path, answer.Status));
        return Results.Content(answer.Body.ToJsonString(), "application/json", statusCode: answer.Status);
    }

    private (int, JsonNode) ListApps(string org)
    {
        if (string.IsNullOrEmpty(org))
        {
            return (StatusCodes.Status400BadRequest, Error("org_slug is required"));
        }
        if (!_orgApps.TryGetValue(org, out var apps))
        {
            return (StatusCodes.Status404NotFound, Error($"Could not find organization {org}"));
        }
        var list = new JsonArray(apps.Select(a => (JsonNode)new JsonObject
        {
            ["id"] = "app_" + a,
            ["name"] = a,
            ["machine_count"] = _machines[a].Count,
            ["network"] = "default",
        }).ToArray());
        return (StatusCodes.Status200OK, new JsonObject { ["total_apps"] = apps.Count, ["apps"] = list });
    }

    private (int, JsonNode) ListMachines(string app, IQueryCollection query)
    {
        if (!_machines.TryGetValue(app, out var machines))
        {
            return (StatusCodes.Status404NotFound, Error("app not found"));
        }
        var includeDeleted = query["include_deleted"].ToString();
        if (includeDeleted.Length > 0 && !bool.TryParse(includeDeleted, out _))
        {
            return (StatusCodes.Status400BadRequest, Error($"include_deleted must be true or false, not {includeDeleted}"));
        }
        var region = query["region"].ToString();
        // The fake's machines carry no metadata, so a metadata filter matches none of them, as on Fly.
        var byMetadata = query.Keys.Any(k => k.StartsWith("metadata.", StringComparison.Ordinal));
        var listed = machines
            .Where(m => includeDeleted == "true" || m.State != "destroyed")
            .Where(m => region.Length == 0 || m.Region == region)
            .Where(_ => !byMetadata);
        return (StatusCodes.Status200OK, new JsonArray(listed.Select(m => (JsonNode)Machine(m)).ToArray()));
    }

    private static JsonObject Machine(FakeFlyMachine m)
    {
        var config = new JsonObject
        {
            ["image"] = m.Image,
            ["guest"] = new JsonObject { ["cpu_kind"] = "shared", ["cpus"] = 1, ["memory_mb"] = 512 },
            ["services"] = new JsonArray(new JsonObject
            {
                ["protocol"] = "tcp",
                ["internal_port"] = 8080,
                ["autostop"] = m.AutoStop,
                ["autostart"] = true,
                ["ports"] = new JsonArray(new JsonObject { ["port"] = 443, ["handlers"] = new JsonArray("tls", "http") }),
            }),
        };
        if (m.MetricsPort is not null || m.MetricsPath is not null)
        {
            config["metrics"] = new JsonObject { ["port"] = m.MetricsPort, ["path"] = m.MetricsPath ?? "/metrics" };
        }
        var colon = m.Image.LastIndexOf(':');
        return new JsonObject
        {
            ["id"] = m.Id,
            ["name"] = m.Name,
            ["state"] = m.State,
            ["region"] = m.Region,
            ["instance_id"] = "01H" + m.Id.ToUpperInvariant(),
            ["private_ip"] = m.PrivateIp,
            ["config"] = config,
            ["image_ref"] = new JsonObject
            {
                ["registry"] = "registry.fly.io",
                ["repository"] = colon > 0 ? m.Image[..colon] : m.Image,
                ["tag"] = colon > 0 ? m.Image[(colon + 1)..] : "latest",
                ["digest"] = "sha256:0000000000000000000000000000000000000000000000000000000000000000",
            },
            ["created_at"] = "2025-10-11T20:43:00Z",
            ["updated_at"] = "2025-10-11T20:43:00Z",
            ["events"] = new JsonArray(m.Events.Select(e => e.DeepClone()).ToArray()),
        };
    }

    private static JsonObject Error(string message) => new() { ["error"] = message };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
