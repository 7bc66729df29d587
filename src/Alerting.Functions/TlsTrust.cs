using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Alerting.Core.Config;

namespace Alerting.Functions;

/// <summary>
/// How a <c>tls_config</c> decides whether to trust a server: <c>insecure_skip_verify</c> trusts any,
/// <c>ca</c>/<c>ca_file</c> trusts exactly the configured CAs (as Prometheus and Alertmanager do, not the
/// system store as well), neither leaves the platform's default validation. Shared by scrapes, service
/// discovery, receivers and SMTP.
/// </summary>
public static class TlsTrust
{
    /// <summary>
    /// The validation callback for a <c>tls_config</c> whose caller only needs a verdict (SMTP), or null for the
    /// platform default. The host name is checked against <c>server_name</c> when set, else as the platform did.
    /// </summary>
    public static RemoteCertificateValidationCallback? Callback(TlsConfig? tls)
    {
        if (tls is null)
        {
            return null;
        }
        if (tls.InsecureSkipVerify)
        {
            return static (_, _, _, _) => true;
        }
        if (tls.Ca is null && tls.CaFile is null && tls.ServerName is null)
        {
            return null;
        }
        var roots = Roots(tls);
        return (_, certificate, chain, errors) => Verify(tls, roots, host: null, certificate, chain, errors) is null;
    }

    /// <summary>
    /// The callback HTTP clients use: the same verdict, but a refused certificate throws
    /// <see cref="CertificateVerificationException"/> carrying Go's crypto/x509 message, so the request fails
    /// with the error Prometheus and Alertmanager log (<c>x509: certificate signed by unknown authority</c>).
    /// </summary>
    private static RemoteCertificateValidationCallback HttpCallback(TlsConfig tls)
    {
        if (tls.InsecureSkipVerify)
        {
            return static (_, _, _, _) => true;
        }
        var roots = Roots(tls);
        return (sender, certificate, chain, errors) =>
            Verify(tls, roots, (sender as SslStream)?.TargetHostName, certificate, chain, errors) is { } failure
                ? throw new CertificateVerificationException(failure)
                : true;
    }

    private static X509Certificate2Collection? Roots(TlsConfig tls)
    {
        if (tls.Ca is null && tls.CaFile is null)
        {
            return null;
        }
        var roots = new X509Certificate2Collection();
        if (tls.Ca is not null)
        {
            roots.ImportFromPem(tls.Ca);
        }
        else
        {
            roots.ImportFromPemFile(tls.CaFile!);
        }
        return roots;
    }

    /// <summary>
    /// Go's verification (crypto/tls with crypto/x509): the chain must end at one of <paramref name="roots"/>
    /// (only those, as Prometheus does), or at the system's roots when none are configured; the leaf must be
    /// valid for <c>server_name</c>, else for the host dialled. Null when trusted, else Go's message. A null
    /// <paramref name="host"/> leaves the name check to the platform's verdict in <paramref name="errors"/>.
    /// </summary>
    internal static string? Verify(TlsConfig tls, X509Certificate2Collection? roots, string? host, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return "tls: server did not send a certificate";
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (roots is not null)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        }
        if (presented is not null)
        {
            // Intermediates the server sent, as Go's Intermediates pool.
            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        using var leaf = new X509Certificate2(certificate);
        if (!chain.Build(leaf))
        {
            return ChainFailure(chain, leaf);
        }
        var name = tls.ServerName ?? host;
        if (name is null)
        {
            return (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 ? NameFailure(leaf, "the requested host") : null;
        }
        return leaf.MatchesHostname(name, allowWildcards: true, allowCommonName: false) ? null : NameFailure(leaf, name);
    }

    /// <summary>Go's x509.UnknownAuthorityError and CertificateInvalidError texts for a chain that did not build.</summary>
    private static string ChainFailure(X509Chain chain, X509Certificate2 leaf)
    {
        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        if ((flags & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            var now = DateTime.UtcNow;
            return now > leaf.NotAfter.ToUniversalTime()
                ? $"x509: certificate has expired or is not yet valid: current time {Rfc3339(now)} is after {Rfc3339(leaf.NotAfter.ToUniversalTime())}"
                : $"x509: certificate has expired or is not yet valid: current time {Rfc3339(now)} is before {Rfc3339(leaf.NotBefore.ToUniversalTime())}";
        }
        if ((flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
        {
            return "x509: certificate signed by unknown authority";
        }
        var detail = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal));
        return "x509: certificate is not valid: " + (detail.Length > 0 ? detail : flags.ToString());
    }

    /// <summary>Go's x509.HostnameError texts.</summary>
    private static string NameFailure(X509Certificate2 leaf, string name)
    {
        var san = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        var dnsNames = san?.EnumerateDnsNames().ToArray() ?? [];
        var ips = san?.EnumerateIPAddresses().Select(ip => ip.ToString()).ToArray() ?? [];
        if (System.Net.IPAddress.TryParse(name.Trim('[', ']'), out _))
        {
            return ips.Length == 0
                ? $"x509: cannot validate certificate for {name} because it doesn't contain any IP SANs"
                : $"x509: certificate is valid for {string.Join(", ", ips)}, not {name}";
        }
        return dnsNames.Length == 0
            ? "x509: certificate relies on legacy Common Name field, use SANs instead"
            : $"x509: certificate is valid for {string.Join(", ", dnsNames)}, not {name}";
    }

    private static string Rfc3339(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The client certificate from <c>cert</c>/<c>cert_file</c> and <c>key</c>/<c>key_file</c>, if configured.</summary>
    public static X509Certificate2? ClientCertificate(TlsConfig? tls)
    {
        if (tls is null || !tls.HasClientCertificate)
        {
            return null;
        }
        var cert = tls.Cert ?? File.ReadAllText(tls.CertFile!);
        var key = tls.Key ?? File.ReadAllText(tls.KeyFile!);
        return X509Certificate2.CreateFromPem(cert, key);
    }

    /// <summary>
    /// The TLS options of an HTTP client for a <c>tls_config</c>: client certificate, trust, versions, and
    /// <c>server_name</c>. SocketsHttpHandler sends the URL's host as SNI whatever TargetHost says, so
    /// <c>server_name</c> is honoured where it matters for trust: the certificate is verified against it.
    /// </summary>
    public static SslClientAuthenticationOptions ClientOptions(TlsConfig tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        var ssl = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = HttpCallback(tls) };
        if (tls.ServerName is { Length: > 0 } serverName)
        {
            ssl.TargetHost = serverName;
        }
        if (ClientCertificate(tls) is { } clientCertificate)
        {
            ssl.ClientCertificates = [clientCertificate];
        }
        var protocols = Protocols(tls.MinVersion, tls.MaxVersion);
        if (protocols != SslProtocols.None)
        {
            ssl.EnabledSslProtocols = protocols;
        }
        return ssl;
    }

    private static SslProtocols Protocols(string? min, string? max)
    {
        if (min is null && max is null)
        {
            return SslProtocols.None;
        }
        // .NET negotiates TLS 1.2 and 1.3 only; older minimums change nothing.
        var lowest = min == "TLS13" ? 13 : 12;
        var highest = max == "TLS12" ? 12 : 13;
        var result = SslProtocols.None;
        if (lowest <= 12 && highest >= 12)
        {
            result |= SslProtocols.Tls12;
        }
        if (highest >= 13)
        {
            result |= SslProtocols.Tls13;
        }
        return result;
    }
}

/// <summary>A server certificate Go's crypto/x509 would refuse, with Go's message (what Prometheus and Alertmanager log).</summary>
public sealed class CertificateVerificationException(string message) : AuthenticationException(message);
