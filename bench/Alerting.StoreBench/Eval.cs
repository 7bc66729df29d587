using System.Diagnostics;
using System.Globalization;
using Alerting.Core.PromQL;
using Alerting.Core.Rules;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Compaction;
using Alerting.Core.Tsdb.Wal;
using Alerting.Functions;
using Alerting.Functions.Storage;
using Alerting.Functions.Tsdb;
using Alerting.LocalServices;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.StoreBench;

/// <summary>
/// Our side: the prepared blocks, manifest and tick log on Azurite, then the evaluator's work per tick as
/// RuleRunner does it (catch the store up, evaluate every seed group, write the groups' output ticks),
/// one new scrape tick per step. Reports the first tick (cold: every head tick downloaded, block indexes
/// opened), the steady ticks, and the peak working set sampled during the evaluation phase only.
/// </summary>
internal static class Eval
{
    public static async Task RunAsync(string dir, bool allSeries)
    {
        var layout = Layout.Load(dir);
        await using var azurite = await Azurite.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(layout.EvalStartMs));
        await using var provider = await AppServices.StartAsync(azurite, new Dictionary<string, string?> { ["Alerting:Tsdb:HeadSeries"] = allSeries ? "All" : "Rules" }, time);
        var container = provider.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(StorageNames.SamplesContainer);
        var log = provider.GetRequiredService<ScrapeTickStore>();

