using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// A private PKI generated per test class: a CA, a server certificate it signed (for <c>localhost</c> and
/// <c>receiver.test</c>, no IP address), a client certificate it signed, and an unrelated CA. Everything a
/// <c>tls_config</c> names is written as PEM files into <see cref="Dir"/>.
/// </summary>
internal sealed class TestPki : IDisposable
{
    private TestPki(string dir, X509Certificate2 ca, X509Certificate2 server, X509Certificate2 client)
    {
        Dir = dir;
        Ca = ca;
        Server = server;
        Client = client;
    }

    public string Dir { get; }

    public X509Certificate2 Ca { get; }

    /// <summary>The server certificate with its private key, as Kestrel needs it.</summary>
    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    public string CaFile => Path.Combine(Dir, "ca.pem");

    public string OtherCaFile => Path.Combine(Dir, "other-ca.pem");

    public string ClientCertFile => Path.Combine(Dir, "client.pem");

    public string ClientKeyFile => Path.Combine(Dir, "client-key.pem");

    public const string ClientSubject = "CN=alerting-client";

    public static TestPki Create()
    {
        var dir = Directory.CreateTempSubdirectory("alerting-pki-").FullName;
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        var notAfter = DateTimeOffset.UtcNow.AddDays(7);

        var ca = SelfSignedCa("CN=Alerting Test CA", notBefore, notAfter);
        using var other = SelfSignedCa("CN=Someone Else's CA", notBefore, notAfter);

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = Leaf("CN=receiver.test", serverKey, "1.3.6.1.5.5.7.3.1");
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddDnsName("receiver.test");
        serverRequest.CertificateExtensions.Add(san.Build());
        using var serverPublic = serverRequest.Create(ca, notBefore, notAfter, RandomNumberGenerator.GetBytes(12));
        using var serverWithKey = serverPublic.CopyWithPrivateKey(serverKey);
        // Kestrel on Linux wants a key it can export into its own store: round-trip through PKCS#12.
        var server = X509CertificateLoader.LoadPkcs12(serverWithKey.Export(X509ContentType.Pkcs12), null);

        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientRequest = Leaf(ClientSubject, clientKey, "1.3.6.1.5.5.7.3.2");
        var client = clientRequest.Create(ca, notBefore, notAfter, RandomNumberGenerator.GetBytes(12));

        File.WriteAllText(Path.Combine(dir, "ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "other-ca.pem"), other.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "client.pem"), client.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "client-key.pem"), clientKey.ExportPkcs8PrivateKeyPem());
        return new TestPki(dir, ca, server, client);
    }

    /// <summary>Whether <paramref name="certificate"/> chains to this PKI's CA (and only to it).</summary>
    public bool Issued(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private static X509Certificate2 SelfSignedCa(string subject, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var created = request.CreateSelfSigned(notBefore, notAfter);
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    private static CertificateRequest Leaf(string subject, ECDsa key, string usage)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid(usage)], false));
        return request;
    }

    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
        Client.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
