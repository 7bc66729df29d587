
namespace Alerting.Core.Alertmanager;

/// <summary>The <c>global</c> block and Prometheus <c>http_config</c>/<c>tls_config</c>.</summary>
internal sealed partial class ConfigParser
{
    // ---------------------------------------------------------------- global

    private (GlobalConfig, YamlMap?) ParseGlobal(YamlMap root)
    {
        var m = YamlMap.Open(_ctx, root.Get("global"), "global");
        if (m is null)
        {
            return (new GlobalConfig(), null);
        }
        var other = new Dictionary<string, string>(GlobalConfig.OtherDefaults, StringComparer.Ordinal);
        foreach (var key in GlobalConfig.OtherKeys)
        {
            var secret = key is "opsgenie_api_key" or "victorops_api_key" or "wechat_api_secret" or "telegram_bot_token" or "rocketchat_token" or "rocketchat_token_id";
            var v = m.String(key, secret ? "config.plain" : "string");
            if (v is null)
            {
                continue;
            }
            if (GlobalConfig.OtherUrlKeys.Contains(key))
            {
                CheckUrl(m, key, v);
            }
            other[key] = v;
        }
        var g = new GlobalConfig
        {
            ResolveTimeout = m.Duration("resolve_timeout") ?? TimeSpan.FromMinutes(5),
            HttpConfig = ParseHttpConfig(m, "http_config") ?? new HttpClientConfig(),
            SmtpFrom = m.String("smtp_from"),
            SmtpHello = m.String("smtp_hello") ?? "localhost",
            SmtpSmarthost = HostPort(m, "smtp_smarthost"),
            SmtpAuthUsername = m.String("smtp_auth_username"),
            SmtpAuthPassword = m.String("smtp_auth_password", "config.plain"),
            SmtpAuthPasswordFile = m.String("smtp_auth_password_file"),
            SmtpAuthSecret = m.String("smtp_auth_secret", "config.plain"),
            SmtpAuthSecretFile = m.String("smtp_auth_secret_file"),
            SmtpAuthIdentity = m.String("smtp_auth_identity"),
            SmtpRequireTls = m.Bool("smtp_require_tls") ?? true,
            SmtpTlsConfig = ParseTls(m, "smtp_tls_config"),
            SlackApiUrl = SecretUrl(m, "slack_api_url"),
            SlackApiUrlFile = m.String("slack_api_url_file"),
            SlackAppToken = m.String("slack_app_token"),
            SlackAppTokenFile = m.String("slack_app_token_file"),
            SlackAppUrl = Url(m, "slack_app_url") ?? SlackConfig.ChatPostMessageUrl,
            PagerDutyUrl = Url(m, "pagerduty_url") ?? "https://events.pagerduty.com/v2/enqueue",
            Other = other,
        };
        m.Done();
        return (g, m);
    }

