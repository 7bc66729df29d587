namespace Alerting.Core.Config;

/// <summary>
/// Reads an <c>http_config</c> (or a scrape config's inline HTTP fields) and validates it with
/// prometheus/common's rules and messages. Fields newer than Prometheus 2.42 / Alertmanager 0.25
/// (<c>no_proxy</c>, inline <c>ca</c>/<c>cert</c>/<c>key</c>, ...) are accepted as current releases accept them.
/// </summary>
public static class HttpClientConfigParser
{
    private static readonly string[] TlsVersions = ["TLS10", "TLS11", "TLS12", "TLS13"];

    /// <summary>The <c>http_config</c> block under <paramref name="key"/>, or null when absent.</summary>
    public static HttpClientConfig? Parse(YamlMap parent, string key)
    {
        ArgumentNullException.ThrowIfNull(parent);
        var m = parent.Map(key);
        if (m is null)
        {
            return null;
        }
        var fields = ParseFields(m);
        m.Done();
        return m.HadTypeErrors ? fields.Resolve() : Validate(m, fields);
    }

    /// <summary>
    /// The HTTP client fields of <paramref name="m"/> itself (a scrape config holds them inline). The caller
    /// calls <see cref="YamlMap.Done"/> and then <see cref="Validate"/> when the block had no type errors.
    /// </summary>
    public static HttpClientFields ParseFields(YamlMap m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var basic = m.Map("basic_auth");
        var auth = m.Map("authorization");
        var oauth = m.Map("oauth2");
        var bearer = Empty(m.String("bearer_token", "config.plain"));
        var bearerFile = Empty(m.String("bearer_token_file"));
        var cfg = new HttpClientConfig
        {
            FollowRedirects = m.Bool("follow_redirects") ?? true,
            EnableHttp2 = m.Bool("enable_http2") ?? true,
            Proxy = ParseProxy(m),
            TlsConfig = ParseTls(m, "tls_config") ?? TlsConfig.Default,
        };
        if (basic is not null)
        {
            cfg = cfg with { BasicAuth = new BasicAuth(basic.String("username") ?? string.Empty, Empty(basic.String("password", "config.plain")), Empty(basic.String("password_file"))) };
            basic.Accept("username_file", "username_ref", "password_ref");
            basic.Done();
        }
        if (auth is not null)
        {
            cfg = cfg with { Authorization = new Authorization((auth.String("type") ?? string.Empty).Trim(), Empty(auth.String("credentials", "config.plain")), Empty(auth.String("credentials_file"))) };
            auth.Accept("credentials_ref");
            auth.Done();
        }
        if (oauth is not null)
        {
            cfg = cfg with
            {
                OAuth2 = new OAuth2Config
                {
                    ClientId = oauth.String("client_id") ?? string.Empty,
                    ClientSecret = Empty(oauth.String("client_secret", "config.plain")),
                    ClientSecretFile = Empty(oauth.String("client_secret_file")),
                    TokenUrl = oauth.String("token_url") ?? string.Empty,
                    Scopes = oauth.StringList("scopes") ?? [],
                    EndpointParams = (oauth.StringMap("endpoint_params") ?? []).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal),
                    TlsConfig = ParseTls(oauth, "tls_config") ?? TlsConfig.Default,
                    Proxy = ParseProxy(oauth),
                },
            };
            oauth.Accept("client_secret_ref", "client_certificate_key", "client_certificate_key_file", "client_certificate_key_id", "client_certificate_key_ref", "signature_algorithm", "iss", "audience", "claims");
            oauth.Done();
        }
        m.Accept("http_headers");
        return new HttpClientFields(cfg, bearer, bearerFile);
    }

    /// <summary>prometheus/common's HTTPClientConfig.Validate (and its TLS checks), throwing at the block.</summary>
    public static HttpClientConfig Validate(YamlMap m, HttpClientFields fields)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(fields);
        // Prometheus' messages carry no position; point at the key they are about where it is written.
        void Fail(string detail, string key) => throw (m.KeyNode(key) is { } at ? m.Ctx.Error(at, m.KeyPath(key), detail) : m.Ctx.Error(m.Node, m.Path, detail));
        var (cfg, bearer, bearerFile) = fields;
        var hasBearer = bearer is not null || bearerFile is not null;
        if (bearer is not null && bearerFile is not null)
        {
            Fail("at most one of bearer_token & bearer_token_file must be configured", "bearer_token_file");
        }
        if ((cfg.BasicAuth is not null || cfg.OAuth2 is not null) && hasBearer)
        {
            Fail("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured", bearer is null ? "bearer_token_file" : "bearer_token");
        }
        if (cfg.BasicAuth is { Password: not null, PasswordFile: not null })
        {
            Fail("at most one of basic_auth password & password_file must be configured", "basic_auth");
        }
        if (cfg.Authorization is { } auth)
        {
            if (hasBearer)
            {
                Fail("authorization is not compatible with bearer_token & bearer_token_file", "authorization");
            }
            if (auth.Credentials is not null && auth.CredentialsFile is not null)
            {
                Fail("at most one of authorization credentials & credentials_file must be configured", "authorization");
            }
            if (string.Equals(auth.Type, "basic", StringComparison.OrdinalIgnoreCase))
            {
                Fail("authorization type cannot be set to \"basic\", use \"basic_auth\" instead", "authorization");
            }
            if (cfg.BasicAuth is not null || cfg.OAuth2 is not null)
            {
                Fail("at most one of basic_auth, oauth2 & authorization must be configured", "authorization");
            }
        }
        if (cfg.OAuth2 is { } o)
        {
            if (cfg.BasicAuth is not null)
            {
                Fail("at most one of basic_auth, oauth2 & authorization must be configured", "oauth2");
            }
            if (o.ClientId.Length == 0)
            {
                Fail("oauth2 client_id must be configured", "oauth2");
            }
            if (o.ClientSecret is null && o.ClientSecretFile is null)
            {
                Fail("either oauth2 client_secret or client_secret_file must be configured", "oauth2");
            }
            if (o.TokenUrl.Length == 0)
            {
                Fail("oauth2 token_url must be configured", "oauth2");
            }
            if (o.ClientSecret is not null && o.ClientSecretFile is not null)
            {
                Fail("at most one of oauth2 client_secret & client_secret_file must be configured", "oauth2");
            }
            ValidateProxy(m, o.Proxy);
        }
        ValidateProxy(m, cfg.Proxy);
        return fields.Resolve();
    }

    private static void ValidateProxy(YamlMap m, ProxyConfig p)
    {
        if (p.ConnectHeaders.Count > 0 && string.IsNullOrEmpty(p.Url) && !p.FromEnvironment)
        {
            throw m.Ctx.Error(m.Node, m.Path, "if proxy_connect_header is configured proxy_url must also be configured");
        }
        if (p.FromEnvironment && (p.Url is not null || p.NoProxy is not null))
        {
            throw m.Ctx.Error(m.Node, m.Path, p.Url is not null
                ? "if proxy_from_environment is configured, proxy_url must not be configured"
                : "if proxy_from_environment is configured, no_proxy must not be configured");
        }
        if (p.NoProxy is not null && p.Url is null)
        {
            throw m.Ctx.Error(m.Node, m.Path, "if no_proxy is configured, proxy_url must also be configured");
        }
    }

    private static ProxyConfig ParseProxy(YamlMap m)
    {
        var url = m.String("proxy_url");
        if (url is { Length: > 0 } && GoUrl.ParseError(url) is { } error)
        {
            throw m.Ctx.Error(m.At("proxy_url"), m.KeyPath("proxy_url"), error);
        }
        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (YamlMap.Open(m.Ctx, m.Get("proxy_connect_header"), m.KeyPath("proxy_connect_header"), "config.ProxyHeader") is { } h)
        {
            foreach (var name in h.Keys.ToList())
            {
                headers[name] = h.StringList(name, "[]config.Secret") ?? [];
            }
            h.Done();
        }
        var proxy = new ProxyConfig(Empty(url), Empty(m.String("no_proxy")), m.Bool("proxy_from_environment") ?? false);
        return headers.Count > 0 ? proxy with { ConnectHeaders = headers } : proxy == ProxyConfig.None ? ProxyConfig.None : proxy;
    }

    /// <summary>A <c>tls_config</c> block, or null when absent.</summary>
    public static TlsConfig? ParseTls(YamlMap parent, string key)
    {
        ArgumentNullException.ThrowIfNull(parent);
        var m = parent.Map(key);
        if (m is null)
        {
            return null;
        }
        var tls = new TlsConfig
        {
            Ca = Empty(m.String("ca")),
            CaFile = Empty(m.String("ca_file")),
            Cert = Empty(m.String("cert")),
            CertFile = Empty(m.String("cert_file")),
            Key = Empty(m.String("key", "config.plain")),
            KeyFile = Empty(m.String("key_file")),
            ServerName = Empty(m.String("server_name")),
            InsecureSkipVerify = m.Bool("insecure_skip_verify") ?? false,
            MinVersion = Empty(m.String("min_version")),
            MaxVersion = Empty(m.String("max_version")),
        };
        m.Accept("key_ref", "ca_ref", "cert_ref");
        m.Done();
        if (m.HadTypeErrors)
        {
            return tls;
        }
        foreach (var (version, k) in new[] { (tls.MinVersion, "min_version"), (tls.MaxVersion, "max_version") })
        {
            if (version is not null && Array.IndexOf(TlsVersions, version) < 0)
            {
                throw m.Ctx.Error(m.At(k), m.KeyPath(k), $"unknown TLS version: {version}");
            }
        }
        void AtMostOne(string? a, string? b, string what)
        {
            if (a is not null && b is not null)
            {
                throw m.Ctx.Error(m.Node, m.Path, $"at most one of {what} and {what}_file must be configured");
            }
        }
        AtMostOne(tls.Ca, tls.CaFile, "ca");
        AtMostOne(tls.Cert, tls.CertFile, "cert");
        AtMostOne(tls.Key, tls.KeyFile, "key");
        if (tls.HasClientCertificate && tls.Key is null && tls.KeyFile is null)
        {
            throw m.Ctx.Error(m.Node, m.Path, tls.CertFile is not null && tls.Cert is null
                ? $"client cert file \"{tls.CertFile}\" specified without client key file"
                : "exactly one of key or key_file must be configured when a client certificate is configured");
        }
        if (!tls.HasClientCertificate && (tls.Key is not null || tls.KeyFile is not null))
        {
            throw m.Ctx.Error(m.Node, m.Path, tls.KeyFile is not null && tls.Key is null
                ? $"client key file \"{tls.KeyFile}\" specified without client cert file"
                : "exactly one of cert or cert_file must be configured when a client key is configured");
        }
        return tls;
    }

    internal static string? Empty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}

/// <summary>
/// The HTTP client fields as written, before validation: the legacy bearer fields are kept apart so the
/// checks can tell them from <c>authorization</c>, as prometheus/common does.
/// </summary>
public sealed record HttpClientFields(HttpClientConfig Config, string? BearerToken, string? BearerTokenFile)
{
    /// <summary>The config with the legacy bearer fields folded into a Bearer authorization and the type defaulted.</summary>
    public HttpClientConfig Resolve() => Config.Authorization is { } a
        ? Config with { Authorization = a.Type.Length == 0 ? a with { Type = "Bearer" } : a }
        : BearerToken is null && BearerTokenFile is null ? Config
        : Config with { Authorization = new Authorization("Bearer", BearerToken, BearerToken is null ? BearerTokenFile : null) };
}
