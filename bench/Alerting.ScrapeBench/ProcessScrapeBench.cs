using System.Diagnostics;
using System.Globalization;
using Alerting.Core.Tsdb.Wal;
using Alerting.LocalServices;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Alerting.ScrapeBench;

/// <summary>
/// Mode "processes": the scrape tick over a large demo fleet with 1, 2 and 3 instances, each a local host in its
/// own process with its live <c>Scrape</c> timer, next to Prometheus 2.42 over the same targets. The fleet is
/// served by child processes of at most 5,000 targets each (file descriptors), every page padded to
/// <c>series</c> series. Per tick: its wall time, from the tick's stamp (the planning run) until the poll that
/// first lists every shard's blob (polled every 250 ms). Per instance: CPU seconds per tick from
/// <c>/proc/&lt;pid&gt;/stat</c> over the measured ticks, whole process (its pollers and other timers included).
/// </summary>
internal static class ProcessScrapeBench
{
    private const int TargetsPerFleetProcess = 5000;

    public static async Task RunAsync(string[] args, string storage, string work)
    {
        var targets = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        var ticks = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        // "none": Prometheus alone (e.g. to repeat its side of a run).
        var counts = args.Length > 2 ? args[2] == "none" ? [] : args[2].Split(',').Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : new[] { 1, 2, 3 };
        var series = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 100;
        var interval = TimeSpan.FromSeconds(args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 30);

        var fleets = new List<ExternalProcess>();
        var ports = new List<int>();
        try
        {
            for (var served = 0; served < targets; served += TargetsPerFleetProcess)
            {
                var (process, p) = await PrometheusBench.StartFleetProcessAsync(Math.Min(TargetsPerFleetProcess, targets - served), work, series, $"fleet-ports-{served}.txt");
                fleets.Add(process);
                ports.AddRange(p);
            }
            var targetList = ports.Select(p => $"'127.0.0.1:{p}'").ToArray();
            Console.WriteLine($"{targets} demo-fleet targets × {series} series in {fleets.Count} child process(es), scrape every {interval.TotalSeconds:0} s, {ticks} measured ticks after one warm-up, {Environment.ProcessorCount} cores (shared); load average {HostProcess.LoadAverage()}");

            var rows = new List<string>();
            foreach (var n in counts)
            {
                rows.Add(await OursAsync(storage, work, targetList, targets, ticks, n, interval));
            }
            var load0 = HostProcess.LoadAverage();
            var prom = await PrometheusBench.PrometheusAsync(work, targetList, targets, ticks, interval);
            Console.WriteLine();
            Console.WriteLine("| | targets up | wall time per tick (median, max) | CPU per tick, each instance | CPU per tick, all instances | load average before → after |");
            Console.WriteLine("|---|---|---|---|---|---|");
            foreach (var row in rows)
            {
                Console.WriteLine(row);
            }
            Console.WriteLine($"| Prometheus 2.42 | {prom.Up} | scrapes spread over the {interval.TotalSeconds:0} s interval; scrape_duration_seconds avg {prom.TargetAvg * 1000:0.0} ms, max {prom.TargetMax * 1000:0.0} ms; interval length p99 {prom.IntervalP99:0.000} s | {prom.CpuPerRound.TotalSeconds:0.00} s (process_cpu_seconds_total per interval, TSDB appends included) | | {load0} → {HostProcess.LoadAverage()} |");
        }
        finally
        {
            foreach (var f in fleets)
            {
                await f.DisposeAsync();
            }
        }
    }

