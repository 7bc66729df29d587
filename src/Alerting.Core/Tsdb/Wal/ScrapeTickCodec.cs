using System.Buffers.Binary;
using System.IO.Compression;
using Alerting.Core.Exposition;
using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;

namespace Alerting.Core.Tsdb.Wal;

/// <summary>Receives a tick's content as it is decoded, without materialising a label set per sample.</summary>
public interface ITickVisitor
{
    /// <summary>The tick's job, timestamp, string table (label names and values are indices into it) and the part of the job it holds.</summary>
    void Begin(string job, long timestampMs, string[] symbols, FanOut.ScrapeShard shard);

    /// <summary>One target; its samples follow until the next target or the end.</summary>
    void Target(string instance, IReadOnlyList<MetricMetadata> metadata);

    /// <summary>One sample: name/value symbol index pairs in label order (sorted by name).</summary>
    void Sample(ReadOnlySpan<int> labelSymbols, double value, long timestampMs);

    /// <summary>One native histogram sample, labels as for <see cref="Sample"/>.</summary>
    void Histogram(ReadOnlySpan<int> labelSymbols, FloatHistogram histogram, long timestampMs);

    void End();
}

/// <summary>
/// The tick blob format. A 16-byte header (magic "AFT3", payload length, CRC-32C of the stored payload,
/// uncompressed length) and a Brotli-compressed payload: job, timestamp, a string table, the metric
/// metadata table, then per target its samples as symbol-index label pairs (the count shifted left by
/// one, the low bit marking a native histogram), raw value bits or the histogram exactly (counter-reset
/// hint, schema, zero threshold and count, count, sum, custom bounds, positive and negative spans with
/// their counts' raw bits), and a timestamp delta. "AFT2" blobs (floats only) are still read. One string table per tick makes a 100-series target cost about 14 bytes a sample
/// before compression instead of repeating every label. A damaged blob is reported with its offset.
/// </summary>
public static class ScrapeTickCodec
{
    private const uint Magic = 0x33544641; // "AFT3" little-endian
    private const uint MagicFloatsOnly = 0x32544641; // "AFT2": before native histograms
    private const uint MagicSharded = 0x34544641; // "AFT4": AFT3 with the shard after the timestamp
    private const int HeaderLength = 16;

