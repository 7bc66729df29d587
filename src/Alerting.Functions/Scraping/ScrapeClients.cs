using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Alerting.Core.Collection.Config;

namespace Alerting.Functions.Scraping;

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
        if (tls.CertFile is { } certFile && tls.KeyFile is { } keyFile)
        {
            ssl.ClientCertificates = [X509Certificate2.CreateFromPemFile(certFile, keyFile)];
        }
        if (tls.InsecureSkipVerify)
        {
            ssl.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (tls.CaFile is { } caFile)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
                {
                    return false;
                }
                // Trust exactly the configured CAs, as Prometheus' ca_file does (not the system store as well).
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                using var leaf = new X509Certificate2(certificate);
                return chain.Build(leaf);
            };
        }
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
