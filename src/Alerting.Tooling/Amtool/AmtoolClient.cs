using Alerting.Core.Config;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;

namespace Alerting.Tooling.Amtool;

/// <summary>An API call that failed, worded as amtool's go-swagger client words it.</summary>
public sealed class AmtoolException(string message) : Exception(message);

/// <summary>
/// The HTTP side of amtool: Alertmanager's v2 API under <c>&lt;--alertmanager.url&gt;/api/v2</c>, with
/// basic auth from the URL's user info or any auth of an <c>--http.config.file</c>
/// (<c>authorization</c>, <c>basic_auth</c>, <c>bearer_token</c>, <c>tls_config</c>), as amtool 0.25.
/// Works against Alertmanager itself and against our <c>/api/alertmanager</c> prefix.
/// </summary>
public sealed class AmtoolClient : IDisposable
{
    private readonly HttpClient _http;

    private AmtoolClient(HttpClient http) => _http = http;

    /// <summary>
    /// The client for <paramref name="alertmanagerUrl"/>. Problems with the URL or the http config file
    /// throw <see cref="AmtoolException"/> with amtool's message.
    /// </summary>
    public static AmtoolClient Create(Uri alertmanagerUrl, string? httpConfigFile, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(alertmanagerUrl);
        var hasUser = alertmanagerUrl.UserInfo.Length > 0;
        if (hasUser && !string.IsNullOrEmpty(httpConfigFile))
        {
            throw new AmtoolException("basic authentication and http.config.file are mutually exclusive");
        }
        HttpClientConfig config = HttpClientConfig.Default;
        if (!string.IsNullOrEmpty(httpConfigFile))
        {
            try
            {
                config = HttpClientConfigLoader.LoadFile(httpConfigFile);
            }
            catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException)
            {
                throw new AmtoolException("failed to load HTTP config file: " + (e is ConfigException c ? c.Detail : e.Message));
            }
            if (config.OAuth2 is not null)
            {
                throw new AmtoolException("failed to create a new HTTP client: oauth2 is not supported by this client; use authorization or basic_auth");
            }
        }
        var handler = new SocketsHttpHandler { AllowAutoRedirect = config.FollowRedirects };
        if (config.Proxy.Url is { } proxy)
        {
            handler.Proxy = new WebProxy(proxy);
            handler.UseProxy = true;
        }
        ConfigureTls(handler, config.TlsConfig);
        // path.Join(url.Path, "/api/v2"): "http://host/prefix/" and "http://host/prefix" alike.
        var basePath = "/" + string.Join('/', alertmanagerUrl.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Append("api").Append("v2")) + "/";
        var http = new HttpClient(handler)
        {
            BaseAddress = new UriBuilder(alertmanagerUrl.Scheme, alertmanagerUrl.Host, alertmanagerUrl.Port, basePath).Uri,
            Timeout = timeout,
        };
        if (hasUser)
        {
            var user = Uri.UnescapeDataString(alertmanagerUrl.UserInfo);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user.Contains(':', StringComparison.Ordinal) ? user : user + ":")));
        }
        else if (Authorization(config) is { } auth)
        {
            http.DefaultRequestHeaders.Authorization = auth;
        }
        return new AmtoolClient(http);
    }

    private static AuthenticationHeaderValue? Authorization(HttpClientConfig config)
    {
        if (config.BasicAuth is { } basic)
        {
            var password = basic.PasswordFile is { } file ? ReadSecret(file) : basic.Password ?? string.Empty;
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basic.Username}:{password}")));
        }
        if (config.Authorization is { } authorization && (authorization.Credentials is not null || authorization.CredentialsFile is not null))
        {
            var credentials = authorization.CredentialsFile is { } file ? ReadSecret(file) : authorization.Credentials!;
            return new AuthenticationHeaderValue(authorization.Type, credentials);
        }
        return null;
    }

    // Prometheus trims the whitespace around secrets read from files.
    private static string ReadSecret(string file)
    {
        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (IOException e)
        {
            throw new AmtoolException($"failed to create a new HTTP client: unable to read {file}: {e.Message}");
        }
    }

    private static void ConfigureTls(SocketsHttpHandler handler, TlsConfig? tls)
    {
        if (tls is null)
        {
            return;
        }
        var options = new SslClientAuthenticationOptions();
        if (tls.ServerName is { Length: > 0 } serverName)
        {
            options.TargetHost = serverName;
        }
        if (tls.CertFile is not null && tls.KeyFile is not null)
        {
            options.ClientCertificates = [X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile)];
        }
        if (tls.InsecureSkipVerify)
        {
            options.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (tls.CaFile is not null)
        {
            // Trust exactly the configured CAs, as Go's tls_config does.
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(tls.CaFile);
            options.CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            options.CertificateChainPolicy.CustomTrustStore.AddRange(roots);
        }
        handler.SslOptions = options;
    }

    public Task<JsonNode> GetStatusAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "status", "/status", "getStatus", null, [], ct);

    public async Task<JsonArray> GetAlertsAsync(IEnumerable<KeyValuePair<string, string>> query, CancellationToken ct) =>
        (await SendAsync(HttpMethod.Get, "alerts" + Query(query), "/alerts", "getAlerts", null, [400, 500], ct).ConfigureAwait(false)).AsArray();

    public Task PostAlertsAsync(JsonArray alerts, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "alerts", "/alerts", "postAlerts", alerts, [400, 500], ct);

    public async Task<JsonArray> GetSilencesAsync(IEnumerable<string> filter, CancellationToken ct) =>
        (await SendAsync(HttpMethod.Get, "silences" + Query(filter.Select(f => KeyValuePair.Create("filter", f))), "/silences", "getSilences", null, [500], ct).ConfigureAwait(false)).AsArray();

    /// <summary>Posts a silence; returns its id. An unknown id is <see cref="SilenceNotFoundException"/>.</summary>
    public async Task<string> PostSilenceAsync(JsonObject silence, CancellationToken ct)
    {
        var answer = await SendAsync(HttpMethod.Post, "silences", "/silences", "postSilences", silence, [400, 404], ct).ConfigureAwait(false);
        return answer["silenceID"]?.GetValue<string>() ?? string.Empty;
    }

    public Task ExpireSilenceAsync(string id, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, "silence/" + Uri.EscapeDataString(id), "/silence/{silenceID}", "deleteSilence", null, [500], ct);

    private static string Query(IEnumerable<KeyValuePair<string, string>> query)
    {
        var parts = query.Select(kv => Uri.EscapeDataString(kv.Key) + "=" + Uri.EscapeDataString(kv.Value)).ToArray();
        return parts.Length == 0 ? string.Empty : "?" + string.Join('&', parts);
    }

    /// <summary>
    /// One call. A status the API defines for the operation fails as go-swagger words it
    /// (<c>[GET /alerts][400] getAlertsBadRequest  &lt;message&gt;</c>); any other failing status as its
    /// "does not match any response statuses" error, with the server's message where it sent one.
    /// </summary>
    private async Task<JsonNode> SendAsync(HttpMethod method, string relative, string template, string operation, JsonNode? body, int[] defined, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, relative);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new AmtoolException($"{method} \"{new Uri(_http.BaseAddress!, relative)}\": {e.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new AmtoolException($"{method} \"{new Uri(_http.BaseAddress!, relative)}\": context deadline exceeded");
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return text.Length == 0 ? new JsonObject() : Parse(text) ?? new JsonObject();
            }
            var message = Message(text);
            if (status == 404 && operation == "postSilences")
            {
                throw new SilenceNotFoundException($"[{method.Method} {template}][404] postSilencesNotFound  {message}");
            }
            if (defined.Contains(status))
            {
                var name = status switch { 400 => "BadRequest", 404 => "NotFound", _ => "InternalServerError" };
                throw new AmtoolException($"[{method.Method} {template}][{status}] {operation}{name}  {message}");
            }
            throw new AmtoolException($"response status code does not match any response statuses defined for this endpoint in the swagger spec (status {status}): {(message.Length > 0 ? message : "{}")}");
        }
    }

    private static JsonNode? Parse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new AmtoolException("the server's answer is not JSON: " + e.Message);
        }
    }

    /// <summary>Alertmanager's error body is a JSON string; ours elsewhere {"error"}, go-swagger's {"message"}.</summary>
    private static string Message(string text)
    {
        try
        {
            return JsonNode.Parse(text) switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                JsonObject o when (o["error"] ?? o["message"]) is JsonValue m => m.ToString(),
                _ => text.Trim(),
            };
        }
        catch (JsonException)
        {
            return text.Trim();
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>The silence id posted is unknown to the server (<c>silence import</c> then creates a new one).</summary>
public sealed class SilenceNotFoundException(string message) : Exception(message);
