using System.Buffers.Binary;
using Alerting.Core.Tsdb.Index;

namespace Alerting.Core.Tsdb.Chunks;

/// <summary>One chunk as stored: its encoding and data.</summary>
public readonly record struct RawChunk(ChunkEncoding Encoding, byte[] Data);

/// <summary>
/// Writes a block's <c>chunks/000001</c>, <c>000002</c>... segment files in Prometheus' format
/// (tsdb/docs/format/chunks.md): a header (magic, version 1, padding), then per chunk its uvarint length,
/// encoding byte, data and the CRC-32C of encoding and data. A reference is the segment's index in the
/// upper 32 bits and the chunk's offset in the lower 32.
/// </summary>
public sealed class ChunkSegmentWriter(long maxSegmentBytes = ChunkSegmentWriter.DefaultSegmentBytes)
{
    public const uint Magic = 0x85BD40DD;
    public const int HeaderLength = 8;
    public const long DefaultSegmentBytes = 512L * 1024 * 1024;

    private readonly List<ByteWriter> _segments = [];

    public int SegmentCount => _segments.Count;

    public long TotalBytes => _segments.Sum(s => (long)s.Length);

    public ChunkMeta Add(ChunkEncoding encoding, ReadOnlySpan<byte> data, long minTime, long maxTime)
    {
        var size = 5 + 1 + data.Length + 4;
        if (_segments.Count == 0 || _segments[^1].Length + size > maxSegmentBytes)
        {
            var w = new ByteWriter(1 << 20);
            w.PutBE32(Magic);
            w.PutByte(1);
            w.PutBytes([0, 0, 0]);
            _segments.Add(w);
        }
        var segment = _segments[^1];
        var offset = (ulong)segment.Length;
        segment.PutUvarint((ulong)data.Length);
        var crcStart = segment.Length;
        segment.PutByte((byte)encoding);
        segment.PutBytes(data);
        segment.PutBE32(Crc32C.Compute(segment.Written[crcStart..]));
        return new ChunkMeta(((ulong)(_segments.Count - 1) << 32) | offset, minTime, maxTime);
    }

    public IReadOnlyList<byte[]> ToArrays() => _segments.Select(s => s.ToArray()).ToArray();

    /// <summary>Segment file names as Prometheus numbers them.</summary>
    public static string SegmentName(int index) => (index + 1).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Reads chunks from segment files by reference, batching neighbours into one ranged read and checking
/// each chunk's CRC. Chunks are immutable, so what is read is kept until <see cref="DropCaches"/>.
/// </summary>
public sealed class ChunkSegmentReader(IReadOnlyList<IRangeReader> segments)
{
    /// <summary>The largest an XOR chunk of 120 samples can be, plus its framing.</summary>
    private const int MaxChunkBytes = 2 + 10 + 8 + (119 * 20) + 16;
    private const int ReadGap = 64 * 1024;

    private readonly Dictionary<ulong, RawChunk> _cache = [];
    private readonly Lock _gate = new();
    private long _cachedBytes;

    public long CachedBytes => Interlocked.Read(ref _cachedBytes);

    public void DropCaches()
    {
        lock (_gate)
        {
            _cache.Clear();
            _cachedBytes = 0;
        }
    }

    /// <summary>The chunks for these references (any order).</summary>
    public RawChunk[] Read(IReadOnlyList<ulong> refs)
    {
        var result = new RawChunk[refs.Count];
        var missing = new List<int>();
        lock (_gate)
        {
            for (var i = 0; i < refs.Count; i++)
            {
                if (_cache.TryGetValue(refs[i], out var c))
                {
                    result[i] = c;
                }
                else
                {
                    missing.Add(i);
                }
            }
        }
        missing.Sort((a, b) => refs[a].CompareTo(refs[b]));
        var start = 0;
        while (start < missing.Count)
        {
            var segment = (int)(refs[missing[start]] >> 32);
            var end = start;
            while (end + 1 < missing.Count
                && (int)(refs[missing[end + 1]] >> 32) == segment
                && (long)(uint)refs[missing[end + 1]] - (uint)refs[missing[end]] < ReadGap)
            {
                end++;
            }
            if (segment >= segments.Count)
            {
                throw new TsdbFormatException($"chunk reference to segment {segment + 1} of {segments.Count}", (uint)refs[missing[start]]);
            }
            var file = segments[segment];
            long from = (uint)refs[missing[start]];
            var to = Math.Min(file.Length, (long)(uint)refs[missing[end]] + MaxChunkBytes);
            var bytes = file.Read(from, (int)(to - from));
            for (var k = start; k <= end; k++)
            {
                var at = (long)(uint)refs[missing[k]];
                var chunk = Parse(file, bytes, (int)(at - from), at);
                result[missing[k]] = chunk;
            }
            start = end + 1;
        }
        lock (_gate)
        {
            foreach (var i in missing)
            {
                if (_cache.TryAdd(refs[i], result[i]))
                {
                    _cachedBytes += result[i].Data.Length + 48;
                }
            }
        }
        return result;
    }

    private static RawChunk Parse(IRangeReader file, byte[] bytes, int at, long fileOffset)
    {
        var r = new ByteReader(bytes, fileOffset - at);
        r.Position = at;
        try
        {
            var length = r.UvarintInt();
            var encAt = r.Position;
            if (encAt + 1 + length + 4 > bytes.Length)
            {
                throw new TsdbFormatException($"{file.Name}: chunk at offset {fileOffset} runs past the end of the data read ({length} bytes)", fileOffset);
            }
            var crc = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(encAt + 1 + length));
            if (Crc32C.Compute(bytes.AsSpan(encAt, 1 + length)) != crc)
            {
                throw new TsdbFormatException($"{file.Name}: chunk at offset {fileOffset} checksum mismatch", fileOffset);
            }
            return new RawChunk((ChunkEncoding)bytes[encAt], bytes.AsSpan(encAt + 1, length).ToArray());
        }
        catch (TsdbFormatException e) when (!e.Message.StartsWith(file.Name, StringComparison.Ordinal))
        {
            throw new TsdbFormatException($"{file.Name}: {e.Message}", e.Offset);
        }
    }
}
