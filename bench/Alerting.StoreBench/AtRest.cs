using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Alerting.Core.Model;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Compaction;
using Alerting.Core.Tsdb.Wal;

namespace Alerting.StoreBench;

/// <summary>
/// Bytes per sample at rest: the same data as our 2-hour blocks and as the blocks promtool's backfill
/// (<c>tsdb create-blocks-from openmetrics</c>) writes from an OpenMetrics export of it. Both count the
/// index and chunk files of every block; samples are each block's own numSamples.
/// </summary>
internal static class AtRest
{
    private const long Range = 7_200_000;

    public static void Run(string dir, int machines, int series, int hours, TimeSpan step)
    {
        var fleet = new SeedFleet(machines, series, step, TimeSpan.FromHours(hours));
        var stepMs = (long)step.TotalMilliseconds;
        var origin = CompactionPlanner.FloorTo(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - TimeSpan.FromHours(hours + 4).Ticks / TimeSpan.TicksPerMillisecond, Range);
        var work = Path.Combine(dir, "rest");
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }
        Directory.CreateDirectory(work);

        // Ours: the compactor's path, window by window.
        long ourBytes = 0, ourSamples = 0;
        var head = new Head(SeriesSelection.All, Range);
        var windowStart = origin;
        byte[]? previous = null;
        var ticks = new List<ScrapeTick>();
        for (var s = 0; s <= fleet.Steps; s++)
        {
            var tick = fleet.Tick(s, origin);
            if (tick.TimestampMs >= windowStart + Range)
            {
                (ourBytes, ourSamples) = Add(head, windowStart, ourBytes, ourSamples);
                windowStart += Range;
                head = new Head(SeriesSelection.All, Range);
                head.Append(previous!, contextOnly: true);
            }
            previous = ScrapeTickCodec.Encode(tick);
            head.Append(previous);
        }
        (ourBytes, ourSamples) = Add(head, windowStart, ourBytes, ourSamples);

        // Prometheus: OpenMetrics export (families contiguous, each series in time order), then promtool.
        var om = Path.Combine(work, "data.om");
        using (var w = new StreamWriter(om, false, new UTF8Encoding(false), 1 << 20))
        {
            var all = Enumerable.Range(0, fleet.Steps + 1).Select(s => fleet.Tick(s, origin)).ToArray();
            var bySeries = all.SelectMany(t => t.Targets).SelectMany(t => t.Samples).GroupBy(x => x.Labels).GroupBy(g => g.Key.Name!);
            foreach (var family in bySeries)
            {
                foreach (var s in family)
                {
                    var text = Series(s.Key);
                    foreach (var x in s)
                    {
                        w.Write(text);
                        w.Write(' ');
                        w.Write(x.Value.ToString("R", CultureInfo.InvariantCulture));
                        w.Write(' ');
                        w.Write((x.TimestampMs / 1000.0).ToString("0.000", CultureInfo.InvariantCulture));
                        w.Write('\n');
                    }
                }
            }
            w.Write("# EOF\n");
        }
        var outDir = Path.Combine(work, "promtool");
        var sw = Stopwatch.StartNew();
        var psi = new ProcessStartInfo("promtool", ["tsdb", "create-blocks-from", "openmetrics", om, outDir]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using (var p = Process.Start(psi)!)
        {
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException($"promtool failed: {err.Result}");
            }
        }
        long promBytes = 0, promSamples = 0;
        foreach (var block in Directory.GetDirectories(outDir).Where(d => File.Exists(Path.Combine(d, "meta.json"))))
        {
            promBytes += new FileInfo(Path.Combine(block, "index")).Length + Directory.GetFiles(Path.Combine(block, "chunks")).Sum(f => new FileInfo(f).Length);
            using var meta = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(block, "meta.json")));
            promSamples += meta.RootElement.GetProperty("stats").GetProperty("numSamples").GetInt64();
        }
        Console.WriteLine($"{machines} machines x {series} series x {hours} h at {step.TotalSeconds:0} s; promtool backfill took {sw.Elapsed.TotalSeconds:0} s");
        Console.WriteLine("| | samples | index + chunks | bytes/sample |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| ours (compactor's 2 h blocks) | {ourSamples:N0} | {ourBytes / 1048576.0:0.0} MiB | {ourBytes / (double)ourSamples:0.000} |");
        Console.WriteLine($"| promtool create-blocks-from openmetrics | {promSamples:N0} | {promBytes / 1048576.0:0.0} MiB | {promBytes / (double)promSamples:0.000} |");
        Console.WriteLine($"ratio ours / Prometheus: {ourBytes / (double)ourSamples / (promBytes / (double)promSamples):0.00}");
        File.Delete(om);
    }

    private static (long Bytes, long Samples) Add(Head head, long start, long bytes, long samples)
    {
        var block = BlockWriter.Write(head.Export(start, start + Range), start, start + Range, 1);
        return (bytes + block.Index.LongLength + block.Segments.Sum(s => s.LongLength), samples + block.Meta.Stats.NumSamples);
    }

    private static string Series(Labels labels)
    {
        var sb = new StringBuilder(labels.Name).Append('{');
        var first = true;
        foreach (var l in labels.Where(l => l.Name != Labels.MetricName))
        {
            if (!first)
            {
                sb.Append(',');
            }
            first = false;
            sb.Append(l.Name).Append("=\"").Append(Labels.Escape(l.Value)).Append('"');
        }
        return sb.Append('}').ToString();
    }
}
