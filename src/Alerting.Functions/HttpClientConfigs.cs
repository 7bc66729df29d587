using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Alerting.Core.Config;

namespace Alerting.Functions;

/// <summary>
/// Turns a Prometheus <c>http_config</c> into what .NET's HTTP stack needs: a handler (TLS, proxy,
/// redirects, proxy CONNECT headers, HTTP/2) and the <c>Authorization</c> header of each request (secret files are read per
/// request, so a rotated token is picked up without a reload). One place for scrapes and receivers.
/// </summary>
public static class HttpClientConfigs
{
    /// <summary>Whether <paramref name="config"/> needs a handler of its own (anything but default TLS, redirects on, no proxy, HTTP/2 offered).</summary>
    public static bool NeedsOwnHandler(HttpClientConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.TlsConfig != TlsConfig.Default || !config.FollowRedirects || config.Proxy != ProxyConfig.None || !config.EnableHttp2;
    }

    /// <summary>
    /// The handler for <paramref name="config"/>'s TLS, redirects and proxy. With <c>proxy_connect_header</c>,
    /// https requests go through a tunnel we open with those headers (<see cref="ProxyTunnel"/>).
    /// </summary>
    public static HttpMessageHandler Handler(HttpClientConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var handler = Sockets(config);
        if (config.Proxy.ConnectHeaders.Count > 0 && handler.UseProxy)
        {
            return ProxyTunnel.WithConnectHeaders(handler, Sockets(config), handler.Proxy ?? HttpClient.DefaultProxy, config.Proxy.ConnectHeaders);
        }
        return handler;
    }

    private static SocketsHttpHandler Sockets(HttpClientConfig config)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = TlsTrust.ClientOptions(config.TlsConfig),
            AllowAutoRedirect = config.FollowRedirects,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (config.Proxy.Url is { } proxyUrl)
        {
            handler.Proxy = new WebProxy(new Uri(proxyUrl), BypassOnLocal: false, BypassList: NoProxyPatterns(config.Proxy.NoProxy));
            handler.UseProxy = true;
        }
        else if (!config.Proxy.FromEnvironment)
        {
            // Prometheus uses no proxy unless told to; .NET would otherwise honour HTTP_PROXY.
            handler.UseProxy = false;
        }
        return handler;
    }

    /// <summary>
    /// <c>enable_http2</c> as Prometheus' common HTTP client means it: true (the default) offers HTTP/2 by
    /// ALPN over TLS and falls back to HTTP/1.1 (plain http stays HTTP/1.1: no h2c); false pins HTTP/1.1.
    /// Applied per request because notifiers build their own <see cref="HttpRequestMessage"/>s, which
    /// ignore a client's default version.
    /// </summary>
    public static DelegatingHandler HttpVersion(HttpClientConfig config, HttpMessageHandler inner)
    {
        var handler = HttpVersion(config);
        handler.InnerHandler = inner;
        return handler;
    }

    /// <summary>The same, for an <c>IHttpClientFactory</c> pipeline, which sets the inner handler itself.</summary>
    public static DelegatingHandler HttpVersion(HttpClientConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new HttpVersionHandler(config.EnableHttp2);
    }

    private sealed class HttpVersionHandler(bool enableHttp2) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Version = enableHttp2 ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11;
            request.VersionPolicy = enableHttp2 ? HttpVersionPolicy.RequestVersionOrLower : HttpVersionPolicy.RequestVersionExact;
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary><c>no_proxy</c>'s comma-separated hosts and domains as WebProxy bypass patterns.</summary>
    private static string[] NoProxyPatterns(string? noProxy) =>
        (noProxy ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(h => "^(.*\\.)?" + System.Text.RegularExpressions.Regex.Escape(h.TrimStart('.')) + "(:\\d+)?$")
            .ToArray();

    /// <summary>The <c>Authorization</c> header for basic_auth or authorization (bearer tokens included), or null.</summary>
    public static AuthenticationHeaderValue? AuthorizationHeader(HttpClientConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.BasicAuth is { } basic)
        {
            var password = basic.Password ?? ReadSecret(basic.PasswordFile) ?? string.Empty;
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basic.Username}:{password}")));
        }
        if (config.Authorization is { } auth && (auth.Credentials ?? ReadSecret(auth.CredentialsFile)) is { } credentials)
        {
            return new AuthenticationHeaderValue(auth.Type, credentials);
        }
        return null;
    }

    /// <summary>A <c>*_file</c> secret: the file's content without its trailing newline.</summary>
    public static string? ReadSecret(string? path) =>
        string.IsNullOrEmpty(path) ? null : File.ReadAllText(path).TrimEnd('\r', '\n');
}
