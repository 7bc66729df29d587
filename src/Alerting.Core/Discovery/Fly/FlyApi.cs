using System.Text.Json;
using System.Text.Json.Serialization;

namespace Alerting.Core.Discovery.Fly;

/// <summary>An app as <c>GET /v1/apps?org_slug=</c> lists it.</summary>
public sealed record FlyApp(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("machine_count")] int MachineCount);

/// <summary>
/// The body of <c>GET /v1/apps?org_slug=</c>: every app of the organisation in one answer (the API documents
/// no paging for this list), with <c>total_apps</c> counting them.
/// </summary>
public sealed record FlyAppList(
    [property: JsonPropertyName("total_apps")] int TotalApps,
    [property: JsonPropertyName("apps")] IReadOnlyList<FlyApp> Apps);

/// <summary>A machine as <c>GET /v1/apps/{app}/machines</c> lists it (the fields discovery and machine state use).</summary>
public sealed record FlyMachine
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>created, starting, started, stopping, stopped, replacing, destroying, destroyed, suspended...</summary>
    [JsonPropertyName("state")]
    public string? State { get; init; }

    [JsonPropertyName("region")]
    public string? Region { get; init; }

    /// <summary>The machine's 6PN address (IPv6), reachable only inside the organisation's private network.</summary>
    [JsonPropertyName("private_ip")]
    public string? PrivateIp { get; init; }

    [JsonPropertyName("config")]
    public FlyMachineConfig? Config { get; init; }

    /// <summary>Newest first, as the API returns them; Fly keeps only the most recent few.</summary>
    [JsonPropertyName("events")]
    public IReadOnlyList<FlyMachineEvent>? Events { get; init; }
}

public sealed record FlyMachineConfig(
    [property: JsonPropertyName("image")] string? Image,
    [property: JsonPropertyName("metrics")] FlyMetricsConfig? Metrics,
    [property: JsonPropertyName("services")] IReadOnlyList<FlyService>? Services = null)
{
    /// <summary>Whether Fly's proxy stops (or suspends) this machine when idle: any service with autostop on.</summary>
    public bool AutoStops => Services?.Any(s => s.AutoStop is { } a && (a.ValueKind == JsonValueKind.True
        || (a.ValueKind == JsonValueKind.String && a.GetString() is "stop" or "suspend"))) == true;
}

/// <summary>A machine service; <c>autostop</c> is a boolean in older machines and "off"/"stop"/"suspend" in newer ones.</summary>
public sealed record FlyService(
    [property: JsonPropertyName("autostop")] JsonElement? AutoStop,
    [property: JsonPropertyName("autostart")] bool? AutoStart);

/// <summary>The machine config's <c>metrics</c> section: where the machine serves Prometheus metrics.</summary>
public sealed record FlyMetricsConfig(
    [property: JsonPropertyName("port")] int? Port,
    [property: JsonPropertyName("path")] string? Path);

/// <summary>A machine event: <c>type</c> launch/start/stop/exit/restart/update..., <c>status</c>, <c>timestamp</c> in Unix ms.</summary>
public sealed record FlyMachineEvent(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("source")] string? Source,
    [property: JsonPropertyName("timestamp")] long Timestamp,
    [property: JsonPropertyName("request")] FlyEventRequest? Request);

public sealed record FlyEventRequest(
    [property: JsonPropertyName("exit_event")] FlyExitEvent? ExitEvent,
    [property: JsonPropertyName("restart_count")] int? RestartCount);

/// <summary>How the machine's process ended: exit code 137 with <c>oom_killed</c> is the kernel's OOM killer.</summary>
public sealed record FlyExitEvent(
    [property: JsonPropertyName("exit_code")] int? ExitCode,
    [property: JsonPropertyName("oom_killed")] bool? OomKilled,
    [property: JsonPropertyName("requested_stop")] bool? RequestedStop,
    [property: JsonPropertyName("restarting")] bool? Restarting);

/// <summary>Reads the Machines API's JSON bodies; a body that is not what the API documents is a <see cref="FormatException"/> with a plain message.</summary>
public static class FlyApiJson
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = false };

    /// <summary>The app list with its <c>total_apps</c>, which says whether the list is the whole organisation.</summary>
    public static FlyAppList ParseAppList(string body)
    {
        var list = Parse<FlyAppList>(body, "app list");
        return list with { Apps = list.Apps?.Where(a => !string.IsNullOrEmpty(a.Name)).ToArray() ?? [] };
    }

    public static IReadOnlyList<FlyMachine> ParseMachines(string body) =>
        Parse<FlyMachine[]>(body, "machine list").Where(m => !string.IsNullOrEmpty(m.Id)).ToArray();

    /// <summary>The API's error body (<c>{"error": "..."}</c>), or the raw text when it is not JSON.</summary>
    public static string ErrorMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String)
            {
                return e.GetString() ?? string.Empty;
            }
        }
        catch (JsonException)
        {
            // Not JSON: a proxy's or load balancer's page; show its start.
        }
        return body.Length > 200 ? body[..200] : body;
    }

    private static T Parse<T>(string body, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, Options) ?? throw new FormatException($"Fly Machines API returned an empty {what}");
        }
        catch (JsonException e)
        {
            throw new FormatException($"Fly Machines API returned an unreadable {what}: {e.Message}", e);
        }
    }
}
