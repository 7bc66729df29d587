using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Alerting.Functions;

/// <summary>
/// <c>proxy_connect_header</c>: Go's transport sends these headers on the <c>CONNECT</c> it opens to the
/// proxy for an https URL (and only there: a plain-http request goes to the proxy in absolute form without
/// them). .NET's <see cref="SocketsHttpHandler"/> writes its own CONNECT and cannot add headers to it, so
/// for https requests this opens the tunnel itself in the handler's <c>ConnectCallback</c> and hands the
/// tunnel to the handler, which runs TLS over it as it would over its own tunnel; http requests keep the
/// handler's ordinary proxying.
/// </summary>
internal static class ProxyTunnel
{
    /// <summary>Longest CONNECT answer head read from a proxy: a proxy talking more than this is not answering CONNECT.</summary>
    private const int MaxHead = 16 * 1024;

    /// <summary>
    /// Routes https requests through <paramref name="tunnelling"/> (its proxy switched off, the tunnel opened
    /// by <see cref="ConnectAsync"/> with <paramref name="headers"/>) and the others through <paramref name="proxied"/>.
    /// </summary>
    public static HttpMessageHandler WithConnectHeaders(SocketsHttpHandler proxied, SocketsHttpHandler tunnelling, IWebProxy proxy, IReadOnlyDictionary<string, IReadOnlyList<string>> headers)
    {
        tunnelling.UseProxy = false;
        tunnelling.ConnectCallback = (context, ct) => ConnectAsync(proxy, headers, context.DnsEndPoint, ct);
        return new SchemeRouter(tunnelling, proxied);
    }

    private static async ValueTask<Stream> ConnectAsync(IWebProxy proxy, IReadOnlyDictionary<string, IReadOnlyList<string>> headers, DnsEndPoint target, CancellationToken ct)
    {
        var targetUri = new UriBuilder(Uri.UriSchemeHttps, target.Host, target.Port).Uri;
        var proxyUri = proxy.IsBypassed(targetUri) ? null : proxy.GetProxy(targetUri);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (proxyUri is null || proxyUri == targetUri)
            {
                // no_proxy matched: straight to the server, as Go's transport does.
                await socket.ConnectAsync(target, ct).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            await socket.ConnectAsync(new DnsEndPoint(proxyUri.IdnHost, proxyUri.Port), ct).ConfigureAwait(false);
            var stream = new NetworkStream(socket, ownsSocket: true);
            var authority = $"{target.Host}:{target.Port}";
            var request = new StringBuilder().Append("CONNECT ").Append(authority).Append(" HTTP/1.1\r\nHost: ").Append(authority).Append("\r\n");
            var lines = new Dictionary<string, IReadOnlyList<string>>(headers, StringComparer.OrdinalIgnoreCase);
            if (proxyUri.UserInfo.Length > 0)
            {
                // Go sets Proxy-Authorization from the proxy URL's user info over a configured one.
                lines["Proxy-Authorization"] = ["Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(proxyUri.UserInfo)))];
            }
            foreach (var (name, values) in lines)
            {
                foreach (var value in values)
                {
                    request.Append(CanonicalHeaderKey(name)).Append(": ").Append(value).Append("\r\n");
                }
            }
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()), ct).ConfigureAwait(false);
            var status = await ReadStatusLineAsync(stream, ct).ConfigureAwait(false);
            var parts = status.Split(' ', 3);
            if (parts.Length < 2 || parts[1] != "200")
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                throw new HttpRequestException($"proxyconnect {proxyUri.Authority}: CONNECT {authority} answered \"{status}\"");
            }
            return stream;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Go's <c>textproto.CanonicalMIMEHeaderKey</c>, which <c>http.Header.Add</c> applies to each name: <c>x-trace-id</c> is sent as <c>X-Trace-Id</c>.</summary>
    internal static string CanonicalHeaderKey(string name)
    {
        if (name.Any(c => c is ' ' or ':' || c > 127))
        {
            return name; // Go leaves a key that is not a valid token as it is.
        }
        var chars = name.ToCharArray();
        var upper = true;
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = upper ? char.ToUpperInvariant(chars[i]) : char.ToLowerInvariant(chars[i]);
            upper = chars[i] == '-';
        }
        return new string(chars);
    }

    /// <summary>Reads the proxy's answer head up to its blank line, byte by byte so no tunnelled byte is consumed; returns the status line.</summary>
    private static async Task<string> ReadStatusLineAsync(Stream stream, CancellationToken ct)
    {
        var head = new List<byte>(256);
        var one = new byte[1];
        while (head.Count < MaxHead)
        {
            if (await stream.ReadAsync(one, ct).ConfigureAwait(false) == 0)
            {
                throw new HttpRequestException("proxyconnect: the proxy closed the connection before answering CONNECT");
            }
            head.Add(one[0]);
            if (head.Count >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r')
            {
                var text = Encoding.ASCII.GetString(head.ToArray());
                return text[..text.IndexOf("\r\n", StringComparison.Ordinal)];
            }
        }
        throw new HttpRequestException($"proxyconnect: the proxy's answer to CONNECT is longer than {MaxHead} bytes");
    }

    /// <summary>Sends https requests to one handler and everything else to the other.</summary>
    private sealed class SchemeRouter(HttpMessageHandler https, HttpMessageHandler other) : HttpMessageHandler
    {
        private readonly HttpMessageInvoker _https = new(https, disposeHandler: true);
        private readonly HttpMessageInvoker _other = new(other, disposeHandler: true);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            (request.RequestUri?.Scheme == Uri.UriSchemeHttps ? _https : _other).SendAsync(request, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _https.Dispose();
                _other.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
