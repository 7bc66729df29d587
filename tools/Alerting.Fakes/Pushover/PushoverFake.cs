using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alerting.Fakes.Pushover;

/// <summary>
/// Pushover cannot run here, and Alertmanager 0.25 posts to the fixed <c>https://api.pushover.net/1/messages.json</c>,
/// so this fake is reached the way a corporate network would reach it: through an HTTP CONNECT proxy
/// (<see cref="ProxyUrl"/>, for <c>http_config.proxy_url</c>) that tunnels <c>api.pushover.net:443</c> to an
/// HTTPS endpoint whose certificate for api.pushover.net is signed by nothing but itself (<see cref="CaFile"/>,
/// for <c>http_config.tls_config.ca_file</c>). The endpoint is the Message API as pushover.net/api documents it:
/// parameters in the query string or a form body; 200 <c>{"status":1,"request":...}</c> (with a
/// <c>receipt</c> for emergency priority). Refused with 400 and Pushover's body (<c>status</c> 0,
/// <c>errors</c>, the bad parameter marked <c>invalid</c>): a wrong application token or user key; a blank
/// message; message over 1024 characters, title over 250, url over 512, url_title over 100; priority outside
/// -2..2; emergency priority without retry of at least 30 s or with expire over 10800 s; an unknown sound;
/// html and monospace together. <see cref="FailNext"/> answers 429 or 5xx.
/// </summary>
public sealed class PushoverFake : IAsyncDisposable
{
    public const string Host = "api.pushover.net";
    public const string AppToken = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
    public const string UserKey = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";

    private static readonly HashSet<string> Sounds = new(StringComparer.Ordinal)
    {
        "pushover", "bike", "bugle", "cashregister", "classical", "cosmic", "falling", "gamelan", "incoming", "intermission", "magic",
        "mechanical", "pianobar", "siren", "spacealarm", "tugboat", "alien", "climb", "persistent", "echo", "updown", "vibrate", "none",
    };

    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<(int Status, string Message)> _rejected = new();
    private readonly TransientFailures _failures = new("Pushover");
    private readonly WebApplication _app;
    private readonly TcpListener _proxy;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _caFile;
    private int _httpsPort;
    private Task _proxyLoop = Task.CompletedTask;
    private int _requests;

    private PushoverFake(WebApplication app, TcpListener proxy, string caFile)
    {
        _app = app;
        _proxy = proxy;
        _caFile = caFile;
    }

    /// <summary>The value for <c>http_config.proxy_url</c>.</summary>
    public string ProxyUrl => $"http://127.0.0.1:{((IPEndPoint)_proxy.LocalEndpoint).Port}";

    /// <summary>A PEM file with the endpoint's certificate, for <c>http_config.tls_config.ca_file</c>.</summary>
    public string CaFile => _caFile;

    /// <summary>Accepted messages, in arrival order, each as its parameters.</summary>
    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>Refused requests: status and Pushover's error body.</summary>
    public IReadOnlyList<(int Status, string Message)> Rejected => _rejected.ToArray();

    /// <summary>All requests, failed and refused ones included.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<PushoverFake> StartAsync(CancellationToken ct = default)
    {
        var cert = Certificate();
        var caFile = Path.Combine(Path.GetTempPath(), $"pushover-fake-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(caFile, cert.ExportCertificatePem(), ct).ConfigureAwait(false);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.UseHttps(cert)));
        var app = builder.Build();
        var proxy = new TcpListener(IPAddress.Loopback, 0);
        var fake = new PushoverFake(app, proxy, caFile);
        app.MapPost("/1/messages.json", (HttpContext c, CancellationToken token) => fake.HandleAsync(c, token));
        await app.StartAsync(ct).ConfigureAwait(false);
        fake._httpsPort = new Uri(app.Urls.First()).Port;
        proxy.Start();
        fake._proxyLoop = fake.ProxyLoopAsync();
        return fake;
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="status"/> (429 or 5xx) without accepting them.</summary>
    public void FailNext(int status, int count) => _failures.Arm(status, count);

    /// <summary>A self-signed certificate for api.pushover.net that is its own trust anchor.</summary>
    private static X509Certificate2 Certificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + Host, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(Host);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    private async Task ProxyLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _proxy.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = TunnelAsync(client);
        }
    }

