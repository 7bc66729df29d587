using Alerting.Core.Remote;
using Azure.Core;
using Azure.Identity;

namespace Alerting.Functions.Remote;

/// <summary>
/// Microsoft Entra access tokens for an <c>azuread</c> datasource (an Azure Monitor workspace), as
/// Prometheus' azuread round tripper obtains them: a managed identity (user-assigned when a client id
/// is given) or Azure.Identity's DefaultAzureCredential chain. Tokens are reused until five minutes
/// before they expire.
/// </summary>
public sealed class EntraTokenSource(TokenCredential credential, string scope)
{
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private AccessToken? _token;

    public TokenCredential Credential => credential;

    public string Scope => scope;

    public static EntraTokenSource For(AzureAdConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var authority = AuthorityHost(config.Cloud);
        TokenCredential credential = config.ManagedIdentityClientId is { } clientId
            ? new ManagedIdentityCredential(new ManagedIdentityCredentialOptions(ManagedIdentityId.FromUserAssignedClientId(clientId)) { AuthorityHost = authority })
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { AuthorityHost = authority });
        return new EntraTokenSource(credential, config.Scope);
    }

    public static Uri AuthorityHost(string cloud) => cloud switch
    {
        "AzureChina" => AzureAuthorityHosts.AzureChina,
        "AzureGovernment" => AzureAuthorityHosts.AzureGovernment,
        _ => AzureAuthorityHosts.AzurePublicCloud,
    };

    public async Task<string> TokenAsync(DateTimeOffset now, CancellationToken ct)
    {
        if (_token is { } cached && cached.ExpiresOn - RefreshMargin > now)
        {
            return cached.Token;
        }
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_token is { } again && again.ExpiresOn - RefreshMargin > now)
            {
                return again.Token;
            }
            var token = await credential.GetTokenAsync(new TokenRequestContext([scope]), ct).ConfigureAwait(false);
            _token = token;
            return token.Token;
        }
        finally
        {
            _lock.Release();
        }
    }
}
