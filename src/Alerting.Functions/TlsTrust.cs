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
    /// <summary>The validation callback for a <c>tls_config</c>, or null for the platform default.</summary>
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
        return (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            {
                return false;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = new X509Certificate2(certificate);
            return chain.Build(leaf);
        };
    }

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

    /// <summary>The TLS options a <c>tls_config</c> asks for: server name, client certificate, trust and minimum version.</summary>
    public static SslClientAuthenticationOptions ClientOptions(TlsConfig tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        var ssl = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Callback(tls) };
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
