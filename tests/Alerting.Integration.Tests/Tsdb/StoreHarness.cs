using Alerting.Core.Model;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Wal;
using Alerting.Functions;
using Alerting.Functions.Storage;
using Alerting.Functions.Tsdb;
using Alerting.Integration.Tests.Notify;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.Integration.Tests.Tsdb;

/// <summary>One Azurite for all the store tests of a class; each test starts from an empty container.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public Azurite Azurite { get; private set; } = null!;

    public async Task InitializeAsync() => Azurite = await Azurite.StartAsync();

    public async Task DisposeAsync() => await Azurite.DisposeAsync();
}

/// <summary>
/// The function app's store services (tick log, blocks, manifest, compactor, sample store) on Azurite
/// with the clock under the test's control and a fault switch in the blob pipeline, so a test can make
/// storage fail mid-compaction exactly where it wants.
/// </summary>
internal sealed class StoreHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private StoreHarness(ServiceProvider services, FakeTimeProvider time, BlobFaults faults, CapturedLogs logs)
    {
        _services = services;
        Time = time;
        Faults = faults;
        Logs = logs;
    }

    public FakeTimeProvider Time { get; }

    public BlobFaults Faults { get; }

    public CapturedLogs Logs { get; }

    public ScrapeTickStore Log => _services.GetRequiredService<ScrapeTickStore>();

    public BlockStore Blocks => _services.GetRequiredService<BlockStore>();

    public ManifestStore Manifests => _services.GetRequiredService<ManifestStore>();

    public Compactor Compactor => _services.GetRequiredService<Compactor>();

    public SampleStore Samples => _services.GetRequiredService<SampleStore>();

    public CompactionRunner Runner => _services.GetRequiredService<CompactionRunner>();

    public BlobContainerClient Container => _services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(StorageNames.SamplesContainer);

    /// <summary>Another instance of the app on the same storage (own caches, own manifest view).</summary>
    public static async Task<StoreHarness> StartAsync(Azurite azurite, FakeTimeProvider? time = null, IReadOnlyDictionary<string, string?>? settings = null, bool clean = true)
    {
        var all = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Alerting:Tsdb:BlockDuration"] = "00:10:00",
            ["Alerting:Tsdb:CompactionDelay"] = "00:02:00",
            ["Alerting:Tsdb:DeleteGrace"] = "00:01:00",
            ["Alerting:Tsdb:MaxLevel"] = "2",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            all[k] = v;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();
        // Real time (to the half hour, so blocks and merges align with the test's start), not an old fixed
        // date: orphan collection compares with Azurite's last-modified times.
        time ??= new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 1800 * 1800));
        var faults = new BlobFaults();
        var logs = new CapturedLogs();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs));
        services.AddSingleton<TimeProvider>(time);
        services.AddAlerting(configuration);
        var options = new BlobClientOptions();
        options.AddPolicy(faults, HttpPipelinePosition.PerCall);
        options.Retry.MaxRetries = 0;
        services.AddSingleton(new BlobServiceClient(azurite.ConnectionString, options));
        var provider = services.BuildServiceProvider();
        var harness = new StoreHarness(provider, time, faults, logs);
        if (clean)
        {
            await provider.GetRequiredService<StorageInitializer>().EnsureAsync(CancellationToken.None);
            await foreach (var blob in harness.Container.GetBlobsAsync())
            {
                await harness.Container.DeleteBlobAsync(blob.Name);
            }
        }
        return harness;
    }

    public long Now => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Writes one tick of job "fleet" at the current time: three machines; machine 2 is gone between 20 and 25 minutes, and series y of machine 1 comes and goes.</summary>
    public async Task<ScrapeTick> WriteFleetTickAsync(long origin)
    {
        var t = Now;
        var minute = (t - origin) / 60_000;
        var targets = new List<TargetSamples>();
        for (var m = 0; m < 3; m++)
        {
            if (m == 2 && minute is >= 20 and < 25)
            {
                continue;
            }
            var instance = $"m{m}:9100";
            var samples = new List<CollectedSample>
            {
                new(Labels.From(("__name__", "up"), ("instance", instance), ("job", "fleet")), 1, t),
                new(Labels.From(("__name__", "errors_total"), ("instance", instance), ("job", "fleet")), (t - origin) / 1000.0 * (m + 1), t),
            };
            if (m != 1 || minute % 14 < 9)
            {
                samples.Add(new(Labels.From(("__name__", "y"), ("instance", instance), ("job", "fleet")), m + (minute % 5), t));
            }
            targets.Add(new TargetSamples(instance, samples));
        }
        var tick = new ScrapeTick("fleet", t, targets);
        await Log.WriteAsync(tick, CancellationToken.None);
        return tick;
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}

/// <summary>Makes chosen blob requests fail, as a storage outage or a crash at that point would.</summary>
internal sealed class BlobFaults : HttpPipelinePolicy
{
    private Func<Request, bool>? _fail;
    private int _remaining;

    public int Injected { get; private set; }

    private int _lists;

    /// <summary>Container listings made so far (each a round trip that pages through the tick log's names).</summary>
    public int Lists => Volatile.Read(ref _lists);

    /// <summary>The next <paramref name="count"/> requests matching <paramref name="when"/> fail with 503.</summary>
    public void FailNext(Func<Request, bool> when, int count = 1)
    {
        _fail = when;
        _remaining = count;
    }

    public void Clear() => _fail = null;

    public static bool IsManifestWrite(Request r) => r.Method == RequestMethod.Put && r.Uri.Path.EndsWith("/manifest.json", StringComparison.Ordinal);

    public static bool IsDelete(Request r) => r.Method == RequestMethod.Delete;

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Check(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Check(message);
        return ProcessNextAsync(message, pipeline);
    }

    private void Check(HttpMessage message)
    {
        if (message.Request.Method == RequestMethod.Get && message.Request.Uri.Query.Contains("comp=list", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _lists);
        }
        if (_fail is { } f && _remaining > 0 && f(message.Request))
        {
            _remaining--;
            Injected++;
            throw new RequestFailedException(503, "injected storage failure");
        }
    }
}
