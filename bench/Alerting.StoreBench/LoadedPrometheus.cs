using System.Diagnostics;
using System.Globalization;
using Alerting.Core.Tsdb.Wal;
using Alerting.LocalServices;

namespace Alerting.StoreBench;

/// <summary>
/// Debian's Prometheus 2.42 holding the prepared data: the blocks before the watermark in its data
/// directory (max block duration 2h, so it merges nothing), the tick log's samples from the watermark on
/// remote-written into its head (as if scraped) up to now, and the seed rule files at
/// <c>evaluation_interval: 1m</c>, evaluated on its own schedule at wall-clock time. Shared by the
/// <c>prometheus</c> mode (its own figures) and <c>remote-eval</c> (it is also our datasource).
/// </summary>
internal sealed class LoadedPrometheus : IAsyncDisposable
{
    private const int TicksPerBatch = 10;
    private const int SeriesPerRequest = 2_000;
    private const int ParallelRequests = 4;

    private readonly ExternalProcess _process;

    private LoadedPrometheus(ExternalProcess process, HttpClient http, int port, long sent, double heapAfterOpen)
    {
        _process = process;
        Http = http;
        Port = port;
        SamplesSent = sent;
        HeapAfterOpen = heapAfterOpen;
    }

    public HttpClient Http { get; }

    /// <summary>Prometheus' peak resident set so far (VmHWM of /proc/&lt;pid&gt;/status), in bytes; 0 where there is no /proc.</summary>
    public long PeakRss()
    {
        var status = $"/proc/{_process.Id}/status";
        var line = File.Exists(status) ? File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) : null;
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    public int Port { get; }

    public long SamplesSent { get; }

    /// <summary><c>go_memstats_heap_inuse_bytes</c> once the blocks are open, before the head window arrives.</summary>
    public double HeapAfterOpen { get; }

    public static async Task<LoadedPrometheus> StartAsync(string dir)
    {
        var layout = Layout.Load(dir);
        var shift = Shift(layout);
        var config = Path.Combine(dir, "prometheus.yml");
        await File.WriteAllTextAsync(config, "global:\n  evaluation_interval: 1m\nrule_files:\n" + string.Concat(Layout.RuleFiles.Select(f => $"  - {f}\n")));
        var port = ExternalProcess.FreePort();
        var prometheus = ExternalProcess.Start("prometheus", $"--config.file={config}", $"--storage.tsdb.path={Layout.BlocksDir(dir)}",
            $"--web.listen-address=127.0.0.1:{port}", "--web.enable-remote-write-receiver", "--storage.tsdb.retention.time=30d",
            "--storage.tsdb.max-block-duration=2h", "--log.level=warn");
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(5) };
        try
        {
            await prometheus.WaitForPortAsync(port, TimeSpan.FromMinutes(5));
            var readyBy = DateTime.UtcNow + TimeSpan.FromMinutes(5);
            while (!(await http.GetAsync("-/ready")).IsSuccessStatusCode)
            {
                if (DateTime.UtcNow > readyBy)
                {
                    throw new TimeoutException("Prometheus was not ready within 5 minutes");
                }
                await Task.Delay(500);
            }
            var heap0 = await PrometheusRun.MetricAsync(http, "go_memstats_heap_inuse_bytes");

            // The head window in time order, up to now (later samples would be in the future for it), ten
            // ticks at a time; each batch is in before the next starts, so every series' samples arrive in order.
            var sw = Stopwatch.StartNew();
            long sent = 0;
            var files = Directory.GetFiles(Layout.TicksDir(dir)).Order(StringComparer.Ordinal)
                .Select(f => (Ts: long.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture), Path: f))
                .Where(f => f.Ts >= layout.CompactedThrough && f.Ts + shift <= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())
                .ToArray();
            foreach (var batch in files.Chunk(TicksPerBatch))
            {
                var ticks = batch.Select(f => ScrapeTickCodec.Decode(File.ReadAllBytes(f.Path)));
                sent += await RemoteWrite.SendBatchAsync(http, new Uri(http.BaseAddress!, "api/v1/write"), ticks, shift, SeriesPerRequest, ParallelRequests);
            }
            GC.Collect();
            var headSamples = await PrometheusRun.MetricAsync(http, "prometheus_tsdb_head_samples_appended_total");
            var headSeries = await PrometheusRun.MetricAsync(http, "prometheus_tsdb_head_series");
            Console.WriteLine($"remote-wrote {sent:N0} samples in {sw.Elapsed.TotalSeconds:0} s; head: {headSeries:N0} series, {headSamples:N0} samples appended");
            return new LoadedPrometheus(prometheus, http, port, sent, heap0);
        }
        catch
        {
            http.Dispose();
            await prometheus.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// How far to move the prepared timestamps: none while the data has not ended, as prepare left it. Data
    /// with no blocks before the watermark (the 1-hour layouts: every sample is in the tick log) is moved to
    /// end 30 minutes from now again, as prepare would place it, so generating 10,000 machines' hour (longer
    /// than the 30 minutes) does not leave Prometheus no window to evaluate in; block files cannot be moved.
    /// </summary>
    private static long Shift(Layout layout)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (layout.OurBlocks.Count == 0)
        {
            var shift = ((now + 1_800_000) / layout.StepMs * layout.StepMs) - layout.EndMs;
            Console.WriteLine($"no blocks before the watermark: timestamps moved by {shift / 1000} s to end 30 minutes from now");
            return shift;
        }
        if (now > layout.EndMs)
        {
            throw new InvalidOperationException("the prepared data has ended; run prepare again (Prometheus evaluates at wall-clock time)");
        }
        return 0;
    }

    /// <summary>Waits until every group has been evaluated <paramref name="rounds"/> more times (at most 15 minutes: a 1,000,000-series round takes minutes).</summary>
    public async Task WaitForRoundsAsync(int rounds)
    {
        var start = await PrometheusRun.IterationsAsync(Http);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(15);
        while ((await PrometheusRun.IterationsAsync(Http)).Zip(start).Any(p => p.First - p.Second < rounds))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Prometheus did not evaluate every group {rounds} times within 15 minutes");
            }
            await Task.Delay(2000);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _process.DisposeAsync();
    }
}
