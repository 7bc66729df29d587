using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Alerting.Core.Scrape.Config;

namespace Alerting.Functions.Scrape;

/// <summary>
/// The HTTP client a job scrapes with: the shared "scrape" client for the usual case, or one client per
/// distinct <c>tls_config</c>/<c>follow_redirects</c> (a CA file, a client certificate, an SNI name or
/// skipped verification cannot be set per request). Clients live as long as the app, like the shared one.
/// </summary>
public sealed class ScrapeClients(IHttpClientFactory httpFactory) : IDisposable
{
    private static readonly TlsConfig DefaultTls = new();

    private readonly ConcurrentDictionary<(TlsConfig Tls, bool FollowRedirects), HttpClient> _custom = new();

    public HttpClient For(ScrapeConfig job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Tls == DefaultTls && job.FollowRedirects)
        {
            return httpFactory.CreateClient("scrape");
        }
        return _custom.GetOrAdd((job.Tls, job.FollowRedirects), static key => new HttpClient(Handler(key.Tls, key.FollowRedirects)) { Timeout = Timeout.InfiniteTimeSpan });
    }

    /// <summary>Paths in <c>tls_config</c>, <c>basic_auth</c> and <c>authorization</c> are relative to the scrape config's folder, as in Prometheus.</summary>
    public static ScrapeConfig ResolveFiles(ScrapeConfig job, string configDirectory)
    {
        ArgumentNullException.ThrowIfNull(job);
        string? Resolve(string? path) => path is null || Path.IsPathRooted(path) ? path : Path.Combine(configDirectory, path);
        return job with
        {
            Tls = job.Tls with { CaFile = Resolve(job.Tls.CaFile), CertFile = Resolve(job.Tls.CertFile), KeyFile = Resolve(job.Tls.KeyFile) },
            BasicAuth = job.BasicAuth is { } b ? b with { PasswordFile = Resolve(b.PasswordFile) } : null,
            Authorization = job.Authorization is { } a ? a with { CredentialsFile = Resolve(a.CredentialsFile) } : null,
        };
    }

    private static SocketsHttpHandler Handler(TlsConfig tls, bool followRedirects)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (tls.ServerName is { Length: > 0 } serverName)
        {
            ssl.TargetHost = serverName;
        }
        if (TlsTrust.ClientCertificate(tls.CertFile, tls.KeyFile) is { } clientCertificate)
        {
            ssl.ClientCertificates = [clientCertificate];
        }
        ssl.RemoteCertificateValidationCallback = TlsTrust.Callback(tls.InsecureSkipVerify, tls.CaFile);
        return new SocketsHttpHandler { SslOptions = ssl, AllowAutoRedirect = followRedirects, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
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