    public static byte[] Encode(ScrapeTick tick)
    {
        ArgumentNullException.ThrowIfNull(tick);
        var symbols = new Dictionary<string, int>(StringComparer.Ordinal);
        var table = new List<string>();
        int Sym(string s)
        {
            if (!symbols.TryGetValue(s, out var i))
            {
                i = table.Count;
                symbols[s] = i;
                table.Add(s);
            }
            return i;
        }
        var metadata = new Dictionary<MetricMetadata, int>();
        var metaList = new List<MetricMetadata>();
        var body = new ByteWriter(1 << 16);
        body.PutUvarint((ulong)tick.Targets.Count);
        foreach (var t in tick.Targets)
        {
            body.PutUvarint((ulong)Sym(t.Instance));
            var meta = t.Metadata ?? [];
            body.PutUvarint((ulong)meta.Count);
            foreach (var m in meta)
            {
                if (!metadata.TryGetValue(m, out var mi))
                {
                    mi = metaList.Count;
                    metadata[m] = mi;
                    metaList.Add(m);
                }
                body.PutUvarint((ulong)mi);
            }
            body.PutUvarint((ulong)t.Samples.Count);
            foreach (var s in t.Samples)
            {
                body.PutUvarint(((ulong)s.Labels.Count << 1) | (s.Histogram is null ? 0UL : 1UL));
                foreach (var l in s.Labels)
                {
                    body.PutUvarint((ulong)Sym(l.Name));
                    body.PutUvarint((ulong)Sym(l.Value));
                }
                if (s.Histogram is { } h)
                {
                    PutHistogram(body, h);
                }
                else
                {
                    body.PutBE64(BitConverter.DoubleToUInt64Bits(s.Value));
                }
                body.PutVarint(s.TimestampMs - tick.TimestampMs);
            }
        }
        var metaIds = metaList.Select(m => (Sym(m.Family), m.Type, m.Help is null ? -1 : Sym(m.Help), m.Unit is null ? -1 : Sym(m.Unit))).ToArray();

        var head = new ByteWriter(4096);
        head.PutUvarintString(tick.Job);
        head.PutVarint(tick.TimestampMs);
        if (!tick.Shard.IsWhole)
        {
            head.PutUvarint((ulong)tick.Shard.Count);
            head.PutUvarint((ulong)tick.Shard.Index);
        }
        head.PutUvarint((ulong)table.Count);
        foreach (var s in table)
        {
            head.PutUvarintString(s);
        }
        head.PutUvarint((ulong)metaIds.Length);
        foreach (var (family, type, help, unit) in metaIds)
        {
            head.PutUvarint((ulong)family);
            head.PutByte((byte)type);
            head.PutUvarint((ulong)(help + 1));
            head.PutUvarint((ulong)(unit + 1));
        }

        var raw = new byte[head.Length + body.Length];
        head.Written.CopyTo(raw);
        body.Written.CopyTo(raw.AsSpan(head.Length));
        using var ms = new MemoryStream(raw.Length / 3);
        ms.Write(new byte[HeaderLength]);
        using (var brotli = new BrotliStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            brotli.Write(raw);
        }
        var blob = ms.ToArray();
        var payload = blob.AsSpan(HeaderLength);
        // A whole-job tick stays AFT3, byte for byte what readers before sharding wrote and read.
        BinaryPrimitives.WriteUInt32LittleEndian(blob, tick.Shard.IsWhole ? Magic : MagicSharded);
        BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(4), payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(8), Crc32C.Compute(payload));
        BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(12), raw.Length);
        return blob;
    }

    /// <summary>Decodes into objects (tests, tools, the scrape API's readers).</summary>
    public static ScrapeTick Decode(ReadOnlySpan<byte> data)
    {
        var builder = new Materializer();
        Read(data, builder);
        return builder.Tick!;
    }

    /// <summary>
    /// Streams a tick into <paramref name="visitor"/>. Throws <see cref="TsdbFormatException"/> for a
    /// truncated or damaged blob (offset into the blob) before calling the visitor at all.
    /// </summary>
    public static void Read(ReadOnlySpan<byte> data, ITickVisitor visitor)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        if (data.Length < HeaderLength)
        {
            throw new TsdbFormatException($"tick blob is {data.Length} bytes, shorter than its {HeaderLength}-byte header", data.Length);
        }
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (magic is not (Magic or MagicFloatsOnly or MagicSharded))
        {
            throw new TsdbFormatException("not a scrape tick (bad magic number)", 0);
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
        var rawLength = BinaryPrimitives.ReadInt32LittleEndian(data[12..]);
        if (length < 0 || HeaderLength + length > data.Length)
        {
            throw new TsdbFormatException($"tick blob truncated: payload of {length} bytes, {data.Length - HeaderLength} present", data.Length);
        }
        var payload = data.Slice(HeaderLength, length);
        if (Crc32C.Compute(payload) != crc)
        {
            throw new TsdbFormatException("tick payload checksum mismatch", HeaderLength);
        }
        if (rawLength < 0 || rawLength > 1 << 30)
        {
            throw new TsdbFormatException($"implausible tick size {rawLength}", 12);
        }
        var raw = new byte[rawLength];
        if (!BrotliDecoder.TryDecompress(payload, raw, out var written) || written != rawLength)
        {
            throw new TsdbFormatException("tick payload does not decompress to its recorded size", HeaderLength);
        }
        Parse(raw, visitor, magic != MagicFloatsOnly, magic == MagicSharded);
    }

    private static void PutHistogram(ByteWriter w, FloatHistogram h)
    {
        w.PutByte((byte)h.CounterResetHint);
        w.PutVarint(h.Schema);
        w.PutBE64(BitConverter.DoubleToUInt64Bits(h.ZeroThreshold));
        w.PutBE64(BitConverter.DoubleToUInt64Bits(h.ZeroCount));
        w.PutBE64(BitConverter.DoubleToUInt64Bits(h.Count));
        w.PutBE64(BitConverter.DoubleToUInt64Bits(h.Sum));
        var custom = h.CustomValues;
        w.PutUvarint(custom is null ? 0 : (ulong)custom.Length + 1);
        foreach (var c in custom ?? [])
        {
            w.PutBE64(BitConverter.DoubleToUInt64Bits(c));
        }
        PutBuckets(w, h.PositiveSpans());
        PutBuckets(w, h.NegativeSpans());
    }

    private static void PutBuckets(ByteWriter w, (HistogramSpan[] Spans, double[] Counts) buckets)
    {
        w.PutUvarint((ulong)buckets.Spans.Length);
        foreach (var span in buckets.Spans)
        {
            w.PutVarint(span.Offset);
            w.PutUvarint(span.Length);
        }
        foreach (var c in buckets.Counts)
        {
            w.PutBE64(BitConverter.DoubleToUInt64Bits(c));
        }
    }

    private static FloatHistogram ReadHistogram(ref ByteReader r, long at)
    {
        var hint = r.Byte();
        var schema = r.Varint();
        var zeroThreshold = BitConverter.UInt64BitsToDouble(r.BE64());
        var zeroCount = BitConverter.UInt64BitsToDouble(r.BE64());
        var count = BitConverter.UInt64BitsToDouble(r.BE64());
        var sum = BitConverter.UInt64BitsToDouble(r.BE64());
        var customLength = r.UvarintInt();
        double[]? custom = null;
        if (customLength > 0)
        {
            if ((long)(customLength - 1) * 8 > r.Remaining)
            {
                throw new TsdbFormatException("histogram custom bounds run past the end of the tick payload", at);
            }
            custom = new double[customLength - 1];
            for (var i = 0; i < custom.Length; i++)
            {
                custom[i] = BitConverter.UInt64BitsToDouble(r.BE64());
            }
        }
        if (hint > (byte)CounterResetHint.Gauge || schema is < int.MinValue or > int.MaxValue)
        {
            throw new TsdbFormatException("invalid native histogram in tick payload", at);
        }
        try
        {
            return new FloatHistogram
            {
                CounterResetHint = (CounterResetHint)hint,
                Schema = (int)schema,
                ZeroThreshold = zeroThreshold,
                ZeroCount = zeroCount,
                Count = count,
                Sum = sum,
                CustomValues = custom,
                Positive = ReadBuckets(ref r),
                Negative = ReadBuckets(ref r),
            };
        }
        catch (HistogramException e)
        {
            throw new TsdbFormatException($"invalid native histogram in tick payload: {e.Message}", at);
        }
    }

    private static HistogramBucket[] ReadBuckets(ref ByteReader r)
    {
        var at = r.FileOffset;
        var spanCount = r.UvarintInt();
        if (spanCount > r.Remaining)
        {
            throw new TsdbFormatException($"histogram claims {spanCount} spans in the {r.Remaining} bytes left of the tick payload", at);
        }
        var spans = new HistogramSpan[spanCount];
        long total = 0;
        for (var i = 0; i < spans.Length; i++)
        {
            var offset = r.Varint();
            var length = r.UvarintInt();
            spans[i] = new HistogramSpan((int)offset, (uint)length);
            total += length;
        }
        if (total * 8 > r.Remaining)
        {
            throw new TsdbFormatException($"histogram claims {total} buckets in the {r.Remaining} bytes left of the tick payload", at);
        }
        var counts = new double[total];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = BitConverter.UInt64BitsToDouble(r.BE64());
        }
        return FloatHistogram.FromSpans(spans, counts);
    }

    private static void Parse(byte[] raw, ITickVisitor visitor, bool histograms, bool sharded)
    {
        // Offsets in errors below are within the decompressed payload.
        var r = new ByteReader(raw);
        var job = r.UvarintString();
        var ts = r.Varint();
        var shard = FanOut.ScrapeShard.Whole;
        if (sharded)
        {
            var at = r.FileOffset;
            var count = r.UvarintInt();
            var index = r.UvarintInt();
            if (count < 1 || index >= count)
            {
                throw new TsdbFormatException($"shard {index} of {count} in tick payload", at);
            }
            shard = new FanOut.ScrapeShard(index, count);
        }
        var symbolCount = r.UvarintInt();
        var symbols = new string[symbolCount];
        for (var i = 0; i < symbolCount; i++)
        {
            symbols[i] = r.UvarintString();
        }
        string Sym(int i, long at) => (uint)i < (uint)symbols.Length ? symbols[i] : throw new TsdbFormatException($"symbol {i} out of range in tick payload", at);
        var metaCount = r.UvarintInt();
        var metadata = new MetricMetadata[metaCount];
        for (var i = 0; i < metaCount; i++)
        {
            var at = r.FileOffset;
            var family = Sym(r.UvarintInt(), at);
            var type = (MetricType)r.Byte();
            var help = r.UvarintInt() - 1;
            var unit = r.UvarintInt() - 1;
            metadata[i] = new MetricMetadata(family, type, help < 0 ? null : Sym(help, at), unit < 0 ? null : Sym(unit, at));
        }
        visitor.Begin(job, ts, symbols, shard);
        var targets = r.UvarintInt();
        var labelBuffer = new int[64];
        for (var t = 0; t < targets; t++)
        {
            var instance = Sym(r.UvarintInt(), r.FileOffset);
            var metaRefs = r.UvarintInt();
            var targetMeta = metaRefs == 0 ? [] : new MetricMetadata[metaRefs];
            for (var i = 0; i < metaRefs; i++)
            {
                var at = r.FileOffset;
                var m = r.UvarintInt();
                targetMeta[i] = m < metadata.Length ? metadata[m] : throw new TsdbFormatException($"metadata {m} out of range in tick payload", at);
            }
            visitor.Target(instance, targetMeta);
            var samples = r.UvarintInt();
            for (var s = 0; s < samples; s++)
            {
                var at = r.FileOffset;
                var n = r.UvarintInt();
                var isHistogram = histograms && (n & 1) == 1;
                n = histograms ? (n >> 1) * 2 : n * 2;
                if (n > labelBuffer.Length)
                {
                    labelBuffer = new int[Math.Max(n, labelBuffer.Length * 2)];
                }
                for (var k = 0; k < n; k++)
                {
                    var sym = r.UvarintInt();
                    if (sym >= symbols.Length)
                    {
                        throw new TsdbFormatException($"symbol {sym} out of range in tick payload", at);
                    }
                    labelBuffer[k] = sym;
                }
                if (isHistogram)
                {
                    var h = ReadHistogram(ref r, at);
                    visitor.Histogram(labelBuffer.AsSpan(0, n), h, ts + r.Varint());
                    continue;
                }
                var value = BitConverter.UInt64BitsToDouble(r.BE64());
                var sampleTs = ts + r.Varint();
                visitor.Sample(labelBuffer.AsSpan(0, n), value, sampleTs);
            }
        }
        visitor.End();
    }

    private sealed class Materializer : ITickVisitor
    {
        private string _job = string.Empty;
        private long _ts;
        private FanOut.ScrapeShard _shard;
        private string[] _symbols = [];
        private readonly List<TargetSamples> _targets = [];
        private List<CollectedSample>? _samples;
        private string? _instance;
        private IReadOnlyList<MetricMetadata> _meta = [];

        public ScrapeTick? Tick { get; private set; }

        public void Begin(string job, long timestampMs, string[] symbols, FanOut.ScrapeShard shard)
        {
            _job = job;
            _ts = timestampMs;
            _shard = shard;
            _symbols = symbols;
        }

        public void Target(string instance, IReadOnlyList<MetricMetadata> metadata)
        {
            Flush();
            _instance = instance;
            _meta = metadata;
            _samples = [];
        }

        public void Sample(ReadOnlySpan<int> labelSymbols, double value, long timestampMs)
        {
            var labels = new Label[labelSymbols.Length / 2];
            for (var i = 0; i < labels.Length; i++)
            {
                labels[i] = new Label(_symbols[labelSymbols[2 * i]], _symbols[labelSymbols[(2 * i) + 1]]);
            }
            _samples!.Add(new CollectedSample(Labels.From(labels), value, timestampMs));
        }

        public void Histogram(ReadOnlySpan<int> labelSymbols, FloatHistogram histogram, long timestampMs)
        {
            var labels = new Label[labelSymbols.Length / 2];
            for (var i = 0; i < labels.Length; i++)
            {
                labels[i] = new Label(_symbols[labelSymbols[2 * i]], _symbols[labelSymbols[(2 * i) + 1]]);
            }
            _samples!.Add(new CollectedSample(Labels.From(labels), 0, timestampMs) { Histogram = histogram });
        }

        public void End()
        {
            Flush();
            Tick = new ScrapeTick(_job, _ts, [.. _targets]) { Shard = _shard };
        }

        private void Flush()
        {
            if (_instance is not null)
            {
                _targets.Add(new TargetSamples(_instance, [.. _samples!], _meta.Count == 0 ? null : _meta));
            }
            _instance = null;
        }
    }
}