    /// <summary>
    /// Prometheus' <c>http_config</c> with its validation. Fields newer than Alertmanager 0.25 (no_proxy,
    /// http_headers, ...) are accepted as current Alertmanager accepts them.
    /// </summary>
    private HttpClientConfig? ParseHttpConfig(YamlMap parent, string key)
    {
        var m = YamlMap.Open(_ctx, parent.Get(key), parent.KeyPath(key));
        if (m is null)
        {
            return null;
        }
        var basic = YamlMap.Open(_ctx, m.Get("basic_auth"), m.KeyPath("basic_auth"));
        var auth = YamlMap.Open(_ctx, m.Get("authorization"), m.KeyPath("authorization"));
        var oauth = YamlMap.Open(_ctx, m.Get("oauth2"), m.KeyPath("oauth2"));
        var proxy = m.String("proxy_url");
        if (proxy is not null && GoUrlParseError(proxy) is { } proxyError)
        {
            throw _ctx.Error(m.At("proxy_url"), m.KeyPath("proxy_url"), proxyError);
        }
        var cfg = new HttpClientConfig
        {
            FollowRedirects = m.Bool("follow_redirects") ?? true,
            EnableHttp2 = m.Bool("enable_http2") ?? true,
            ProxyUrl = proxy,
            BearerToken = Empty(m.String("bearer_token", "config.plain")),
            BearerTokenFile = Empty(m.String("bearer_token_file")),
            BasicAuthUsername = basic?.String("username"),
            BasicAuthPassword = Empty(basic?.String("password", "config.plain")),
            BasicAuthPasswordFile = Empty(basic?.String("password_file")),
            AuthorizationType = auth is null ? null : (auth.String("type") ?? string.Empty).Trim() is { Length: > 0 } t ? t : "Bearer",
            AuthorizationCredentials = Empty(auth?.String("credentials", "config.plain")),
            AuthorizationCredentialsFile = Empty(auth?.String("credentials_file")),
            TlsConfig = ParseTls(m, "tls_config"),
            HasOAuth2 = oauth is not null,
        };
        var clientId = oauth?.String("client_id");
        var clientSecret = Empty(oauth?.String("client_secret", "config.plain"));
        var clientSecretFile = Empty(oauth?.String("client_secret_file"));
        var tokenUrl = oauth?.String("token_url");
        oauth?.Accept("scopes", "endpoint_params", "tls_config", "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header", "client_secret_ref", "client_certificate_key", "client_certificate_key_file", "client_certificate_key_id", "client_certificate_key_ref", "signature_algorithm", "iss", "audience", "claims");
        oauth?.Done();
        basic?.Accept("username_file", "username_ref", "password_ref");
        basic?.Done();
        auth?.Accept("credentials_ref");
        auth?.Done();
        var hasProxyConnectHeader = m.Has("proxy_connect_header");
        m.Accept("proxy_connect_header", "no_proxy", "proxy_from_environment", "http_headers");
        m.Done();
        if (m.HadTypeErrors)
        {
            return cfg;
        }
        void Fail(string detail) => throw _ctx.Error(m.Node, m.Path, detail);
        var hasBearer = cfg.BearerToken is not null || cfg.BearerTokenFile is not null;
        if (cfg.BearerToken is not null && cfg.BearerTokenFile is not null)
        {
            Fail("at most one of bearer_token & bearer_token_file must be configured");
        }
        if ((basic is not null || oauth is not null) && hasBearer)
        {
            Fail("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
        }
        if (cfg.BasicAuthPassword is not null && cfg.BasicAuthPasswordFile is not null)
        {
            Fail("at most one of basic_auth password & password_file must be configured");
        }
        if (auth is not null)
        {
            if (hasBearer)
            {
                Fail("authorization is not compatible with bearer_token & bearer_token_file");
            }
            if (cfg.AuthorizationCredentials is not null && cfg.AuthorizationCredentialsFile is not null)
            {
                Fail("at most one of authorization credentials & credentials_file must be configured");
            }
            if (string.Equals(cfg.AuthorizationType, "basic", StringComparison.OrdinalIgnoreCase))
            {
                Fail("authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
            }
            if (basic is not null || oauth is not null)
            {
                Fail("at most one of basic_auth, oauth2 & authorization must be configured");
            }
        }
        else if (hasBearer)
        {
            // Prometheus turns the legacy bearer token into an Authorization header.
            cfg = cfg with { AuthorizationType = "Bearer", AuthorizationCredentials = cfg.BearerToken, AuthorizationCredentialsFile = cfg.BearerTokenFile };
        }
        if (oauth is not null)
        {
            if (basic is not null)
            {
                Fail("at most one of basic_auth, oauth2 & authorization must be configured");
            }
            if (string.IsNullOrEmpty(clientId))
            {
                Fail("oauth2 client_id must be configured");
            }
            if (clientSecret is null && clientSecretFile is null)
            {
                Fail("either oauth2 client_secret or client_secret_file must be configured");
            }
            if (string.IsNullOrEmpty(tokenUrl))
            {
                Fail("oauth2 token_url must be configured");
            }
            if (clientSecret is not null && clientSecretFile is not null)
            {
                Fail("at most one of oauth2 client_secret & client_secret_file must be configured");
            }
        }
        if (hasProxyConnectHeader && string.IsNullOrEmpty(proxy))
        {
            Fail("if proxy_connect_header is configured proxy_url must also be configured");
        }
        return cfg;
    }

    private static string? Empty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private TlsConfig? ParseTls(YamlMap parent, string key)
    {
        var m = YamlMap.Open(_ctx, parent.Get(key), parent.KeyPath(key));
        if (m is null)
        {
            return null;
        }
        var tls = new TlsConfig
        {
            CaFile = m.String("ca_file"),
            CertFile = m.String("cert_file"),
            KeyFile = m.String("key_file"),
            ServerName = m.String("server_name"),
            InsecureSkipVerify = m.Bool("insecure_skip_verify") ?? false,
            MinVersion = m.String("min_version"),
        };
        m.Accept("max_version", "ca", "cert", "key", "key_ref");
        m.Done();
        return tls;
    }
}
