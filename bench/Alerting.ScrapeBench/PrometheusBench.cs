using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Alerting.Core.Exposition;
using Alerting.Core.Tsdb.Wal;
using Alerting.Functions.Tsdb;
using Alerting.LocalHost;
using Alerting.LocalServices;

namespace Alerting.ScrapeBench;

/// <summary>
/// Our scrape tick next to real Prometheus (Debian's 2.42) over the same demo-fleet targets. Ours: wall time and
/// CPU time of whole ticks. Prometheus spreads its scrapes over the interval, so it has no "tick"; its figures
/// are its own per-target <c>scrape_duration_seconds</c> (from its query API) and the CPU its process burns per
/// scrape interval (<c>process_cpu_seconds_total</c>), i.e. per round over every target.
/// </summary>
internal static class PrometheusBench
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(string[] args, string storageConnection, string work)
    {
        var targets = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 6;
        // Instances sharing the scrape queue: 1, 2 and 3 by default (local hosts in this process, one Azurite).
        var instanceCounts = args.Length > 2 ? args[2].Split(',').Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [1, 2, 3];
        var (fleet, ports) = await StartFleetProcessAsync(targets, work);
        await using var fleetOwner = fleet;
        var targetList = ports.Select(p => $"'127.0.0.1:{p}'").ToArray();
        Console.WriteLine($"{targets} demo-fleet targets on one Kestrel in a child process, {rounds} rounds each, {Environment.ProcessorCount} cores (shared)");

        // Ours first, then Prometheus, never both at once: they share two cores.
        var ours = new List<(int Instances, Ours Result)>();
        foreach (var n in instanceCounts)
        {
            ours.Add((n, await OursAsync(storageConnection, work, targetList, targets, rounds, n)));
        }
        var prom = await PrometheusAsync(work, targetList, targets, rounds);

        Console.WriteLine();
        Console.WriteLine($"| | {string.Join(" | ", ours.Select(o => $"ours, {o.Instances} instance(s)"))} | Prometheus 2.42 (per scrape interval) |");
        Console.WriteLine($"|---|{string.Concat(ours.Select(_ => "---|"))}---|");
        Console.WriteLine($"| targets up | {string.Join(" | ", ours.Select(o => o.Result.Up))} | {prom.Up} |");
        Console.WriteLine($"| wall time of a tick (plan, scrape shards, store) best / median | {string.Join(" | ", ours.Select(o => $"{o.Result.TickBest.TotalSeconds:0.000} / {o.Result.TickMedian.TotalSeconds:0.000} s"))} | spread over {Interval.TotalSeconds:0} s by design |");
        Console.WriteLine($"| per-target scrape_duration_seconds avg / max | {string.Join(" | ", ours.Select(o => $"{o.Result.TargetAvg * 1000:0.0} / {o.Result.TargetMax * 1000:0.0} ms"))} | {prom.TargetAvg * 1000:0.0} / {prom.TargetMax * 1000:0.0} ms |");
        Console.WriteLine($"| CPU per round per instance (bench process / instances; Azurite not counted) | {string.Join(" | ", ours.Select(o => $"{o.Result.CpuPerTick.TotalSeconds / o.Instances:0.000} s"))} | {prom.CpuPerRound.TotalSeconds:0.000} s (incl. its TSDB appends) |");
    }

    private sealed record Ours(int Up, TimeSpan TickBest, TimeSpan TickMedian, TimeSpan CpuPerTick, double TargetAvg, double TargetMax);

    internal sealed record Prom(int Up, double TargetAvg, double TargetMax, TimeSpan CpuPerRound, double IntervalP99 = double.NaN);

    /// <summary>A child process serving <paramref name="targets"/> demo machines, each padded to <paramref name="series"/> series (0: as rendered).</summary>
    internal static async Task<(ExternalProcess Process, int[] Ports)> StartFleetProcessAsync(int targets, string work, int series = 0, string name = "fleet-ports.txt")
    {
        var portsFile = Path.Combine(work, name);
        var self = Environment.ProcessPath!;
        // Run as "dotnet x.dll" the process path is the dotnet host, which needs the assembly; as the apphost it does not.
        string[] prefix = Path.GetFileNameWithoutExtension(self) == "dotnet" ? [typeof(PrometheusBench).Assembly.Location] : [];
        var process = ExternalProcess.Start(self, [.. prefix, "serve-fleet", targets.ToString(CultureInfo.InvariantCulture), portsFile, series.ToString(CultureInfo.InvariantCulture)]);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!File.Exists(portsFile))
        {
            if (DateTime.UtcNow > deadline)
            {
                await process.DisposeAsync();
                throw new TimeoutException($"the fleet process did not start: {process.Output}");
            }
            await Task.Delay(200);
        }
        return (process, (await File.ReadAllLinesAsync(portsFile)).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToArray());
    }

    private static async Task<Ours> OursAsync(string storageConnection, string work, string[] targetList, int targets, int rounds, int instances)
    {
        var scrapeYml = Path.Combine(work, "scrape.yml");
        await File.WriteAllTextAsync(scrapeYml,
            $"global:\n  scrape_interval: {Interval.TotalSeconds}s\n  scrape_timeout: 2s\nscrape_configs:\n  - job_name: fleet\n    static_configs:\n      - targets: [{string.Join(", ", targetList)}]\n");
        var hosts = new List<LocalFunctionHost>();
        for (var i = 0; i < instances; i++)
        {
            hosts.Add(await LocalFunctionHost.StartAsync(
                new LocalHostOptions { Urls = "http://127.0.0.1:0", HostJsonPath = Path.Combine(RepoPaths.Root, "host.json"), EnableTimers = false, EnableQueuePumps = false },
                new Dictionary<string, string?>
                {
                    ["AzureWebJobsStorage"] = storageConnection,
                    ["ScrapeSchedule"] = "*/30 * * * * *",
                    ["EvaluateSchedule"] = "*/30 * * * * *",
                    ["Alerting:ScrapeConfigPath"] = scrapeYml,
                    ["Alerting:ScrapeConcurrency"] = "64",
                    ["Logging:LogLevel:Default"] = "Warning",
                }));
        }
        await using var hostsOwner = new AsyncDisposables(hosts);
        var host = hosts[0];
        // The timer plans on one instance; every instance drains the shared scrape queue at once.
        async Task TickAsync()
        {
            await host.InvokeTimerAsync("Scrape");
            await Task.WhenAll(hosts.Select(h => h.DrainQueuesAsync()));
        }
        // One tick to open connections and JIT, as Prometheus also gets its first round before measuring.
        await TickAsync();
        var ticks = new List<TimeSpan>();
        var cpu = TimeSpan.Zero;
        for (var i = 0; i < rounds; i++)
        {
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            await TickAsync();
            ticks.Add(sw.Elapsed);
            cpu += Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        }
        var stored = await host.Services.GetRequiredService<ScrapeTickStore>().ReadSinceAsync(0, CancellationToken.None);
        // The last tick is every shard stored at the last tick's time.
        var lastTs = stored[^1].TimestampMs;
        var last = new ScrapeTick(stored[^1].Job, lastTs, [.. stored.Where(t => t.TimestampMs == lastTs).SelectMany(t => t.Targets)]);
        var durations = last.Targets.SelectMany(t => t.Samples).Where(s => s.Labels.Name == "scrape_duration_seconds").Select(s => s.Value).ToArray();
        var up = last.Targets.Count(t => t.Samples.Any(s => s.Labels.Name == "up" && s.Value == 1));
        ticks.Sort();
        Console.WriteLine($"ours, {instances} instance(s): ticks {string.Join(", ", ticks.Select(t => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)))} s; {up}/{targets} up");
        return new Ours(up, ticks[0], ticks[ticks.Count / 2], cpu / rounds, durations.Average(), durations.Max());
    }

    internal static async Task<Prom> PrometheusAsync(string work, string[] targetList, int targets, int rounds, TimeSpan? scrapeInterval = null)
    {
        var interval = scrapeInterval ?? Interval;
        var config = Path.Combine(work, "prometheus.yml");
        await File.WriteAllTextAsync(config,
            $"global:\n  scrape_interval: {interval.TotalSeconds}s\n  scrape_timeout: 2s\nscrape_configs:\n  - job_name: fleet\n    static_configs:\n      - targets: [{string.Join(", ", targetList)}]\n");
        var port = ExternalProcess.FreePort();
        var tsdb = Directory.CreateDirectory(Path.Combine(work, "tsdb")).FullName;
        await using var prometheus = ExternalProcess.Start("prometheus", $"--config.file={config}", $"--storage.tsdb.path={tsdb}",
            $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn");
        await prometheus.WaitForPortAsync(port);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        // Wait (bounded) until it serves queries (it answers 503 while the TSDB opens), then for a full
        // round in which every target is up, then one more interval as warm-up.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(Math.Max(90, interval.TotalSeconds * 4));
        while (!await ReadyAsync(http))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Prometheus did not become ready: {prometheus.Output}");
            }
            await Task.Delay(500);
        }
        while (await QueryAsync(http, "count(up == 1)") < targets)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Prometheus did not see {targets} targets up: {prometheus.Output}");
            }
            await Task.Delay(1000);
        }
        await Task.Delay(interval);

        var promCpu0 = await OwnCpuSecondsAsync(http);
        await Task.Delay(interval * rounds);
        var promCpu1 = await OwnCpuSecondsAsync(http);

        var range = $"{(int)(interval * rounds).TotalSeconds}s";
        var up = (int)await QueryAsync(http, "count(up == 1)");
        var avg = await QueryAsync(http, $"avg(avg_over_time(scrape_duration_seconds[{range}]))");
        var max = await QueryAsync(http, $"max(max_over_time(scrape_duration_seconds[{range}]))");
        // How late its scrape loops ran against the interval (a summary over every target's loop).
        var intervalP99 = await IntervalLengthP99Async(http);
        Console.WriteLine($"prometheus: {up}/{targets} up; process CPU {promCpu1 - promCpu0:0.00} s over {rounds} intervals; interval length p99 {intervalP99:0.000} s");
        return new Prom(up, avg, max, TimeSpan.FromSeconds((promCpu1 - promCpu0) / rounds), intervalP99);
    }

    private static async Task<bool> ReadyAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("-/ready", UriKind.Relative));
        return response.IsSuccessStatusCode;
    }

    private static async Task<double> QueryAsync(HttpClient http, string query)
    {
        using var response = await http.GetAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(query), UriKind.Relative));
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var result = doc.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0 ? 0 : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    // From its own metrics endpoint (it does not scrape itself here, so its query API lacks them): the 0.99
    // quantile of how far apart its scrape loops actually ran, the largest over the configured intervals.
    private static async Task<double> IntervalLengthP99Async(HttpClient http)
    {
        var body = await http.GetByteArrayAsync(new Uri("metrics", UriKind.Relative));
        return ExpositionParser.Parse(body, ExpositionFormat.PrometheusText).Samples
            .Where(s => s.Labels.Name == "prometheus_target_interval_length_seconds" && s.Labels.Get("quantile") == "0.99")
            .Select(s => s.Value).DefaultIfEmpty(double.NaN).Max();
    }

    // Prometheus' own metrics endpoint, read with our parser: the CPU seconds of its whole process.
    private static async Task<double> OwnCpuSecondsAsync(HttpClient http)
    {
        var body = await http.GetByteArrayAsync(new Uri("metrics", UriKind.Relative));
        return ExpositionParser.Parse(body, ExpositionFormat.PrometheusText).Samples.Single(s => s.Labels.Name == "process_cpu_seconds_total").Value;
    }
}

/// <summary>Disposes the local hosts of one measurement together.</summary>
internal sealed class AsyncDisposables(IEnumerable<IAsyncDisposable> items) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        foreach (var item in items)
        {
            await item.DisposeAsync();
        }
    }
}
