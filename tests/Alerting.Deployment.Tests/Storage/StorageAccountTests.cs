using Alerting.Functions.Storage;
using Alerting.LocalHost;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace Alerting.Deployment.Tests.Storage;

/// <summary>
/// Which storage clients the app and the local host build from the Functions host's connection settings:
/// a connection string for Azurite, an identity-based connection for Azure. Nothing here talks to Azure.
/// </summary>
public sealed class StorageAccountTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            // App settings arrive as environment variables, where "__" separates sections.
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key.Replace("__", ":", StringComparison.Ordinal), s.Value)))
            .Build();

    private static StorageAccount Read(params (string, string)[] settings) => StorageAccount.FromConfiguration(Settings(settings), "AzureWebJobsStorage");

    private static string Error(params (string, string)[] settings) => Assert.Throws<InvalidOperationException>(() => Read(settings)).Message;

    [Fact]
    public void A_connection_string_gives_key_based_clients_as_on_Azurite()
    {
        var account = Read(("AzureWebJobsStorage", "UseDevelopmentStorage=true"));

        Assert.Equal(StorageCredentialKind.ConnectionString, account.CredentialKind);
        Assert.Null(account.CreateCredential());
        Assert.Equal("devstoreaccount1", account.CreateTableServiceClient().AccountName);
        Assert.Equal("devstoreaccount1", account.CreateBlobServiceClient().AccountName);
        Assert.Equal("devstoreaccount1", account.CreateQueueServiceClient(QueueMessageEncoding.Base64).AccountName);
    }

    [Fact]
    public void An_account_name_gives_the_public_service_endpoints_and_DefaultAzureCredential()
    {
        var account = Read(("AzureWebJobsStorage__accountName", "stalerting"));

        Assert.Equal(StorageCredentialKind.DefaultAzureCredential, account.CredentialKind);
        Assert.IsType<DefaultAzureCredential>(account.CreateCredential());
        Assert.Equal(new Uri("https://stalerting.blob.core.windows.net"), account.CreateBlobServiceClient().Uri);
        Assert.Equal(new Uri("https://stalerting.queue.core.windows.net"), account.CreateQueueServiceClient(QueueMessageEncoding.Base64).Uri);
        Assert.Equal(new Uri("https://stalerting.table.core.windows.net"), account.CreateTableServiceClient().Uri);
    }

    [Fact]
    public void Credential_managedidentity_with_a_client_id_uses_that_user_assigned_identity_only()
    {
        var account = Read(("AzureWebJobsStorage__accountName", "stalerting"), ("AzureWebJobsStorage__credential", "managedidentity"),
            ("AzureWebJobsStorage__clientId", "00000000-0000-0000-0000-0000000000c1"));

        Assert.Equal(StorageCredentialKind.ManagedIdentity, account.CredentialKind);
        Assert.Equal("00000000-0000-0000-0000-0000000000c1", account.ClientId);
        Assert.IsType<ManagedIdentityCredential>(account.CreateCredential());
    }

    [Fact]
    public void Credential_managedidentity_without_a_client_id_is_the_system_assigned_identity()
    {
        var account = Read(("AzureWebJobsStorage__accountName", "stalerting"), ("AzureWebJobsStorage__credential", "ManagedIdentity"));

        Assert.Equal(StorageCredentialKind.ManagedIdentity, account.CredentialKind);
        Assert.Null(account.ClientId);
        Assert.IsType<ManagedIdentityCredential>(account.CreateCredential());
    }

    [Fact]
    public void Service_uris_override_the_account_name_per_service()
    {
        var account = Read(("AzureWebJobsStorage__accountName", "stalerting"),
            ("AzureWebJobsStorage__queueServiceUri", "https://queues.example.net/"));

        Assert.Equal(new Uri("https://queues.example.net/"), account.QueueServiceUri);
        Assert.Equal(new Uri("https://stalerting.blob.core.windows.net"), account.BlobServiceUri);
    }

    [Fact]
    public void Service_uris_alone_must_name_all_three_services_and_the_error_names_the_missing_one()
    {
        var message = Error(("AzureWebJobsStorage__blobServiceUri", "https://a.blob.core.windows.net"),
            ("AzureWebJobsStorage__queueServiceUri", "https://a.queue.core.windows.net"));

        Assert.Contains("'AzureWebJobsStorage__tableServiceUri' is not set", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_connection_string_wins_over_identity_settings_as_on_the_Functions_host()
    {
        var account = Read(("AzureWebJobsStorage", "UseDevelopmentStorage=true"), ("AzureWebJobsStorage__accountName", "stalerting"));

        Assert.Equal(StorageCredentialKind.ConnectionString, account.CredentialKind);
    }

    [Fact]
    public void No_storage_setting_stops_the_app_with_a_message_naming_both_ways_to_configure_it()
    {
        var message = Error();

        Assert.Contains("'AzureWebJobsStorage'", message, StringComparison.Ordinal);
        Assert.Contains("'AzureWebJobsStorage__accountName'", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage__credential", "clientsecret", "'AzureWebJobsStorage__credential' is 'clientsecret'")]
    [InlineData("AzureWebJobsStorage__blobServiceUri", "not a url", "'AzureWebJobsStorage__blobServiceUri' is 'not a url'")]
    public void Wrong_values_are_named_in_the_error(string key, string value, string expected)
    {
        var message = Error(("AzureWebJobsStorage__accountName", "stalerting"), (key, value));

        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_account_name_is_rejected_with_the_naming_rule()
    {
        Assert.Contains("3 to 24 lowercase letters and digits", Error(("AzureWebJobsStorage__accountName", "My_Account")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_local_hosts_queue_pumps_read_the_same_identity_based_settings()
    {
        var route = FunctionCatalog.Load(FunctionApp.Alerting.MetadataFile, FunctionApp.Alerting.Assembly).Single(f => f.Name == "Route");
        var config = Settings(("AzureWebJobsStorage__accountName", "stalerting"), ("AzureWebJobsStorage__credential", "managedidentity"));

        var queues = LocalFunctionHost.QueueServiceFor(route, config, new QueueSettings());

        Assert.Equal(new Uri("https://stalerting.queue.core.windows.net"), queues.Uri);
    }

    [Fact]
    public void The_local_host_names_the_function_whose_connection_is_not_configured()
    {
        var route = FunctionCatalog.Load(FunctionApp.Alerting.MetadataFile, FunctionApp.Alerting.Assembly).Single(f => f.Name == "Route");

        var e = Assert.Throws<InvalidOperationException>(() => LocalFunctionHost.QueueServiceFor(route, Settings(), new QueueSettings()));

        Assert.StartsWith("Function 'Route': Storage is not configured", e.Message, StringComparison.Ordinal);
    }
}
