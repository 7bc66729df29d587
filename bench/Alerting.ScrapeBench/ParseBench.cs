using System.Diagnostics;
using System.Globalization;
using System.Text;
using Alerting.Core.Exposition;

namespace Alerting.ScrapeBench;

/// <summary>
/// Parse throughput of our exposition parser over a large node-exporter-like body, next to the physical
/// reference of merely splitting the same bytes into lines: how far the parser is from the memory-bound floor.
/// </summary>
internal static class ParseBench
{
    public static void Run(string[] args)
    {
        var megabytes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7;
        var body = Generate(megabytes * 1024 * 1024);
        var lines = body.AsSpan().Count((byte)'\n');
        Console.WriteLine($"body: {body.Length / 1048576.0:0.0} MB, {lines:N0} lines, node-exporter-like; best of {runs} runs, {Environment.ProcessorCount} cores");

        // Warm-up: JIT (tiered up to the optimised code) and the interner, as a long-running scraper would be.
        for (var i = 0; i < 3; i++)
        {
            ExpositionParser.Parse(body, ExpositionFormat.PrometheusText);
            SplitLines(body);
        }

        var samples = 0;
        var parseBest = TimeSpan.MaxValue;
        var parseCpuBest = TimeSpan.MaxValue;
        long allocated = 0;
        for (var i = 0; i < runs; i++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var before = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            var result = ExpositionParser.Parse(body, ExpositionFormat.PrometheusText);
            var elapsed = sw.Elapsed;
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            samples = result.Samples.Count;
            parseBest = elapsed < parseBest ? elapsed : parseBest;
            parseCpuBest = cpuUsed < parseCpuBest ? cpuUsed : parseCpuBest;
        }

        var splitBest = TimeSpan.MaxValue;
        var splitLines = 0;
        for (var i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            splitLines = SplitLines(body);
            var elapsed = sw.Elapsed;
            splitBest = elapsed < splitBest ? elapsed : splitBest;
        }

        var mb = body.Length / 1048576.0;
        Console.WriteLine($"parser:     {parseBest.TotalMilliseconds,8:0.0} ms  {mb / parseBest.TotalSeconds,8:0.0} MB/s  {samples / parseBest.TotalSeconds / 1e6,6:0.00} M samples/s  ({samples:N0} samples, CPU {parseCpuBest.TotalMilliseconds:0} ms, {allocated / 1048576.0:0} MB allocated)");
        Console.WriteLine($"line split: {splitBest.TotalMilliseconds,8:0.0} ms  {mb / splitBest.TotalSeconds,8:0.0} MB/s  {splitLines / splitBest.TotalSeconds / 1e6,6:0.00} M lines/s");
        Console.WriteLine($"parser / line split: {parseBest / splitBest:0.0}x the time");
    }

    /// <summary>The floor: find every '\n' (vectorised IndexOf), touching each line once, no decoding.</summary>
    private static int SplitLines(ReadOnlySpan<byte> body)
    {
        var count = 0;
        while (!body.IsEmpty)
        {
            var nl = body.IndexOf((byte)'\n');
            if (nl < 0)
            {
                return count + 1;
            }
            count++;
            body = body[(nl + 1)..];
        }
        return count;
    }

    /// <summary>
    /// A node-exporter-shaped body grown to about <paramref name="targetBytes"/>: per-CPU counters, per-device
    /// network/disk counters, per-mount filesystem gauges (three labels), plus histograms with le buckets and
    /// Go runtime summaries. Every family once with many label sets, as one big exporter would write it.
    /// </summary>
    private static byte[] Generate(int targetBytes)
    {
        var sb = new StringBuilder(targetBytes + 1024);
        var rng = new Random(42);
        // Each unit of scale adds about 1 KB... measured by generating once, so grow until the size is reached.
        var scale = 1;
        while (true)
        {
            sb.Clear();
            Write(sb, rng, scale);
            if (sb.Length >= targetBytes)
            {
                return Encoding.UTF8.GetBytes(sb.ToString());
            }
            scale = Math.Max(scale + 1, (int)(scale * (double)targetBytes / Math.Max(1, sb.Length)) + 1);
        }
    }

