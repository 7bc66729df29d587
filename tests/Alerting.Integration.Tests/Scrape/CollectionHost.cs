using Alerting.Core.Model;
using Alerting.Core.Tsdb.Wal;
using Alerting.Core.Tests;
using Alerting.Functions.Tsdb;
using Alerting.Integration.Tests.Infrastructure;
using Alerting.LocalHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.Integration.Tests.Scrape;

/// <summary>
/// Just the collection side of the product: Azurite and the function app on the local host with a scrape
/// config written by the test, timers driven by the test and the clock under its control.
/// </summary>
public sealed class CollectionHost : IAsyncDisposable
{
    public const string Key = "code=local-function-key";

    private Azurite _azurite = null!;

    private CollectionHost()
    {
    }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60 * 60));

    public string ConfigDir { get; } = Directory.CreateTempSubdirectory("alerting-collect-").FullName;

    public string ScrapeConfigPath => Path.Combine(ConfigDir, "scrape.yml");

    public LocalFunctionHost Host { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public static async Task<CollectionHost> StartAsync(
        string scrapeYaml, IReadOnlyDictionary<string, string?>? settings = null, string? rulesYaml = null, Action<IServiceCollection>? configureServices = null)
    {
        var h = new CollectionHost();
        await File.WriteAllTextAsync(h.ScrapeConfigPath, scrapeYaml);
        var rules = Path.Combine(TestPaths.RepoRoot, "rules", "multi-machine.rules.yml");
        if (rulesYaml is not null)
        {
            rules = Path.Combine(h.ConfigDir, "test.rules.yml");
            await File.WriteAllTextAsync(rules, rulesYaml);
        }
        h._azurite = await Azurite.StartAsync();
        var all = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = h._azurite.ConnectionString,
            ["ScrapeSchedule"] = "*/30 * * * * *",
            ["EvaluateSchedule"] = "*/30 * * * * *",
            ["Alerting:ScrapeConfigPath"] = h.ScrapeConfigPath,
            ["Alerting:RuleFiles"] = rules,
            ["Alerting:AlertmanagerConfigPath"] = Path.Combine(TestPaths.RepoRoot, "rules", "alertmanager.yml"),
            ["Alerting:DefaultTemplatesPath"] = Path.Combine(TestPaths.RepoRoot, "rules", "templates"),
            ["Alerting:ConfigCheckInterval"] = "00:00:00",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            all[k] = v;
        }
        h.Host = await LocalFunctionHost.StartAsync(
            new LocalHostOptions
            {
                Urls = "http://127.0.0.1:0",
                HostJsonPath = Path.Combine(TestPaths.RepoRoot, "host.json"),
                EnableTimers = false,
                EnableQueuePumps = false,
            },
            all,
            services =>
            {
                services.AddSingleton<TimeProvider>(h.Time);
                configureServices?.Invoke(services);
            });
        h.Http = new HttpClient { BaseAddress = h.Host.BaseAddress };
        return h;
    }

    /// <summary>Runs one scrape tick and one rule evaluation; returns the series stored at this instant (scraped and recorded).</summary>
    public async Task<IReadOnlyDictionary<Labels, double>> ScrapeAndEvaluateAsync()
    {
        var now = Time.GetUtcNow().ToUnixTimeMilliseconds();
        await Host.InvokeTimerAsync("Scrape");
        await Host.DrainQueuesAsync();
        await Host.InvokeTimerAsync("Evaluate");
        await Host.DrainQueuesAsync();
        return await SeriesAtAsync(now);
    }

    /// <summary>Runs one scrape tick and returns the series it stored (all jobs), latest value per series.</summary>
    public async Task<IReadOnlyDictionary<Labels, double>> ScrapeAsync()
    {
        var now = Time.GetUtcNow().ToUnixTimeMilliseconds();
        await Host.InvokeTimerAsync("Scrape");
        await Host.DrainQueuesAsync();
        return await SeriesAtAsync(now);
    }

    private async Task<IReadOnlyDictionary<Labels, double>> SeriesAtAsync(long timestampMs)
    {
        var ticks = await Host.Services.GetRequiredService<ScrapeTickStore>().ReadSinceAsync(timestampMs, CancellationToken.None);
        var result = new Dictionary<Labels, double>();
        foreach (var tick in ticks.Where(t => t.TimestampMs == timestampMs))
        {
            foreach (var s in tick.Targets.SelectMany(t => t.Samples))
            {
                result[s.Labels] = s.Value;
            }
        }
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
        try
        {
            Directory.Delete(ConfigDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
