using Alerting.Core.Model;

namespace Alerting.Core.Tsdb.Index;

/// <summary>Where a chunk lives and the time range of its samples (both ends inclusive).</summary>
public readonly record struct ChunkMeta(ulong Ref, long MinTime, long MaxTime);

/// <summary>
/// Writes a block's <c>index</c> in Prometheus' index format version 2 (tsdb/docs/format/index.md):
/// symbol table, 16-byte aligned series with their chunk references, label indices, postings per label
/// pair (plus the all-series list), the two offset tables and the TOC, each section CRC-32C'd. Prometheus
/// and promtool read the result, and so does <see cref="IndexReader"/>.
/// </summary>
public sealed class IndexWriter
{
    public const uint Magic = 0xBAAAD700;
    public const byte FormatV2 = 2;
    public const int TocLength = (6 * 8) + 4;

    private readonly ByteWriter _out = new(1 << 16);
    private readonly Dictionary<string, int> _symbolIndex;
    private readonly string[] _symbols;
    private readonly SortedDictionary<string, SortedDictionary<string, List<uint>>> _postings = new(Utf8Order.Instance);
    private readonly List<uint> _all = [];
    private readonly long _seriesStart;
    private Labels? _last;

    /// <summary>Starts an index whose series use only <paramref name="symbols"/> (names and values, any order).</summary>
    public IndexWriter(IEnumerable<string> symbols)
    {
        _symbols = symbols.Distinct(StringComparer.Ordinal).Order(Utf8Order.Instance).ToArray();
        _symbolIndex = new Dictionary<string, int>(_symbols.Length, StringComparer.Ordinal);
        for (var i = 0; i < _symbols.Length; i++)
        {
            _symbolIndex[_symbols[i]] = i;
        }
        _out.PutBE32(Magic);
        _out.PutByte(FormatV2);
        SymbolsOffset = _out.Length;
        var start = _out.Length;
        _out.PutBE32(0);
        _out.PutBE32((uint)_symbols.Length);
        foreach (var s in _symbols)
        {
            _out.PutUvarintString(s);
        }
        FinishSection(start);
        _seriesStart = _out.Length;
    }

    public long SymbolsOffset { get; }

    public int SeriesCount => _all.Count;

    /// <summary>Adds one series; series must come in label order (<see cref="Utf8Order"/>).</summary>
    public void AddSeries(Labels labels, IReadOnlyList<ChunkMeta> chunks)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(chunks);
        if (_last is not null && Utf8Order.Instance.Compare(labels, _last) <= 0)
        {
            throw new InvalidOperationException($"out-of-order series {labels}");
        }
        _last = labels;
        _out.PadTo(16);
        var id = (uint)(_out.Length / 16);
        var body = new ByteWriter(64 + (chunks.Count * 12));
        body.PutUvarint((ulong)labels.Count);
        foreach (var l in labels)
        {
            body.PutUvarint((ulong)Symbol(l.Name));
            body.PutUvarint((ulong)Symbol(l.Value));
            if (!_postings.TryGetValue(l.Name, out var values))
            {
                values = new SortedDictionary<string, List<uint>>(Utf8Order.Instance);
                _postings[l.Name] = values;
            }
            if (!values.TryGetValue(l.Value, out var list))
            {
                list = [];
                values[l.Value] = list;
            }
            list.Add(id);
        }
        body.PutUvarint((ulong)chunks.Count);
        if (chunks.Count > 0)
        {
            var c = chunks[0];
            body.PutVarint(c.MinTime);
            body.PutUvarint((ulong)(c.MaxTime - c.MinTime));
            body.PutUvarint(c.Ref);
            var t0 = c.MaxTime;
            var ref0 = (long)c.Ref;
            for (var i = 1; i < chunks.Count; i++)
            {
                c = chunks[i];
                body.PutUvarint((ulong)(c.MinTime - t0));
                body.PutUvarint((ulong)(c.MaxTime - c.MinTime));
                t0 = c.MaxTime;
                body.PutVarint((long)c.Ref - ref0);
                ref0 = (long)c.Ref;
            }
        }
        _out.PutUvarint((ulong)body.Length);
        _out.PutBytes(body.Written);
        _out.PutBE32(Crc32C.Compute(body.Written));
        _all.Add(id);
    }

    /// <summary>Writes label indices, postings, offset tables and TOC; returns the whole file.</summary>
    public byte[] Finish()
    {
        var labelIndices = (long)_out.Length;
        var labelIndexOffsets = new List<(string Name, long Offset)>();
        foreach (var (name, values) in _postings)
        {
            _out.PadTo(4);
            labelIndexOffsets.Add((name, _out.Length));
            var start = _out.Length;
            _out.PutBE32(0);
            _out.PutBE32(1);
            _out.PutBE32((uint)values.Count);
            foreach (var value in values.Keys)
            {
                _out.PutBE32((uint)Symbol(value));
            }
            FinishSection(start);
        }

        var postingsStart = (long)_out.Length;
        var postingOffsets = new List<(string Name, string Value, long Offset)>();
        WritePostings(string.Empty, string.Empty, _all, postingOffsets);
        foreach (var (name, values) in _postings)
        {
            foreach (var (value, ids) in values)
            {
                WritePostings(name, value, ids, postingOffsets);
            }
        }

        var labelTable = (long)_out.Length;
        var tableStart = _out.Length;
        _out.PutBE32(0);
        _out.PutBE32((uint)labelIndexOffsets.Count);
        foreach (var (name, offset) in labelIndexOffsets)
        {
            _out.PutUvarint(1);
            _out.PutUvarintString(name);
            _out.PutUvarint((ulong)offset);
        }
        FinishSection(tableStart);

        var postingsTable = (long)_out.Length;
        tableStart = _out.Length;
        _out.PutBE32(0);
        _out.PutBE32((uint)postingOffsets.Count);
        foreach (var (name, value, offset) in postingOffsets)
        {
            _out.PutUvarint(2);
            _out.PutUvarintString(name);
            _out.PutUvarintString(value);
            _out.PutUvarint((ulong)offset);
        }
        FinishSection(tableStart);

        var toc = _out.Length;
        _out.PutBE64((ulong)SymbolsOffset);
        _out.PutBE64((ulong)_seriesStart);
        _out.PutBE64((ulong)labelIndices);
        _out.PutBE64((ulong)labelTable);
        _out.PutBE64((ulong)postingsStart);
        _out.PutBE64((ulong)postingsTable);
        _out.PutBE32(Crc32C.Compute(_out.Written[toc..]));
        return _out.ToArray();
    }

    private void WritePostings(string name, string value, List<uint> ids, List<(string, string, long)> offsets)
    {
        _out.PadTo(4);
        offsets.Add((name, value, _out.Length));
        var start = _out.Length;
        _out.PutBE32(0);
        _out.PutBE32((uint)ids.Count);
        foreach (var id in ids)
        {
            _out.PutBE32(id);
        }
        FinishSection(start);
    }

    /// <summary>Fills in the 4-byte length at <paramref name="start"/> and appends the CRC of what follows it.</summary>
    private void FinishSection(int start)
    {
        var length = _out.Length - start - 4;
        _out.SetBE32(start, (uint)length);
        _out.PutBE32(Crc32C.Compute(_out.Written.Slice(start + 4, length)));
    }

    private int Symbol(string s) =>
        _symbolIndex.TryGetValue(s, out var i) ? i : throw new InvalidOperationException($"symbol \"{s}\" was not declared");
}