    private static void Write(StringBuilder sb, Random rng, int scale)
    {
        var ci = CultureInfo.InvariantCulture;
        void Family(string name, string type, string help)
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        }
        string Value() => rng.Next(3) switch
        {
            0 => rng.Next(0, 100000).ToString(ci),
            1 => (rng.NextDouble() * 1e6).ToString("R", ci),
            _ => (rng.NextDouble() * 1e12).ToString("e6", ci),
        };

        Family("go_gc_duration_seconds", "summary", "A summary of the pause duration of garbage collection cycles.");
        foreach (var q in new[] { "0", "0.25", "0.5", "0.75", "1" })
        {
            sb.Append(ci, $"go_gc_duration_seconds{{quantile=\"{q}\"}} {rng.NextDouble() * 1e-3:R}\n");
        }
        sb.Append("go_gc_duration_seconds_sum 0.0123\ngo_gc_duration_seconds_count 42\n");

        string[] modes = ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"];
        Family("node_cpu_seconds_total", "counter", "Seconds the CPUs spent in each mode.");
        for (var cpu = 0; cpu < 4 * scale; cpu++)
        {
            foreach (var mode in modes)
            {
                sb.Append(ci, $"node_cpu_seconds_total{{cpu=\"{cpu}\",mode=\"{mode}\"}} {Value()}\n");
            }
        }
        foreach (var metric in new[] { "receive_bytes", "receive_packets", "receive_errs", "receive_drop", "transmit_bytes", "transmit_packets", "transmit_errs", "transmit_drop" })
        {
            Family($"node_network_{metric}_total", "counter", $"Network device statistic {metric}.");
            for (var dev = 0; dev < 2 * scale; dev++)
            {
                sb.Append(ci, $"node_network_{metric}_total{{device=\"veth{dev:x6}\"}} {Value()}\n");
            }
        }
        foreach (var metric in new[] { "avail_bytes", "free_bytes", "size_bytes", "files", "files_free", "readonly", "device_error" })
        {
            Family($"node_filesystem_{metric}", "gauge", $"Filesystem {metric.Replace('_', ' ')}.");
            for (var m = 0; m < 2 * scale; m++)
            {
                sb.Append(ci, $"node_filesystem_{metric}{{device=\"/dev/mapper/vg0-lv{m}\",fstype=\"{(m % 3 == 0 ? "xfs" : "ext4")}\",mountpoint=\"/var/lib/kubelet/pods/{m:x8}-volume\"}} {Value()}\n");
            }
        }
        foreach (var metric in new[] { "reads_completed", "writes_completed", "read_bytes", "written_bytes", "io_time_seconds" })
        {
            Family($"node_disk_{metric}_total", "counter", $"Disk {metric}.");
            for (var d = 0; d < scale; d++)
            {
                sb.Append(ci, $"node_disk_{metric}_total{{device=\"nvme{d}n1\"}} {Value()}\n");
            }
        }
        string[] les = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"];
        Family("http_request_duration_seconds", "histogram", "Request latency by handler and code.");
        for (var h = 0; h < scale; h++)
        {
            var labels = $"handler=\"/api/v1/h{h}\",method=\"GET\",code=\"{(h % 7 == 0 ? 500 : 200)}\"";
            var count = 0;
            foreach (var le in les)
            {
                count += rng.Next(0, 50);
                sb.Append(ci, $"http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {count}\n");
            }
            sb.Append(ci, $"http_request_duration_seconds_sum{{{labels}}} {rng.NextDouble() * count:R}\n");
            sb.Append(ci, $"http_request_duration_seconds_count{{{labels}}} {count}\n");
        }
    }
}
