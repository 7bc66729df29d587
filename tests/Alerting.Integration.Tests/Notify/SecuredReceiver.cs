using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// A receiver a security-minded team would run: HTTPS on 127.0.0.1 with the test PKI's server certificate,
/// refusing any connection without a client certificate the PKI issued, and each path demanding its own
/// credentials (<see cref="Expect"/>). Also an OAuth 2.0 token endpoint (client credentials grant, its own
/// HTTPS server without client certificates) whose tokens the receiver accepts on <c>/oauth/...</c> paths.
/// Records every request it accepted and every TCP connection it saw.
/// </summary>
internal sealed class SecuredReceiver : IAsyncDisposable
{
    public const string ClientId = "alerting";
    public const string ClientSecret = "s3cret-client";

    private readonly ConcurrentDictionary<string, string> _expected = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly ConcurrentQueue<string> _refused = new();
    private readonly ConcurrentDictionary<string, byte> _issued = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<TokenRequest> _tokenRequests = new();
    private WebApplication _app = null!;
    private WebApplication _tokens = null!;
    private int _connections;

    public sealed record Received(string Path, string? Authorization, string? ClientCertificate, string Host, string Body, string Protocol);

    public sealed record TokenRequest(string? Authorization, IReadOnlyDictionary<string, string> Form);

    public int Port { get; private set; }

    public int TokenPort { get; private set; }

    /// <summary>The lifetime the token endpoint gives its tokens (<c>expires_in</c>).</summary>
    public int TokenLifetimeSeconds { get; set; } = 3600;

    public IReadOnlyList<Received> Requests => _received.ToArray();

    /// <summary>Requests that reached a handler but were refused (wrong or missing credentials), by path.</summary>
    public IReadOnlyList<string> Refused => _refused.ToArray();

    public IReadOnlyList<TokenRequest> TokenRequests => _tokenRequests.ToArray();

    /// <summary>TCP connections accepted by the receiver, before TLS: a handshake that fails still counts.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public string TokenUrl => $"https://localhost:{TokenPort}/oauth2/token";

    public string Url(string path, string host = "localhost") => $"https://{host}:{Port}/{path.TrimStart('/')}";

    /// <summary>Requests to <paramref name="path"/> must carry exactly this Authorization header; <c>oauth</c> paths accept any token the endpoint issued.</summary>
    public void Expect(string path, string authorization) => _expected["/" + path.TrimStart('/')] = authorization;

    public static async Task<SecuredReceiver> StartAsync(TestPki pki)
    {
        var receiver = new SecuredReceiver();
        receiver._app = await Start(pki, requireClientCertificate: true, app => app.MapPost("/{**path}", (Delegate)receiver.ReceiveAsync), () => Interlocked.Increment(ref receiver._connections));
        receiver.Port = new Uri(receiver._app.Urls.First()).Port;
        receiver._tokens = await Start(pki, requireClientCertificate: false, app => app.MapPost("/oauth2/token", (Delegate)receiver.IssueTokenAsync), null);
        receiver.TokenPort = new Uri(receiver._tokens.Urls.First()).Port;
        return receiver;
    }

