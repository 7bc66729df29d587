using System.Globalization;
using System.Text.Json;

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
        await using var loaded = await LoadedPrometheus.StartAsync(dir);
        var http = loaded.Http;
        var heap0 = loaded.HeapAfterOpen;
        var sent = loaded.SamplesSent;

        await loaded.WaitForRoundsAsync(3);
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
        Console.WriteLine($"memory: heap in use {heap / 1048576:0} MiB ({(heap - heap0) / Math.Max(1, sent):0.00} bytes per head sample over the heap after opening the blocks), RSS {rss / 1048576:0} MiB, peak RSS {loaded.PeakRss() / 1048576} MiB");
        Console.WriteLine($"firing: {firing}");
    }

    internal static async Task<double> MetricAsync(HttpClient http, string name) =>
        (await SeriesAsync(http, name)).Sum(s => s.Seconds);

    internal static async Task<List<(string Group, double Seconds)>> SeriesAsync(HttpClient http, string name)
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

    internal static async Task<double[]> IterationsAsync(HttpClient http) =>
        [.. (await SeriesAsync(http, "prometheus_rule_group_iterations_total")).Select(s => s.Seconds)];

    private static async Task<string> QueryAsync(HttpClient http, string query)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync($"api/v1/query?query={Uri.EscapeDataString(query)}"));
        return string.Join(", ", doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(r => $"{r.GetProperty("metric").GetProperty("alertname").GetString()} {r.GetProperty("value")[1].GetString()}"));
    }
}
