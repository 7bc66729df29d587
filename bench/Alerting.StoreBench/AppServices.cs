using Alerting.Functions;
using Alerting.Functions.Storage;
using Alerting.LocalServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Alerting.StoreBench;

/// <summary>
/// The function app's services on a bench's Azurite, storage created, as the app builds them at start: the
/// one way every mode gets the real store, receiver or forwarder rather than each mode wiring them up.
/// </summary>
internal static class AppServices
{
    public static async Task<ServiceProvider> StartAsync(Azurite azurite, IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var values = new Dictionary<string, string?> { ["AzureWebJobsStorage"] = azurite.ConnectionString };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }
        var services = new ServiceCollection();
        services.AddLogging();
        if (time is not null)
        {
            services.AddSingleton(time);
        }
        services.AddAlerting(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<StorageInitializer>().EnsureAsync(CancellationToken.None);
        return provider;
    }
}