        var load = Stopwatch.StartNew();
        var blocks = new List<ManifestBlock>();
        foreach (var ulid in layout.OurBlocks)
        {
            var path = Path.Combine(Layout.BlocksDir(dir), ulid);
            var meta = BlockMeta.Parse(File.ReadAllBytes(Path.Combine(path, "meta.json")));
            var segments = Directory.GetFiles(Path.Combine(path, "chunks")).Order(StringComparer.Ordinal).ToArray();
            for (var i = 0; i < segments.Length; i++)
            {
                await container.GetBlobClient(BlockStore.SegmentName(ulid, i)).UploadAsync(segments[i], overwrite: true);
            }
            await container.GetBlobClient(BlockStore.IndexName(ulid)).UploadAsync(Path.Combine(path, "index"), overwrite: true);
            await container.GetBlobClient(BlockStore.MetaName(ulid)).UploadAsync(Path.Combine(path, "meta.json"), overwrite: true);
            blocks.Add(new ManifestBlock
            {
                Ulid = ulid,
                MinTime = meta.MinTime,
                MaxTime = meta.MaxTime,
                Level = meta.Compaction.Level,
                NumSamples = meta.Stats.NumSamples,
                NumSeries = meta.Stats.NumSeries,
                IndexBytes = new FileInfo(Path.Combine(path, "index")).Length,
                SegmentBytes = [.. segments.Select(f => new FileInfo(f).Length)],
            });
        }
        var manifests = provider.GetRequiredService<ManifestStore>();
        await manifests.TryWriteAsync(new Manifest { CompactedThrough = layout.CompactedThrough, Blocks = blocks }, await manifests.ReadAsync(CancellationToken.None), CancellationToken.None);
        var ticks = Directory.GetFiles(Layout.TicksDir(dir)).Order(StringComparer.Ordinal)
            .Select(f => (Ts: long.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture), Path: f)).ToArray();
        var next = 0;
        async Task UploadThroughAsync(long t)
        {
            for (; next < ticks.Length && ticks[next].Ts <= t; next++)
            {
                await log.WriteEncodedAsync(SeedFleet.Job, ticks[next].Ts, new BinaryData(await File.ReadAllBytesAsync(ticks[next].Path)), CancellationToken.None);
            }
        }
        await UploadThroughAsync(layout.EvalStartMs);
        Console.WriteLine($"uploaded {blocks.Count} blocks and {next} ticks to Azurite in {load.Elapsed.TotalSeconds:0} s");

        var files = Layout.RuleFiles.Select(RuleFileLoader.Load).ToArray();
        var groups = files.SelectMany(f => f.Groups).ToArray();
        var selection = SeriesSelection.Of(RuleRetention.Selectors(files));
        var evaluator = new RuleGroupEvaluator(new PromQlEngine());
        var store = provider.GetRequiredService<SampleStore>();
        var state = groups.Select(_ => (IReadOnlyList<ActiveAlert>)[]).ToArray();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = Process.GetCurrentProcess().WorkingSet64;
        long peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Process.GetCurrentProcess().WorkingSet64);
                await Task.Delay(25).ConfigureAwait(false);
            }
        });

        var times = new List<(TimeSpan Wall, TimeSpan Catchup, TimeSpan Evaluate, TimeSpan Write)>();
        var evalTicks = (int)((layout.EndMs - layout.EvalStartMs) / layout.StepMs);
        for (var k = 0; k <= evalTicks; k++)
        {
            var now = layout.EvalStartMs + (k * layout.StepMs);
            time.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(now));
            await UploadThroughAsync(now);
            var sw = Stopwatch.StartNew();
            var querier = await store.QuerierAsync(selection, CancellationToken.None);
            var catchup = sw.Elapsed;
            var evaluate = TimeSpan.Zero;
            var write = TimeSpan.Zero;
            for (var g = 0; g < groups.Length; g++)
            {
                var span = Stopwatch.StartNew();
                var result = evaluator.Evaluate(groups[g], querier, time.GetUtcNow(), state[g], RuleEvaluationContext.Default);
                evaluate += span.Elapsed;
                state[g] = result.State;
                // RuleRunner writes each group's output (ALERTS, ALERTS_FOR_STATE) to the log and into its head.
                span.Restart();
                var samples = result.Recorded.SelectMany(s => s.Samples.Select(x => new CollectedSample(s.Labels, x.Value, x.TimestampMs))).ToArray();
                await store.AppendOwnAsync(new ScrapeTick("__rules__/" + groups[g].Key, now, [new TargetSamples(groups[g].Key, samples)]), CancellationToken.None);
                write += span.Elapsed;
                foreach (var h in result.Health.Where(h => h.Health == RuleHealth.Err))
                {
                    Console.WriteLine($"  rule {h.Rule}: {h.LastError}");
                }
            }
            times.Add((sw.Elapsed, catchup, evaluate, write));
            Console.WriteLine($"tick {k}: {sw.Elapsed.TotalSeconds:0.000} s (catch-up {catchup.TotalSeconds:0.000} s, evaluate {evaluate.TotalSeconds:0.000} s, write {write.TotalSeconds:0.000} s), working set {Process.GetCurrentProcess().WorkingSet64 / 1048576} MiB");
        }
        sampling.Cancel();
        await sampler;

        var steady = times.Skip(1).Select(t => t.Wall.TotalSeconds).Order().ToArray();
        double Median(Func<(TimeSpan Wall, TimeSpan Catchup, TimeSpan Evaluate, TimeSpan Write), TimeSpan> part) =>
            times.Skip(1).Select(t => part(t).TotalSeconds).Order().ElementAt((times.Count - 1) / 2);
        var (series, headSamples, chunkBytes) = store.HeadStats;
        var firing = state.SelectMany(s => s).Where(a => a.State == AlertState.Firing).GroupBy(a => a.Rule).Select(g => $"{g.Key} {g.Count()}");
        Console.WriteLine();
        Console.WriteLine($"head ({(allSeries ? "all series" : "the rules' series")}): {series:N0} series, {headSamples:N0} samples, {chunkBytes / (double)Math.Max(1, headSamples):0.00} chunk bytes/sample; block cache {store.BlockCacheBytes / 1048576.0:0.0} MiB");
        Console.WriteLine($"first tick {times[0].Wall.TotalSeconds:0.000} s; steady ticks median {steady[steady.Length / 2]:0.000} s, max {steady[^1]:0.000} s; medians of the parts: catch-up {Median(t => t.Catchup):0.000} s, evaluate {Median(t => t.Evaluate):0.000} s, write {Median(t => t.Write):0.000} s");
        Console.WriteLine($"working set: before evaluating {baseline / 1048576} MiB, peak while evaluating {peak / 1048576} MiB (process peak {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MiB); GC heap {GC.GetTotalMemory(false) / 1048576} MiB");
        Console.WriteLine($"firing at the end: {string.Join(", ", firing)}");
    }
}