    private static async Task<WebApplication> Start(TestPki pki, bool requireClientCertificate, Action<WebApplication> routes, Action? onConnection)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0, l =>
        {
            if (onConnection is not null)
            {
                l.Use(next => context =>
                {
                    onConnection();
                    return next(context);
                });
            }
            l.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = pki.Server,
                ClientCertificateMode = requireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.NoCertificate,
                ClientCertificateValidation = (certificate, _, _) => pki.Issued(certificate),
            });
        }));
        var app = builder.Build();
        routes(app);
        await app.StartAsync();
        return app;
    }

    private async Task<IResult> ReceiveAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        string? authorization = ctx.Request.Headers.Authorization;
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(ctx.RequestAborted);
        var allowed = path.StartsWith("/oauth/", StringComparison.Ordinal)
            ? authorization is { } a && a.StartsWith("Bearer ", StringComparison.Ordinal) && _issued.ContainsKey(a["Bearer ".Length..])
            : _expected.TryGetValue(path, out var expected) ? authorization == expected : authorization is null;
        if (!allowed)
        {
            _refused.Enqueue(path);
            return Results.Json(new { error = "unauthorized" }, statusCode: StatusCodes.Status401Unauthorized);
        }
        _received.Enqueue(new Received(path, authorization, ctx.Connection.ClientCertificate?.Subject, ctx.Request.Host.Value ?? string.Empty, body, ctx.Request.Protocol));
        // Slack's incoming webhooks answer "ok"; a webhook receiver's body is ignored.
        return Results.Text("ok");
    }

    /// <summary>RFC 6749 §4.4: client credentials in HTTP Basic, grant_type, scope; answers a bearer token with expires_in.</summary>
    private async Task<IResult> IssueTokenAsync(HttpContext ctx)
    {
        var form = (await ctx.Request.ReadFormAsync(ctx.RequestAborted)).ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        string? authorization = ctx.Request.Headers.Authorization;
        _tokenRequests.Enqueue(new TokenRequest(authorization, form));
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}"));
        if (authorization != basic)
        {
            return Results.Json(new { error = "invalid_client" }, statusCode: StatusCodes.Status401Unauthorized);
        }
        if (!form.TryGetValue("grant_type", out var grant) || grant != "client_credentials")
        {
            return Results.Json(new { error = "unsupported_grant_type" }, statusCode: StatusCodes.Status400BadRequest);
        }
        var token = "tok-" + Guid.NewGuid().ToString("N");
        _issued[token] = 0;
        return Results.Text(JsonSerializer.Serialize(new { access_token = token, token_type = "bearer", expires_in = TokenLifetimeSeconds }), "application/json");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _tokens.StopAsync();
        await _tokens.DisposeAsync();
    }
}

/// <summary>
/// A forward proxy as <c>proxy_url</c> names one: HTTP CONNECT tunnels to any host name, which it resolves
/// to 127.0.0.1 (so a name only the proxy knows, like <c>receiver.test</c>, is reachable only through it).
/// Records each CONNECT target and the headers it came with; <see cref="RequiredHeader"/> makes it answer
/// 407 to a CONNECT without that header, as an authenticating proxy does.
/// </summary>
internal sealed class ConnectProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _tunnels = new();
    private readonly ConcurrentQueue<IReadOnlyList<(string Name, string Value)>> _headers = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private Task _accept = Task.CompletedTask;

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public IReadOnlyList<string> Tunnels => _tunnels.ToArray();

    /// <summary>The headers of each CONNECT request, in the order they came (Host included).</summary>
    public IReadOnlyList<IReadOnlyList<(string Name, string Value)>> ConnectHeaders => _headers.ToArray();

    /// <summary>A header (name and value) a CONNECT must carry, or null to tunnel any.</summary>
    public (string Name, string Value)? RequiredHeader { get; set; }

    public static ConnectProxy Start()
    {
        var proxy = new ConnectProxy();
        proxy._listener.Start();
        proxy._accept = proxy.AcceptAsync();
        return proxy;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _connections.Add(TunnelAsync(client));
        }
    }

    private async Task TunnelAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        try
        {
            var head = await ReadHeadAsync(stream);
            var lines = head.Split("\r\n");
            var parts = lines[0].Split(' ');
            if (parts.Length < 3 || parts[0] != "CONNECT" || parts[1].LastIndexOf(':') is var colon && colon < 1)
            {
                await stream.WriteAsync("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), _stop.Token);
                return;
            }
            var headers = lines.Skip(1).Where(l => l.Contains(':', StringComparison.Ordinal))
                .Select(l => (l[..l.IndexOf(':', StringComparison.Ordinal)], l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())).ToArray();
            _headers.Enqueue(headers);
            if (RequiredHeader is { } required && !headers.Contains(required))
            {
                await stream.WriteAsync("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), _stop.Token);
                return;
            }
            _tunnels.Enqueue(parts[1]);
            using var upstream = new TcpClient();
            await upstream.ConnectAsync(IPAddress.Loopback, int.Parse(parts[1][(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), _stop.Token);
            await stream.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), _stop.Token);
            var up = upstream.GetStream();
            var a = stream.CopyToAsync(up, _stop.Token);
            var b = up.CopyToAsync(stream, _stop.Token);
            await Task.WhenAny(a, b);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client or the server hung up: the tunnel ends.
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 8192)
        {
            if (await stream.ReadAsync(one) == 0)
            {
                break;
            }
            bytes.Add(one[0]);
            if (bytes.Count >= 4 && bytes[^1] == '\n' && bytes[^2] == '\r' && bytes[^3] == '\n' && bytes[^4] == '\r')
            {
                break;
            }
        }
        return Encoding.ASCII.GetString(bytes.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accept;
        await Task.WhenAll(_connections);
        _stop.Dispose();
    }
}
