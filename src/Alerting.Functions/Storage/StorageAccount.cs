using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace Alerting.Functions.Storage;

/// <summary>How the storage clients authenticate.</summary>
public enum StorageCredentialKind
{
    /// <summary>A connection string (an account key or SAS; Azurite locally).</summary>
    ConnectionString,

    /// <summary><c>__credential</c> = <c>managedidentity</c>: the app's system- or user-assigned identity only.</summary>
    ManagedIdentity,

    /// <summary>No <c>__credential</c>: Azure.Identity's DefaultAzureCredential chain (managed identity, az/azd login, ...).</summary>
    DefaultAzureCredential,
}

/// <summary>
/// One storage account as a Functions connection setting names it, read the way the Functions host reads
/// <c>AzureWebJobsStorage</c>: a connection string in the setting itself, or an identity-based connection in
/// its sub-settings (<c>__accountName</c>, or <c>__blobServiceUri</c>/<c>__queueServiceUri</c>/
/// <c>__tableServiceUri</c>, with <c>__credential</c> and <c>__clientId</c>). The app's clients and the local
/// host's queue pumps both come from here, so Azurite (connection string) and Azure (keyless) run the same code.
/// </summary>
public sealed partial record StorageAccount
{
    private const string ManagedIdentityValue = "managedidentity";

    private StorageAccount(string setting) => Setting = setting;

    /// <summary>The connection setting's name, e.g. <c>AzureWebJobsStorage</c>.</summary>
    public string Setting { get; }

    public StorageCredentialKind CredentialKind { get; private init; }

    public string? ConnectionString { get; private init; }

    public Uri? BlobServiceUri { get; private init; }

    public Uri? QueueServiceUri { get; private init; }

    public Uri? TableServiceUri { get; private init; }

    /// <summary>Client id of a user-assigned identity (<c>__clientId</c>); null for the system-assigned one.</summary>
    public string? ClientId { get; private init; }

    /// <summary>Resource id of a user-assigned identity (<c>__managedIdentityResourceId</c>).</summary>
    public string? ManagedIdentityResourceId { get; private init; }

    /// <summary>
    /// Reads connection setting <paramref name="setting"/>. Throws <see cref="InvalidOperationException"/> naming
    /// the missing or wrong setting, so a misconfigured app stops at start with a message an operator can act on.
    /// </summary>
    public static StorageAccount FromConfiguration(IConfiguration configuration, string setting)
    {
        var connectionString = configuration[setting] is { Length: > 0 } direct ? direct : configuration.GetConnectionString(setting);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new StorageAccount(setting) { CredentialKind = StorageCredentialKind.ConnectionString, ConnectionString = connectionString };
        }

        var section = configuration.GetSection(setting);
        string? Get(string key) => section[key] is { Length: > 0 } v ? v.Trim() : null;
        var accountName = Get("accountName");
        var blob = ServiceUri(setting, "blobServiceUri", Get("blobServiceUri"), accountName, "blob");
        var queue = ServiceUri(setting, "queueServiceUri", Get("queueServiceUri"), accountName, "queue");
        var table = ServiceUri(setting, "tableServiceUri", Get("tableServiceUri"), accountName, "table");
        if (blob is null && queue is null && table is null)
        {
            throw new InvalidOperationException(
                $"Storage is not configured: set app setting '{setting}' to a connection string (UseDevelopmentStorage=true for Azurite), " +
                $"or '{setting}__accountName' to reach the account with the app's managed identity " +
                "(which needs Storage Blob Data Owner, Storage Queue Data Contributor and Storage Table Data Contributor on it).");
        }
        var missing = new[] { ("blobServiceUri", blob), ("queueServiceUri", queue), ("tableServiceUri", table) }
            .Where(s => s.Item2 is null).Select(s => $"'{setting}__{s.Item1}'").ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"{string.Join(" and ", missing)} {(missing.Count == 1 ? "is" : "are")} not set: the app uses blobs, queues and tables, " +
                $"so give all three service URIs or '{setting}__accountName'.");
        }

        var credential = Get("credential");
        var clientId = Get("clientId");
        var resourceId = Get("managedIdentityResourceId");
        if (clientId is not null && resourceId is not null)
        {
            throw new InvalidOperationException($"Set either '{setting}__clientId' or '{setting}__managedIdentityResourceId', not both: each names the user-assigned identity.");
        }
        StorageCredentialKind kind;
        if (credential is null)
        {
            kind = StorageCredentialKind.DefaultAzureCredential;
        }
        else if (string.Equals(credential, ManagedIdentityValue, StringComparison.OrdinalIgnoreCase))
        {
            kind = StorageCredentialKind.ManagedIdentity;
        }
        else
        {
            throw new InvalidOperationException(
                $"App setting '{setting}__credential' is '{credential}'; the only value is 'managedidentity' (or leave it unset to use DefaultAzureCredential).");
        }
        return new StorageAccount(setting)
        {
            CredentialKind = kind,
            BlobServiceUri = blob,
            QueueServiceUri = queue,
            TableServiceUri = table,
            ClientId = clientId,
            ManagedIdentityResourceId = resourceId,
        };
    }

    /// <summary>The token credential of an identity-based connection; null for a connection string.</summary>
    public TokenCredential? CreateCredential() => CredentialKind switch
    {
        StorageCredentialKind.ManagedIdentity => new ManagedIdentityCredential(
            ClientId is not null ? ManagedIdentityId.FromUserAssignedClientId(ClientId)
            : ManagedIdentityResourceId is not null ? ManagedIdentityId.FromUserAssignedResourceId(new ResourceIdentifier(ManagedIdentityResourceId))
            : ManagedIdentityId.SystemAssigned),
        StorageCredentialKind.DefaultAzureCredential => new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = ClientId,
            ManagedIdentityResourceId = ManagedIdentityResourceId is null ? null : new ResourceIdentifier(ManagedIdentityResourceId),
        }),
        _ => null,
    };

    public TableServiceClient CreateTableServiceClient() =>
        ConnectionString is not null ? new TableServiceClient(ConnectionString) : new TableServiceClient(TableServiceUri!, CreateCredential()!);

    public BlobServiceClient CreateBlobServiceClient() =>
        ConnectionString is not null ? new BlobServiceClient(ConnectionString) : new BlobServiceClient(BlobServiceUri!, CreateCredential()!);

    public QueueServiceClient CreateQueueServiceClient(QueueMessageEncoding encoding)
    {
        var options = new QueueClientOptions { MessageEncoding = encoding };
        return ConnectionString is not null ? new QueueServiceClient(ConnectionString, options) : new QueueServiceClient(QueueServiceUri!, CreateCredential()!, options);
    }

    private static Uri? ServiceUri(string setting, string key, string? explicitUri, string? accountName, string service)
    {
        if (explicitUri is not null)
        {
            if (!Uri.TryCreate(explicitUri, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                throw new InvalidOperationException($"App setting '{setting}__{key}' is '{explicitUri}', which is not an http(s) URL such as https://<account>.{service}.core.windows.net.");
            }
            return uri;
        }
        if (accountName is null)
        {
            return null;
        }
        if (!AccountNamePattern().IsMatch(accountName))
        {
            throw new InvalidOperationException($"App setting '{setting}__accountName' is '{accountName}'; a storage account name is 3 to 24 lowercase letters and digits.");
        }
        return new Uri($"https://{accountName}.{service}.core.windows.net");
    }

    [GeneratedRegex("^[a-z0-9]{3,24}$")]
    private static partial Regex AccountNamePattern();
}
