using System.Net.Http.Headers;
using Alerting.Core.Config;
using Duende.IdentityModel.Client;

namespace Alerting.Functions.Notify.Http;

/// <summary>
/// <c>http_config.oauth2</c>: the client-credentials grant Prometheus performs (golang.org/x/oauth2's
/// clientcredentials), with Duende.IdentityModel's token request. The token is fetched on first use, kept
/// until shortly before it expires and then fetched again; a request the receiver answers 401 drops it,
/// so the next attempt (the resilience pipeline's, or the flush's redelivery) asks for a fresh one.
/// </summary>
internal sealed class OAuth2Handler : DelegatingHandler
{
    /// <summary>golang.org/x/oauth2 treats a token as expired this long before its expiry.</summary>
    private static readonly TimeSpan ExpiryDelta = TimeSpan.FromSeconds(10);

    private readonly OAuth2Config _config;
    private readonly HttpClient _tokenClient;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Token, string Type, DateTimeOffset Expires)? _token;

    public OAuth2Handler(OAuth2Config config, HttpMessageHandler tokenHandler, string userAgent)
    {
        _config = config;
        _tokenClient = new HttpClient(tokenHandler) { Timeout = TimeSpan.FromSeconds(30) };
        _tokenClient.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var (token, type, _) = await TokenAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue(type, token);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
        {
            _token = null;
        }
        return response;
    }

    private async Task<(string Token, string Type, DateTimeOffset Expires)> TokenAsync(CancellationToken ct)
    {
        if (_token is { } cached && cached.Expires > DateTimeOffset.UtcNow + ExpiryDelta)
        {
            return cached;
        }
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_token is { } again && again.Expires > DateTimeOffset.UtcNow + ExpiryDelta)
            {
                return again;
            }
            var request = new ClientCredentialsTokenRequest
            {
                Address = _config.TokenUrl,
                ClientId = _config.ClientId,
                ClientSecret = _config.ClientSecret ?? HttpClientConfigs.ReadSecret(_config.ClientSecretFile) ?? string.Empty,
                Scope = _config.Scopes.Count > 0 ? string.Join(' ', _config.Scopes) : null,
                ClientCredentialStyle = ClientCredentialStyle.AuthorizationHeader,
            };
            foreach (var (name, value) in _config.EndpointParams)
            {
                request.Parameters.Add(name, value);
            }
            var answer = await _tokenClient.RequestClientCredentialsTokenAsync(request, ct).ConfigureAwait(false);
            if (answer.IsError || string.IsNullOrEmpty(answer.AccessToken))
            {
                var detail = $"oauth2: cannot fetch token from {_config.TokenUrl}: {answer.Error ?? "no access_token in the answer"}";
                // The token endpoint being down is worth retrying; a refused client is not.
                throw answer.HttpStatusCode is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden
                    ? new PermanentNotificationException(detail)
                    : new TransientNotificationException(detail, answer.HttpStatusCode == 0 ? null : answer.HttpStatusCode);
            }
            // A token without expires_in never expires for golang.org/x/oauth2.
            var expires = answer.ExpiresIn > 0 ? DateTimeOffset.UtcNow.AddSeconds(answer.ExpiresIn) : DateTimeOffset.MaxValue;
            var type = string.IsNullOrEmpty(answer.TokenType) || answer.TokenType.Equals("bearer", StringComparison.OrdinalIgnoreCase) ? "Bearer" : answer.TokenType;
            _token = (answer.AccessToken, type, expires);
            return _token.Value;
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _tokenClient.Dispose();
            _gate.Dispose();
        }
        base.Dispose(disposing);
    }
}