    private static async Task<string> OursAsync(string storage, string work, string[] targetList, int targets, int ticks, int instances, TimeSpan interval)
    {
        // A job per run, so each run's ticks are told apart in the one store.
        var job = $"fleet{instances}";
        var dir = Directory.CreateDirectory(Path.Combine(work, job)).FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "scrape.yml"),
            $"global:\n  scrape_interval: {interval.TotalSeconds}s\n  scrape_timeout: 10s\nscrape_configs:\n  - job_name: {job}\n    static_configs:\n      - targets: [{string.Join(", ", targetList)}]\n");
        var settings = await HostProcess.WriteSettingsAsync(dir, storage, new Dictionary<string, string>
        {
            ["ScrapeSchedule"] = $"*/{interval.TotalSeconds} * * * * *",
            ["EvaluateSchedule"] = "0 0 * * * *",
            ["Alerting:ScrapeConfigPath"] = Path.Combine(dir, "scrape.yml"),
            ["Alerting:ScrapeConcurrency"] = "64",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        var load0 = HostProcess.LoadAverage();
        var hosts = new List<HostProcess>();
        try
        {
            for (var i = 0; i < instances; i++)
            {
                hosts.Add(await HostProcess.StartAsync(settings, 30));
            }
            var samples = new BlobServiceClient(storage).GetBlobContainerClient("samples");
            var completed = new Dictionary<long, DateTimeOffset>();
            var deadline = DateTimeOffset.UtcNow + (interval * (ticks + 4));
            double[]? cpuStart = null;
            long warmUp = 0;
            while (completed.Count < ticks + 1)
            {
                if (DateTimeOffset.UtcNow > deadline)
                {
                    throw new TimeoutException($"{instances} instance(s): {completed.Count} complete ticks by the deadline; host output: {hosts[0].Process.Output}");
                }
                foreach (var ts in await CompleteTicksAsync(samples, job))
                {
                    if (completed.TryAdd(ts, DateTimeOffset.UtcNow) && cpuStart is null)
                    {
                        // The first complete tick warms up (JIT, connections); CPU counts from its end.
                        cpuStart = [.. hosts.Select(h => h.CpuSeconds())];
                        warmUp = ts;
                    }
                }
                await Task.Delay(250);
            }
            var cpuEnd = hosts.Select(h => h.CpuSeconds()).ToArray();
            var measured = completed.Where(kv => kv.Key != warmUp).Select(kv => (kv.Value - DateTimeOffset.FromUnixTimeMilliseconds(kv.Key)).TotalSeconds).Order().ToArray();
            var perInstance = cpuEnd.Select((c, i) => (c - cpuStart![i]) / ticks).ToArray();
            var logs = hosts.Select(h => h.LogCounts()).ToArray();
            foreach (var h in hosts)
            {
                await h.Process.DisposeAsync();
            }
            var up = await UpAsync(samples, job, completed.Keys.Max());
            Console.WriteLine($"ours, {instances} instance(s): ticks {string.Join(", ", measured.Select(t => t.ToString("0.00", CultureInfo.InvariantCulture)))} s; CPU per tick {string.Join(" / ", perInstance.Select(c => c.ToString("0.00", CultureInfo.InvariantCulture)))} s; {up}/{targets} up; warnings {string.Join(" / ", logs.Select(l => l.Warnings))}, PopReceiptMismatch {logs.Sum(l => l.PopReceiptMismatches)}");
            return $"| ours, {instances} instance(s) | {up} | {measured[measured.Length / 2]:0.00} s, {measured[^1]:0.00} s | {string.Join(" / ", perInstance.Select(c => c.ToString("0.00", CultureInfo.InvariantCulture) + " s"))} | {perInstance.Sum():0.00} s | {load0} → {HostProcess.LoadAverage()} |";
        }
        finally
        {
            foreach (var h in hosts)
            {
                await h.Process.DisposeAsync();
            }
        }
    }

    /// <summary>The stamps of the job's ticks whose every shard is listed (shard blobs are named <c>&lt;ms&gt;-s&lt;i&gt;of&lt;n&gt;-&lt;id&gt;.bin</c>).</summary>
    private static async Task<IReadOnlyList<long>> CompleteTicksAsync(BlobContainerClient samples, string job)
    {
        var shards = new Dictionary<long, (HashSet<int> Seen, int Count)>();
        if (!await samples.ExistsAsync())
        {
            return [];
        }
        await foreach (var blob in samples.GetBlobsAsync(BlobTraits.None, BlobStates.None, "ticks/", CancellationToken.None))
        {
            if (blob.Name.Split('/') is [_, _, var j, var file] && j == job)
            {
                var parts = file.Split('-');
                var ts = long.Parse(parts[0], CultureInfo.InvariantCulture);
                var (index, count) = parts.Length > 2 && parts[1].StartsWith('s') && parts[1].Contains("of", StringComparison.Ordinal)
                    ? (int.Parse(parts[1][1..parts[1].IndexOf("of", StringComparison.Ordinal)], CultureInfo.InvariantCulture), int.Parse(parts[1][(parts[1].IndexOf("of", StringComparison.Ordinal) + 2)..], CultureInfo.InvariantCulture))
                    : (0, 1);
                var entry = shards.TryGetValue(ts, out var e) ? e : shards[ts] = ([], count);
                entry.Seen.Add(index);
            }
        }
        return [.. shards.Where(kv => kv.Value.Seen.Count == kv.Value.Count).Select(kv => kv.Key)];
    }

    /// <summary>Targets with <c>up</c> 1 in the tick at <paramref name="ts"/>, decoded once the hosts are stopped.</summary>
    private static async Task<int> UpAsync(BlobContainerClient samples, string job, long ts)
    {
        var up = 0;
        await foreach (var blob in samples.GetBlobsAsync(BlobTraits.None, BlobStates.None, "ticks/", CancellationToken.None))
        {
            if (blob.Name.Split('/') is [_, _, var j, var file] && j == job && file.StartsWith(ts.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
            {
                var tick = ScrapeTickCodec.Decode((await samples.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToArray());
                up += tick.Targets.Count(t => t.Samples.Any(s => s.Labels.Name == "up" && s.Value == 1));
            }
        }
        return up;
    }
}