    /// <summary>Answers one CONNECT: only api.pushover.net:443 is tunnelled, to the HTTPS endpoint.</summary>
    private async Task TunnelAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = await ReadHeadAsync(stream, _stop.Token).ConfigureAwait(false);
                var parts = head.Split(' ', 3);
                if (parts.Length < 2 || parts[0] != "CONNECT" || !parts[1].Equals(Host + ":443", StringComparison.OrdinalIgnoreCase))
                {
                    await stream.WriteAsync("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), _stop.Token).ConfigureAwait(false);
                    return;
                }
                using var upstream = new TcpClient();
                await upstream.ConnectAsync(IPAddress.Loopback, _httpsPort, _stop.Token).ConfigureAwait(false);
                await stream.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), _stop.Token).ConfigureAwait(false);
                var up = upstream.GetStream();
                await Task.WhenAny(stream.CopyToAsync(up, _stop.Token), up.CopyToAsync(stream, _stop.Token)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>The request line of a proxy request, after reading its whole head.</summary>
    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken ct)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 16384 && await stream.ReadAsync(one, ct).ConfigureAwait(false) == 1)
        {
            bytes.Add(one[0]);
            if (bytes.Count >= 4 && bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n')
            {
                break;
            }
        }
        var text = Encoding.ASCII.GetString(bytes.ToArray());
        var end = text.IndexOf("\r\n", StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }

    private async Task<IResult> HandleAsync(HttpContext ctx, CancellationToken ct)
    {
        Interlocked.Increment(ref _requests);
        var fail = _failures.Take();
        if (fail is { } status)
        {
            return Error(status, null, status == 429 ? "application is over its message limit" : "internal error");
        }
        var p = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in ctx.Request.Query)
        {
            p[k] = v.ToString();
        }
        if (ctx.Request.HasFormContentType)
        {
            foreach (var (k, v) in await ctx.Request.ReadFormAsync(ct).ConfigureAwait(false))
            {
                p[k] = v.ToString();
            }
        }
        string Get(string k) => p.TryGetValue(k, out var v) ? v : string.Empty;
        if (Get("token") != AppToken)
        {
            return Error(400, "token", "application token is invalid, see https://pushover.net/api");
        }
        if (Get("user") != UserKey)
        {
            return Error(400, "user", "user identifier is not a valid user, group, or subscribed user key, see https://pushover.net/api#identifiers");
        }
        if (Get("message").Length == 0)
        {
            return Error(400, "message", "message cannot be blank");
        }
        foreach (var (field, max) in new[] { ("message", 1024), ("title", 250), ("url", 512), ("url_title", 100) })
        {
            if (Get(field).EnumerateRunes().Count() > max)
            {
                return Error(400, field, $"{field} is too long, limit is {max} characters");
            }
        }
        var priority = 0;
        if (Get("priority").Length > 0 && (!int.TryParse(Get("priority"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out priority) || priority is < -2 or > 2))
        {
            return Error(400, "priority", "priority is invalid, see https://pushover.net/api#priority");
        }
        if (priority == 2)
        {
            if (!int.TryParse(Get("retry"), CultureInfo.InvariantCulture, out var retry) || retry < 30)
            {
                return Error(400, "retry", "retry is invalid, must be at least 30 seconds for emergency priority");
            }
            if (!int.TryParse(Get("expire"), CultureInfo.InvariantCulture, out var expire) || expire > 10800)
            {
                return Error(400, "expire", "expire is invalid, must be at most 10800 seconds for emergency priority");
            }
        }
        if (Get("sound").Length > 0 && !Sounds.Contains(Get("sound")))
        {
            return Error(400, "sound", "sound is invalid, see https://pushover.net/api#sounds");
        }
        if (Get("html") == "1" && Get("monospace") == "1")
        {
            return Error(400, "monospace", "html and monospace cannot both be set");
        }
        var body = new JsonObject(p.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        _received.Enqueue(new ReceivedRequest(DateTimeOffset.UtcNow, ctx.Request.Path, body));
        var answer = new JsonObject { ["status"] = 1, ["request"] = Guid.NewGuid().ToString() };
        if (priority == 2)
        {
            answer["receipt"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(15)).ToLowerInvariant();
        }
        return Results.Json(answer);
    }

    private IResult Error(int status, string? field, string message)
    {
        var o = new JsonObject();
        if (field is not null)
        {
            o[field] = "invalid";
        }
        o["errors"] = new JsonArray(message);
        o["status"] = 0;
        o["request"] = Guid.NewGuid().ToString();
        var json = o.ToJsonString();
        _rejected.Enqueue((status, json));
        return Results.Content(json, "application/json", Encoding.UTF8, status);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _proxy.Stop();
        await _proxyLoop.ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        File.Delete(_caFile);
    }
}
