namespace Alerting.Core.Discovery.Fly;

/// <summary>
/// One <c>fly_sd_configs</c> entry (our extension; Prometheus has no Fly.io discovery): the organisation's
/// apps whose names match <see cref="AppNamePattern"/>, and each app's machines, from the Fly Machines API.
/// </summary>
public sealed record FlySdConfig
{
    public const string DefaultApiUrl = "https://api.machines.dev";

    /// <summary>The organisation slug (<c>org</c>), as <c>fly orgs list</c> shows it (e.g. <c>personal</c>).</summary>
    public required string Org { get; init; }

    /// <summary>A glob over app names: <c>*</c> any run of characters, <c>?</c> one character; case-sensitive.</summary>
    public string AppNamePattern { get; init; } = "*";

    /// <summary>The API token written in the config; null means <see cref="TokenFile"/> or the app setting.</summary>
    public string? Token { get; init; }

    /// <summary>A file holding the token (trimmed), relative to the config file.</summary>
    public string? TokenFile { get; init; }

    /// <summary>The Machines API base URL; null means the app setting, else <see cref="DefaultApiUrl"/>.</summary>
    public Uri? Url { get; init; }

    /// <summary>The port of a target whose machine config declares no <c>metrics.port</c>.</summary>
    public int Port { get; init; } = 80;

    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromMinutes(1);
}
