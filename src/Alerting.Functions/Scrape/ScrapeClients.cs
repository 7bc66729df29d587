using System.Collections.Concurrent;
using Alerting.Core.Config;
using Alerting.Core.Scrape.Config;

namespace Alerting.Functions.Scrape;

/// <summary>
/// The HTTP client a job scrapes with: the shared "scrape" client for the usual case, or one client per
/// distinct TLS/proxy/redirect setting (a CA, a client certificate, an SNI name, a proxy or skipped
/// verification cannot be set per request). Clients live as long as the app, like the shared one.
/// </summary>
public sealed class ScrapeClients(IHttpClientFactory httpFactory) : IDisposable
{
    private readonly ConcurrentDictionary<(TlsConfig Tls, ProxyConfig Proxy, bool FollowRedirects), HttpClient> _custom = new();

    public HttpClient For(ScrapeConfig job) => For(job?.HttpConfig ?? throw new ArgumentNullException(nameof(job)));

    public HttpClient For(HttpClientConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!HttpClientConfigs.NeedsOwnHandler(config))
        {
            return httpFactory.CreateClient("scrape");
        }
        return _custom.GetOrAdd((config.TlsConfig, config.Proxy, config.FollowRedirects), static (_, c) => new HttpClient(HttpClientConfigs.Handler(c)) { Timeout = Timeout.InfiniteTimeSpan }, config);
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
