using System.Diagnostics;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Chunks;
using Alerting.Core.Tsdb.Compaction;
using Alerting.Core.Tsdb.Wal;

namespace Alerting.StoreBench;

/// <summary>
/// Generates the fleet's history ending 30 minutes from now and lays it out as the store would hold it
/// at the first evaluation: 2-hour blocks before the compaction watermark (the evaluation start less
/// the 1 h delay, floored to 2 h), encoded ticks from one block range before the watermark on. Every
/// window also becomes a Prometheus block (same writer, Prometheus' directory layout), for Prometheus.
/// </summary>
internal static class Prepare
{
    private const long Range = 7_200_000;

    public static void Run(string dir, int machines, int series, int hours, TimeSpan step, int evalTicks)
    {
        var sw = Stopwatch.StartNew();
        var fleet = new SeedFleet(machines, series, step, TimeSpan.FromHours(hours));
        var stepMs = (long)step.TotalMilliseconds;
        var end = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1_800_000) / stepMs * stepMs;
        var origin = end - (fleet.Steps * stepMs);
        var evalStart = end - (evalTicks * stepMs);
        var watermark = CompactionPlanner.FloorTo(evalStart - 3_600_000, Range);
        foreach (var sub in new[] { Layout.BlocksDir(dir), Layout.TicksDir(dir), Path.Combine(dir, "later-blocks") })
        {
            if (Directory.Exists(sub))
            {
                Directory.Delete(sub, recursive: true);
            }
            Directory.CreateDirectory(sub);
        }
        Directory.CreateDirectory(Path.Combine(Layout.BlocksDir(dir), "wal"));
        Console.WriteLine($"{machines} machines x {fleet.SeriesCount / machines} series = {fleet.SeriesCount:N0} series, {hours} h at {step.TotalSeconds:0} s ({fleet.Steps + 1} ticks); watermark {DateTimeOffset.FromUnixTimeMilliseconds(watermark):u}, evaluation from {DateTimeOffset.FromUnixTimeMilliseconds(evalStart):u}");

        var ours = new List<string>();
        var all = new List<string>();
        long samples = 0, tickBytes = 0;
        byte[]? previous = null;
        var windowStart = CompactionPlanner.FloorTo(origin, Range);
        var head = new Head(SeriesSelection.All, Range);
        for (var s = 0; s <= fleet.Steps; s++)
        {
            var tick = fleet.Tick(s, origin);
            if (tick.TimestampMs >= windowStart + Range)
            {
                Flush(head, windowStart, watermark, dir, ours, all);
                windowStart += Range;
                head = new Head(SeriesSelection.All, Range);
                head.Append(previous!, contextOnly: true);
            }
            var bytes = ScrapeTickCodec.Encode(tick);
            head.Append(bytes);
            samples += tick.Targets.Sum(t => t.Samples.Count);
            if (tick.TimestampMs >= watermark - Range)
            {
                File.WriteAllBytes(Path.Combine(Layout.TicksDir(dir), $"{tick.TimestampMs:D13}.bin"), bytes);
                tickBytes += bytes.Length;
            }
            previous = bytes;
        }
        Flush(head, windowStart, watermark, dir, ours, all);

        new Layout(machines, series, stepMs, origin, end, watermark, evalStart, samples, ours, all).Save(dir);
        var blockBytes = Layout.DirBytes(Layout.BlocksDir(dir)) + Layout.DirBytes(Path.Combine(dir, "later-blocks"));
        Console.WriteLine($"{samples:N0} samples; {all.Count} blocks, {blockBytes / (double)samples:0.000} bytes/sample (index and chunks); tick log from {DateTimeOffset.FromUnixTimeMilliseconds(watermark - Range):u}: {tickBytes / 1048576.0:0.0} MiB, {tickBytes / (double)(samples * ((end - watermark + Range) / (double)(end - origin))):0.00} bytes/sample; {sw.Elapsed.TotalSeconds:0} s");
    }

    private static void Flush(Head head, long start, long watermark, string dir, List<string> ours, List<string> all)
    {
        var series = head.Export(start, start + Range);
        if (series.Count == 0)
        {
            return;
        }
        var block = BlockWriter.Write(series, start, start + Range, 1);
        // Blocks past the watermark are only for the at-rest figure: at the first evaluation they are still
        // ticks (ours) or head (Prometheus, fed by remote write).
        var inStore = start + Range <= watermark;
        var path = Path.Combine(inStore ? Layout.BlocksDir(dir) : Path.Combine(dir, "later-blocks"), block.Meta.Ulid);
        Directory.CreateDirectory(Path.Combine(path, "chunks"));
        File.WriteAllBytes(Path.Combine(path, "index"), block.Index);
        for (var i = 0; i < block.Segments.Count; i++)
        {
            File.WriteAllBytes(Path.Combine(path, "chunks", ChunkSegmentWriter.SegmentName(i)), block.Segments[i]);
        }
        File.WriteAllBytes(Path.Combine(path, "meta.json"), block.Meta.ToJson());
        all.Add(block.Meta.Ulid);
        if (inStore)
        {
            ours.Add(block.Meta.Ulid);
        }
    }
}
