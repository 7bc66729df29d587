using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace Alerting.LocalServices;

/// <summary>
/// A real SMTP server that requires STARTTLS and AUTH (aiosmtpd from Debian's python3-aiosmtpd), with a
/// freshly made self-signed certificate for 127.0.0.1 whose PEM is the CA file a client must trust.
/// MailDev cannot do STARTTLS, so this is the peer for TLS and authentication tests.
/// </summary>
public sealed class StartTlsSmtp : IAsyncDisposable
{
    private readonly ExternalProcess _process;
    private readonly string _dir;

    private StartTlsSmtp(ExternalProcess process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public const string User = "alerting";
    public const string Password = "s3cret-smtp-password";

    public int Port { get; }

    /// <summary>The server certificate (PEM), to use as <c>tls_config.ca_file</c>.</summary>
    public string CaFile => Path.Combine(_dir, "cert.pem");

    public static bool IsInstalled => File.Exists("/usr/bin/python3") && Directory.Exists("/usr/lib/python3/dist-packages/aiosmtpd");

    public static async Task<StartTlsSmtp> StartAsync()
    {
        if (!IsInstalled)
        {
            throw new InvalidOperationException("python3-aiosmtpd is not installed: run .ci/install-deps");
        }
        var dir = Directory.CreateTempSubdirectory("starttls-smtp-").FullName;
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(Path.Combine(dir, "cert.pem"), cert.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(dir, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        }
        var (p, ports) = await ExternalProcess.StartListeningAsync(1, ports => ExternalProcess.Start("/usr/bin/python3", Path.Combine(RepoPaths.Root, "tools", "Alerting.LocalServices", "starttls-smtp.py"),
            "--port", ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture), "--cert", Path.Combine(dir, "cert.pem"), "--key", Path.Combine(dir, "key.pem"),
            "--user", User, "--password", Password, "--out", Path.Combine(dir, "messages.jsonl")));
        return new StartTlsSmtp(p, dir, ports[0]);
    }

    /// <summary>Messages accepted so far: from, to, whether the session was TLS and authenticated, and the raw data.</summary>
    public async Task<IReadOnlyList<JsonObject>> MessagesAsync()
    {
        var file = Path.Combine(_dir, "messages.jsonl");
        if (!File.Exists(file))
        {
            return [];
        }
        return (await File.ReadAllLinesAsync(file)).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
