using System.Buffers.Binary;
using Alerting.Core.Model;

namespace Alerting.Core.Tsdb.Index;

/// <summary>One series of a block's index: its labels and where its chunks are.</summary>
public sealed record IndexSeries(uint Id, Labels Labels, ChunkMeta[] Chunks);

/// <summary>
/// Reads a Prometheus v2 index through ranged reads. Opening it reads the TOC, the symbol table and the
/// postings offset table (all small: one entry per distinct string and label pair); postings lists and
/// series entries are read when a query needs them and kept, since a block never changes. Every section's
/// CRC-32C is checked; damage raises <see cref="TsdbFormatException"/> with the file offset.
/// </summary>
public sealed class IndexReader : IPostingsSource
{
    /// <summary>Series entries read in one request when their offsets are this close.</summary>
    private const int ReadGap = 64 * 1024;

    private readonly IRangeReader _file;
    private readonly string[] _symbols;
    private readonly Dictionary<string, (string[] Values, long[] Offsets, long[] Ends)> _table = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), uint[]> _postings = [];
    private readonly Dictionary<uint, IndexSeries> _series = [];
    private readonly long _seriesStart;
    private readonly long _seriesEnd;
    private readonly Lock _gate = new();

    public IndexReader(IRangeReader file)
    {
        _file = file;
        if (file.Length < 5 + IndexWriter.TocLength)
        {
            throw Error("index too short for its header and TOC", file.Length);
        }
        var header = file.Read(0, 5);
        if (header.Length < 5 || BinaryPrimitives.ReadUInt32BigEndian(header) != IndexWriter.Magic)
        {
            throw Error("not a Prometheus index (bad magic number)", 0);
        }
        if (header[4] != IndexWriter.FormatV2)
        {
            throw Error($"unsupported index version {header[4]}", 4);
        }
        var tocAt = file.Length - IndexWriter.TocLength;
        var toc = file.Read(tocAt, IndexWriter.TocLength);
        if (toc.Length < IndexWriter.TocLength || Crc32C.Compute(toc.AsSpan(0, 48)) != BinaryPrimitives.ReadUInt32BigEndian(toc.AsSpan(48)))
        {
            throw Error("TOC checksum mismatch", tocAt);
        }
        var symbolsAt = (long)BinaryPrimitives.ReadUInt64BigEndian(toc);
        _seriesStart = (long)BinaryPrimitives.ReadUInt64BigEndian(toc.AsSpan(8));
        _seriesEnd = (long)BinaryPrimitives.ReadUInt64BigEndian(toc.AsSpan(16));
        var labelTableAt = (long)BinaryPrimitives.ReadUInt64BigEndian(toc.AsSpan(24));
        var postingsTableAt = (long)BinaryPrimitives.ReadUInt64BigEndian(toc.AsSpan(40));
        if (symbolsAt <= 0 || postingsTableAt <= 0 || postingsTableAt >= tocAt || _seriesStart > _seriesEnd || labelTableAt > postingsTableAt)
        {
            throw Error("TOC points outside the file", tocAt);
        }

        var symbols = ReadSection(symbolsAt, "symbol table");
        var r = new ByteReader(symbols, symbolsAt + 4);
        var count = (int)r.BE32();
        _symbols = new string[count];
        for (var i = 0; i < count; i++)
        {
            _symbols[i] = r.UvarintString();
        }

        var table = ReadSection(postingsTableAt, "postings offset table");
        r = new ByteReader(table, postingsTableAt + 4);
        var entries = (int)r.BE32();
        var byName = new Dictionary<string, (List<string> Values, List<long> Offsets)>(StringComparer.Ordinal);
        var allOffsets = new List<long>(entries);
        for (var i = 0; i < entries; i++)
        {
            if (r.Uvarint() != 2)
            {
                throw Error("postings offset entry without 2 keys", r.FileOffset);
            }
            var name = r.UvarintString();
            var value = r.UvarintString();
            var offset = (long)r.Uvarint();
            if (!byName.TryGetValue(name, out var e))
            {
                e = ([], []);
                byName[name] = e;
            }
            e.Values.Add(value);
            e.Offsets.Add(offset);
            allOffsets.Add(offset);
        }
        // A postings list ends where the next one starts (lists are contiguous, in table order).
        allOffsets.Sort();
        allOffsets.Add(labelTableAt);
        foreach (var (name, (values, offsets)) in byName)
        {
            var ends = new long[offsets.Count];
            for (var i = 0; i < ends.Length; i++)
            {
                var k = allOffsets.BinarySearch(offsets[i]);
                ends[i] = allOffsets[k + 1];
            }
            _table[name] = ([.. values], [.. offsets], ends);
        }
    }

    public string Name => _file.Name;

    public int SymbolCount => _symbols.Length;

    public IReadOnlyList<string> LabelNames() =>
        _table.Keys.Where(k => k.Length > 0).Order(Utf8Order.Instance).ToArray();

    public IReadOnlyList<string> LabelValues(string name) =>
        _table.TryGetValue(name, out var e) ? e.Values : [];

    public uint[] AllPostings() => Postings(string.Empty, string.Empty);

    public uint[] Postings(string name, string value)
    {
        lock (_gate)
        {
            if (_postings.TryGetValue((name, value), out var cached))
            {
                return cached;
            }
        }
        if (!_table.TryGetValue(name, out var e))
        {
            return [];
        }
        var i = Array.BinarySearch(e.Values, value, Utf8Order.Instance);
        if (i < 0)
        {
            return [];
        }
        var at = e.Offsets[i];
        var bytes = _file.Read(at, (int)(e.Ends[i] - at));
        var section = CheckSection(bytes, at, $"postings of {name}=\"{value}\"");
        var r = new ByteReader(section, at + 4);
        var n = (int)r.BE32();
        var ids = new uint[n];
        for (var k = 0; k < n; k++)
        {
            ids[k] = r.BE32();
        }
        lock (_gate)
        {
            _postings[(name, value)] = ids;
        }
        return ids;
    }

    /// <summary>The series with these references (sorted), read in as few requests as their placement allows.</summary>
    public IReadOnlyList<IndexSeries> Series(uint[] ids)
    {
        var result = new IndexSeries[ids.Length];
        var missing = new List<int>();
        lock (_gate)
        {
            for (var i = 0; i < ids.Length; i++)
            {
                if (_series.TryGetValue(ids[i], out var s))
                {
                    result[i] = s;
                }
                else
                {
                    missing.Add(i);
                }
            }
        }
        var start = 0;
        while (start < missing.Count)
        {
            var end = start;
            while (end + 1 < missing.Count && (long)(ids[missing[end + 1]] - ids[missing[end]]) * 16 < ReadGap)
            {
                end++;
            }
            var from = (long)ids[missing[start]] * 16;
            var to = Math.Min(_seriesEnd, ((long)ids[missing[end]] * 16) + 1024);
            var bytes = _file.Read(from, (int)(to - from));
            for (var k = start; k <= end; k++)
            {
                var id = ids[missing[k]];
                var at = ((long)id * 16) - from;
                var s = ParseSeries(id, bytes, (int)at, from);
                result[missing[k]] = s;
            }
            start = end + 1;
        }
        lock (_gate)
        {
            foreach (var i in missing)
            {
                _series[ids[i]] = result[i];
            }
        }
        return result;
    }

    /// <summary>Bytes held by the caches of this reader (approximate).</summary>
    public long CachedBytes
    {
        get
        {
            lock (_gate)
            {
                return (_postings.Values.Sum(p => (long)p.Length) * 4) + (_series.Values.Sum(s => 64L + (s.Chunks.Length * 24) + (s.Labels.Count * 16)));
            }
        }
    }

    public void DropCaches()
    {
        lock (_gate)
        {
            _postings.Clear();
            _series.Clear();
        }
    }

    private IndexSeries ParseSeries(uint id, byte[] bytes, int at, long baseOffset)
    {
        if (at < 0 || at >= bytes.Length)
        {
            throw Error($"series {id} outside the series section", baseOffset + at);
        }
        var r = new ByteReader(bytes, baseOffset);
        r.Position = at;
        var length = r.UvarintInt();
        var bodyAt = r.Position;
        if (bodyAt + length + 4 > bytes.Length)
        {
            // The entry is longer than the window read for it: read it alone.
            var single = _file.Read(baseOffset + at, (bodyAt - at) + length + 4);
            return ParseSeries(id, single, 0, baseOffset + at);
        }
        var body = bytes.AsSpan(bodyAt, length);
        if (Crc32C.Compute(body) != BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(bodyAt + length)))
        {
            throw Error($"series {id} checksum mismatch", baseOffset + at);
        }
        var b = new ByteReader(body, baseOffset + bodyAt);
        var labelCount = b.UvarintInt();
        var labels = new Label[labelCount];
        for (var i = 0; i < labelCount; i++)
        {
            labels[i] = new Label(Symbol(b.Uvarint(), b.FileOffset), Symbol(b.Uvarint(), b.FileOffset));
        }
        var chunkCount = b.UvarintInt();
        var chunks = new ChunkMeta[chunkCount];
        long t0 = 0;
        long ref0 = 0;
        for (var i = 0; i < chunkCount; i++)
        {
            long minT;
            if (i == 0)
            {
                minT = b.Varint();
            }
            else
            {
                minT = t0 + (long)b.Uvarint();
            }
            var maxT = minT + (long)b.Uvarint();
            var reference = i == 0 ? (long)b.Uvarint() : ref0 + b.Varint();
            chunks[i] = new ChunkMeta((ulong)reference, minT, maxT);
            t0 = maxT;
            ref0 = reference;
        }
        return new IndexSeries(id, Labels.From(labels), chunks);
    }

    private string Symbol(ulong index, long offset) =>
        index < (ulong)_symbols.Length ? _symbols[index] : throw Error($"symbol reference {index} out of range", offset);

    private byte[] ReadSection(long at, string what)
    {
        var head = _file.Read(at, 4);
        if (head.Length < 4)
        {
            throw Error($"{what} truncated", at);
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(head);
        if (at + 8 + length > _file.Length)
        {
            throw Error($"{what} runs past the end of the file", at);
        }
        var bytes = _file.Read(at, (int)length + 8);
        return CheckSection(bytes, at, what).ToArray();
    }

    /// <summary>Checks a "len, body, CRC" section and returns the body.</summary>
    private ReadOnlySpan<byte> CheckSection(byte[] bytes, long at, string what)
    {
        if (bytes.Length < 8)
        {
            throw Error($"{what} truncated", at);
        }
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if (length < 0 || 4 + length + 4 > bytes.Length)
        {
            throw Error($"{what} truncated", at);
        }
        var body = bytes.AsSpan(4, length);
        if (Crc32C.Compute(body) != BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + length)))
        {
            throw Error($"{what} checksum mismatch", at);
        }
        return body;
    }

    private TsdbFormatException Error(string message, long offset) =>
        new($"{_file.Name}: {message} at offset {offset}", offset);
}
