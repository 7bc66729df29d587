using System.Text;
using Alerting.Core.Model;

namespace Alerting.Core.Storage;

/// <summary>A compact binary form of <see cref="ScrapeTick"/> (length-prefixed UTF-8, little-endian).</summary>
public static class ScrapeTickCodec
{
    private const int Magic = 0x31544641; // "AFT1"

    public static byte[] Encode(ScrapeTick tick)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(tick.Job);
            w.Write(tick.TimestampMs);
            w.Write(tick.Targets.Count);
            foreach (var t in tick.Targets)
            {
                w.Write(t.Instance);
                w.Write(t.Samples.Count);
                foreach (var s in t.Samples)
                {
                    w.Write(s.Labels.Count);
                    foreach (var l in s.Labels)
                    {
                        w.Write(l.Name);
                        w.Write(l.Value);
                    }
                    w.Write(s.Value);
                    w.Write(s.TimestampMs);
                }
            }
        }
        return ms.ToArray();
    }

    public static ScrapeTick Decode(ReadOnlySpan<byte> data) => Decode(new MemoryStream(data.ToArray()));

    public static ScrapeTick Decode(Stream stream)
    {
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (r.ReadInt32() != Magic)
        {
            throw new InvalidDataException("not a scrape tick");
        }
        var job = r.ReadString();
        var ts = r.ReadInt64();
        var targets = new TargetSamples[r.ReadInt32()];
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < targets.Length; i++)
        {
            var instance = r.ReadString();
            var samples = new CollectedSample[r.ReadInt32()];
            for (var j = 0; j < samples.Length; j++)
            {
                var labels = new Label[r.ReadInt32()];
                for (var k = 0; k < labels.Length; k++)
                {
                    var name = r.ReadString();
                    // Label names repeat across every series; intern them per tick.
                    if (!names.TryGetValue(name, out var interned))
                    {
                        names[name] = interned = name;
                    }
                    labels[k] = new Label(interned, r.ReadString());
                }
                samples[j] = new CollectedSample(Labels.From(labels), r.ReadDouble(), r.ReadInt64());
            }
            targets[i] = new TargetSamples(instance, samples);
        }
        return new ScrapeTick(job, ts, targets);
    }
}
