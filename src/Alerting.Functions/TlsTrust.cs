using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Alerting.Core.Alertmanager;

namespace Alerting.Functions;

/// <summary>
/// How a <c>tls_config</c> decides whether to trust a server: <c>insecure_skip_verify</c> trusts any,
/// <c>ca_file</c> trusts exactly the configured CAs (as Prometheus and Alertmanager do, not the system
/// store as well), neither leaves the platform's default validation. Shared by scrapes and SMTP.
/// </summary>
public static class TlsTrust
{
    /// <summary>The validation callback for an Alertmanager <c>tls_config</c>, or null for the platform default.</summary>
    public static RemoteCertificateValidationCallback? Callback(TlsConfig? tls) =>
        tls is null ? null : Callback(tls.InsecureSkipVerify, tls.CaFile);

    /// <summary>The validation callback for these settings (scrape and Alertmanager configs share them), or null for the default.</summary>
    public static RemoteCertificateValidationCallback? Callback(bool insecureSkipVerify, string? caFile)
    {
        if (insecureSkipVerify)
        {
            return static (_, _, _, _) => true;
        }
        if (caFile is null)
        {
            return null;
        }
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caFile);
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

    /// <summary>The client certificate from cert_file + key_file, if both are set.</summary>
    public static X509Certificate2? ClientCertificate(string? certFile, string? keyFile) =>
        certFile is not null && keyFile is not null ? X509Certificate2.CreateFromPemFile(certFile, keyFile) : null;
}
