namespace Alerting.Core.Config;

/// <summary>
/// Prometheus' common <c>http_config</c> (prometheus/common <c>HTTPClientConfig</c>): how a scrape, a
/// service discovery request or a receiver reaches its server. One type for scrape configs and every
/// Alertmanager receiver; the legacy <c>bearer_token</c>/<c>bearer_token_file</c> arrive folded into
/// <see cref="Authorization"/>, as Prometheus folds them.
/// </summary>
public sealed record HttpClientConfig
{
    public static readonly HttpClientConfig Default = new();

    public BasicAuth? BasicAuth { get; init; }

    public Authorization? Authorization { get; init; }

    public OAuth2Config? OAuth2 { get; init; }

    public TlsConfig TlsConfig { get; init; } = TlsConfig.Default;

    public ProxyConfig Proxy { get; init; } = ProxyConfig.None;

    public bool FollowRedirects { get; init; } = true;

    public bool EnableHttp2 { get; init; } = true;

    /// <summary>File paths made absolute against the config file's folder, as Prometheus and Alertmanager do when loading.</summary>
    public HttpClientConfig ResolvePaths(string baseDir) => this with
    {
        BasicAuth = BasicAuth is { } b ? b with { PasswordFile = Join(baseDir, b.PasswordFile) } : null,
        Authorization = Authorization is { } a ? a with { CredentialsFile = Join(baseDir, a.CredentialsFile) } : null,
        OAuth2 = OAuth2 is { } o ? o with { ClientSecretFile = Join(baseDir, o.ClientSecretFile), TlsConfig = o.TlsConfig.ResolvePaths(baseDir) } : null,
        TlsConfig = TlsConfig.ResolvePaths(baseDir),
    };

    internal static string? Join(string baseDir, string? path) =>
        string.IsNullOrEmpty(path) || Path.IsPathRooted(path) ? path : Path.Combine(baseDir, path);
}

public sealed record BasicAuth(string Username, string? Password, string? PasswordFile);

/// <summary>An <c>Authorization: Type credentials</c> header; <see cref="Type"/> defaults to <c>Bearer</c>.</summary>
public sealed record Authorization(string Type, string? Credentials, string? CredentialsFile);

/// <summary>The OAuth 2.0 client-credentials grant Prometheus performs before each token expiry.</summary>
public sealed record OAuth2Config
{
    public required string ClientId { get; init; }

    public string? ClientSecret { get; init; }

    public string? ClientSecretFile { get; init; }

    public required string TokenUrl { get; init; }

    public IReadOnlyList<string> Scopes { get; init; } = [];

    public IReadOnlyDictionary<string, string> EndpointParams { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public TlsConfig TlsConfig { get; init; } = TlsConfig.Default;

    public ProxyConfig Proxy { get; init; } = ProxyConfig.None;
}

/// <summary><c>proxy_url</c>, <c>no_proxy</c>, <c>proxy_from_environment</c> and <c>proxy_connect_header</c>.</summary>
public sealed record ProxyConfig(string? Url, string? NoProxy, bool FromEnvironment)
{
    public static readonly ProxyConfig None = new(null, null, false);

    public IReadOnlyDictionary<string, IReadOnlyList<string>> ConnectHeaders { get; init; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
}

/// <summary>Prometheus' <c>tls_config</c>: inline PEM or files for the CA, client certificate and key.</summary>
public sealed record TlsConfig
{
    public static readonly TlsConfig Default = new();

    public string? Ca { get; init; }

    public string? CaFile { get; init; }

    public string? Cert { get; init; }

    public string? CertFile { get; init; }

    public string? Key { get; init; }

    public string? KeyFile { get; init; }

    public string? ServerName { get; init; }

    public bool InsecureSkipVerify { get; init; }

    /// <summary><c>TLS10</c> ... <c>TLS13</c>, or null for the platform's minimum.</summary>
    public string? MinVersion { get; init; }

    public string? MaxVersion { get; init; }

    public bool HasClientCertificate => Cert is not null || CertFile is not null;

    public TlsConfig ResolvePaths(string baseDir) => this with
    {
        CaFile = HttpClientConfig.Join(baseDir, CaFile),
        CertFile = HttpClientConfig.Join(baseDir, CertFile),
        KeyFile = HttpClientConfig.Join(baseDir, KeyFile),
    };
}
