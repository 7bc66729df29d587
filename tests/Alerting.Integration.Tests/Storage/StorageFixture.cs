using Alerting.Integration.Tests.Infrastructure;
using Azure.Core;
using Azure.Data.Tables;

namespace Alerting.Integration.Tests.Storage;

/// <summary>One Azurite for the storage tests; each test works in a table of its own.</summary>
public sealed class StorageFixture : IAsyncLifetime
{
    private Azurite _azurite = null!;

    public RequestCounter Requests { get; } = new();

    public TableServiceClient Tables { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync();
        var options = new TableClientOptions();
        options.AddPolicy(Requests, HttpPipelinePosition.PerCall);
        Tables = new TableServiceClient(_azurite.ConnectionString, options);
    }

    public async Task DisposeAsync() => await _azurite.DisposeAsync();

    public async Task<TableClient> NewTableAsync()
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..20];
        await Tables.CreateTableIfNotExistsAsync(name);
        return Tables.GetTableClient(name);
    }
}

[CollectionDefinition(Name)]
public sealed class StorageCollection : ICollectionFixture<StorageFixture>
{
    public const string Name = "storage";
}

