using System.Collections.Concurrent;
using Alerting.Core.Config;
using Alerting.Core.Scrape.Config;

namespace Alerting.Functions.Scrape;

/// <summary>
/// The HTTP client a job scrapes with: the shared "scrape" client for the usual case, or one client per
/// distinct TLS/proxy/redirect/HTTP/2 setting (a CA, a client certificate, an SNI name, a proxy or skipped
/// verification cannot be set per request). Every one applies <c>enable_http2</c> as the receivers' clients
/// do (<see cref="HttpClientConfigs.HttpVersion(HttpClientConfig)"/>; true, Prometheus 2.42's scrape default,
/// offers HTTP/2 over TLS). Clients live as long as the app, like the shared one.
/// </summary>
public sealed class ScrapeClients(IHttpClientFactory httpFactory) : IDisposable
{
    private readonly ConcurrentDictionary<(TlsConfig Tls, ProxyConfig Proxy, bool FollowRedirects, bool EnableHttp2), HttpClient> _custom = new();

    public HttpClient For(ScrapeConfig job) => For(job?.HttpConfig ?? throw new ArgumentNullException(nameof(job)));

    public HttpClient For(HttpClientConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!HttpClientConfigs.NeedsOwnHandler(config))
        {
            return httpFactory.CreateClient("scrape");
        }
        return _custom.GetOrAdd((config.TlsConfig, config.Proxy, config.FollowRedirects, config.EnableHttp2),
            static (_, c) => new HttpClient(HttpClientConfigs.HttpVersion(c, HttpClientConfigs.Handler(c))) { Timeout = Timeout.InfiniteTimeSpan }, config);
    }

    /// <summary>File paths in the job's HTTP settings are relative to the scrape config's folder, as in Prometheus.</summary>
    public static ScrapeConfig ResolveFiles(ScrapeConfig job, string configDirectory)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job with { HttpConfig = job.HttpConfig.ResolvePaths(configDirectory) };
    }

    public void Dispose()
    {
        foreach (var client in _custom.Values)
        {
            client.Dispose();
        }
        _custom.Clear();
    }
}
