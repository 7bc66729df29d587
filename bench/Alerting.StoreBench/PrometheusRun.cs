using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Alerting.Core.Tsdb.Wal;
using Alerting.LocalServices;

namespace Alerting.StoreBench;

/// <summary>
/// Prometheus 2.42 on the same data: the prepared blocks before the watermark in its data directory (it
/// loads them as they are: max block duration 2h, so it merges nothing), the tick log's samples from the
/// watermark on sent by remote write into its head (as if scraped), then the same seed rule files,
/// evaluated on its own 30 s / 1 m schedule at wall-clock time (the data ends 30 minutes after prepare).
/// Reports prometheus_rule_group_last_duration_seconds per group and its memory.
/// </summary>
internal static class PrometheusRun
{
    public static async Task RunAsync(string dir)
    {
        var layout = Layout.Load(dir);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (now > layout.EndMs)
        {
            throw new InvalidOperationException("the prepared data has ended; run prepare again (Prometheus evaluates at wall-clock time)");
        }
        var config = Path.Combine(dir, "prometheus.yml");
        await File.WriteAllTextAsync(config, "global:\n  evaluation_interval: 1m\nrule_files:\n" + string.Concat(Layout.RuleFiles.Select(f => $"  - {f}\n")));
        var port = ExternalProcess.FreePort();
        await using var prometheus = ExternalProcess.Start("prometheus", $"--config.file={config}", $"--storage.tsdb.path={Layout.BlocksDir(dir)}",
            $"--web.listen-address=127.0.0.1:{port}", "--web.enable-remote-write-receiver", "--storage.tsdb.retention.time=30d",
            "--storage.tsdb.max-block-duration=2h", "--log.level=warn");
        await prometheus.WaitForPortAsync(port, TimeSpan.FromMinutes(5));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(5) };
        while (!(await http.GetAsync("-/ready")).IsSuccessStatusCode)
        {
            await Task.Delay(500);
        }
        var heap0 = await MetricAsync(http, "go_memstats_heap_inuse_bytes");

        // The head window, tick by tick in time order, up to now (later samples would be in the future for it).
        var sw = Stopwatch.StartNew();
        long sent = 0;
        foreach (var file in Directory.GetFiles(Layout.TicksDir(dir)).Order(StringComparer.Ordinal))
        {
            var ts = long.Parse(Path.GetFileNameWithoutExtension(file), CultureInfo.InvariantCulture);
            if (ts < layout.CompactedThrough || ts > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())
            {
                continue;
            }
            var tick = ScrapeTickCodec.Decode(await File.ReadAllBytesAsync(file));
            await RemoteWrite.SendAsync(http, new Uri(http.BaseAddress!, "api/v1/write"), tick, 20_000);
            sent += tick.Targets.Sum(t => t.Samples.Count);
        }
        GC.Collect();
        var headSamples = await MetricAsync(http, "prometheus_tsdb_head_samples_appended_total");
        var headSeries = await MetricAsync(http, "prometheus_tsdb_head_series");
        Console.WriteLine($"remote-wrote {sent:N0} samples in {sw.Elapsed.TotalSeconds:0} s; head: {headSeries:N0} series, {headSamples:N0} samples appended");

        // Three evaluation rounds of every group after the data is in.
        var start = await IterationsAsync(http);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while ((await IterationsAsync(http)).Zip(start).Any(p => p.First - p.Second < 3) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(2000);
        }
        var durations = await SeriesAsync(http, "prometheus_rule_group_last_duration_seconds");
        foreach (var (group, seconds) in durations)
        {
            Console.WriteLine($"  {group}: {seconds:0.000} s");
        }
        var heap = await MetricAsync(http, "go_memstats_heap_inuse_bytes");
        var rss = await MetricAsync(http, "process_resident_memory_bytes");
        var firing = await QueryAsync(http, "count by (alertname) (ALERTS{alertstate=\"firing\"})");
        Console.WriteLine();
        Console.WriteLine($"rule evaluation per round (sum of the groups' last durations): {durations.Sum(d => d.Seconds):0.000} s");
        Console.WriteLine($"memory: heap in use {heap / 1048576:0} MiB ({(heap - heap0) / Math.Max(1, sent):0.00} bytes per head sample over the heap after opening the blocks), RSS {rss / 1048576:0} MiB");
        Console.WriteLine($"firing: {firing}");
    }

    private static async Task<double> MetricAsync(HttpClient http, string name) =>
        (await SeriesAsync(http, name)).Sum(s => s.Seconds);

    private static async Task<List<(string Group, double Seconds)>> SeriesAsync(HttpClient http, string name)
    {
        var text = await http.GetStringAsync("metrics");
        var result = new List<(string, double)>();
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && (line.Length == name.Length || line[name.Length] is ' ' or '{'))
            {
                var space = line.LastIndexOf(' ');
                var labels = line.Contains('{', StringComparison.Ordinal) ? line[(line.IndexOf('{', StringComparison.Ordinal) + 1)..line.LastIndexOf('}')] : "";
                result.Add((labels, double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture)));
            }
        }
        return result;
    }

    private static async Task<double[]> IterationsAsync(HttpClient http) =>
        [.. (await SeriesAsync(http, "prometheus_rule_group_iterations_total")).Select(s => s.Seconds)];

    private static async Task<string> QueryAsync(HttpClient http, string query)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync($"api/v1/query?query={Uri.EscapeDataString(query)}"));
        return string.Join(", ", doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(r => $"{r.GetProperty("metric").GetProperty("alertname").GetString()} {r.GetProperty("value")[1].GetString()}"));
    }
}
