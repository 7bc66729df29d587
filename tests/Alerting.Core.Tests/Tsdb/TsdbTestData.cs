using Alerting.Core.Model;
using Alerting.Core.Tests.Rules;
using Alerting.Core.Tsdb;
using Alerting.Core.Tsdb.Chunks;
using Alerting.Core.Tsdb.Wal;

namespace Alerting.Core.Tests.Tsdb;

/// <summary>A fact that runs the reference promtool; skipped, saying so, where it is not installed.</summary>
public sealed class PromtoolFactAttribute : FactAttribute
{
    public PromtoolFactAttribute()
    {
        if (!Promtool.Available)
        {
            Skip = "promtool not found (install Debian's prometheus package to check blocks against the reference)";
        }
    }
}

internal static class TsdbTestData
{
    public static Labels L(string name, params (string, string)[] more) =>
        Labels.From(more.Select(p => new Label(p.Item1, p.Item2)).Append(new Label(Labels.MetricName, name)));

    public static ScrapeTick Tick(string job, long ts, params (string Instance, (Labels Labels, double Value)[] Samples)[] targets) =>
        new(job, ts, targets.Select(t => new TargetSamples(t.Instance, t.Samples.Select(s => new CollectedSample(s.Labels, s.Value, ts)).ToArray())).ToArray());

    public static StoredChunk Chunk(params (long T, double V)[] samples)
    {
        var a = new XorAppender();
        foreach (var (t, v) in samples)
        {
            a.Append(t, v);
        }
        return new StoredChunk(a.MinTime, a.MaxTime, ChunkEncoding.Xor, a.ToArray());
    }

    /// <summary>Writes a block the way Prometheus lays it out on disk: &lt;dir&gt;/&lt;ulid&gt;/{meta.json,index,chunks/000001}.</summary>
    public static string WriteToDisk(WrittenBlock block, string dataDir)
    {
        var dir = Path.Combine(dataDir, block.Meta.Ulid);
        Directory.CreateDirectory(Path.Combine(dir, "chunks"));
        Directory.CreateDirectory(Path.Combine(dataDir, "wal"));
        File.WriteAllBytes(Path.Combine(dir, "index"), block.Index);
        for (var i = 0; i < block.Segments.Count; i++)
        {
            File.WriteAllBytes(Path.Combine(dir, "chunks", ChunkSegmentWriter.SegmentName(i)), block.Segments[i]);
        }
        File.WriteAllBytes(Path.Combine(dir, "meta.json"), block.Meta.ToJson());
        return dir;
    }

    public static BlockReader Open(WrittenBlock block) =>
        new(block.Meta, new ByteArrayRangeReader("index", block.Index), block.Segments.Select((s, i) => (IRangeReader)new ByteArrayRangeReader("chunks/" + ChunkSegmentWriter.SegmentName(i), s)).ToArray());
}
