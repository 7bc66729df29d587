using Alerting.Core.Model;
using Alerting.Core.Tsdb.Chunks;
using Alerting.Core.Tsdb.Index;

namespace Alerting.Core.Tsdb;

/// <summary>A block ready to upload: its meta.json, index and chunk segments, in Prometheus' on-disk formats.</summary>
public sealed record WrittenBlock(BlockMeta Meta, byte[] Index, IReadOnlyList<byte[]> Segments)
{
    public long TotalBytes => Index.LongLength + Segments.Sum(s => s.LongLength);
}

/// <summary>Builds blocks from series sorted by labels (a head window, or merged blocks).</summary>
public static class BlockWriter
{
    public static WrittenBlock Write(
        IReadOnlyList<BlockSeries> series,
        long minTime,
        long maxTime,
        int level,
        IReadOnlyList<string>? sources = null,
        IReadOnlyList<BlockDesc>? parents = null,
        long segmentBytes = ChunkSegmentWriter.DefaultSegmentBytes)
    {
        ArgumentNullException.ThrowIfNull(series);
        var ulid = Ulid.New(minTime);
        var symbols = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in series)
        {
            foreach (var l in s.Labels)
            {
                symbols.Add(l.Name);
                symbols.Add(l.Value);
            }
        }
        var index = new IndexWriter(symbols);
        var chunks = new ChunkSegmentWriter(segmentBytes);
        long samples = 0, chunkCount = 0, seriesCount = 0;
        var metas = new List<ChunkMeta>();
        foreach (var s in series)
        {
            metas.Clear();
            foreach (var c in s.Chunks)
            {
                if (c.MinTime < minTime || c.MaxTime >= maxTime)
                {
                    throw new ArgumentException($"chunk [{c.MinTime}, {c.MaxTime}] of {s.Labels} outside the block [{minTime}, {maxTime})", nameof(series));
                }
                metas.Add(chunks.Add(c.Encoding, c.Data, c.MinTime, c.MaxTime));
                samples += XorChunk.SampleCount(c.Data);
            }
            if (metas.Count == 0)
            {
                continue;
            }
            index.AddSeries(s.Labels, metas);
            chunkCount += metas.Count;
            seriesCount++;
        }
        var meta = new BlockMeta
        {
            Ulid = ulid,
            MinTime = minTime,
            MaxTime = maxTime,
            Stats = new BlockStats { NumSamples = samples, NumSeries = seriesCount, NumChunks = chunkCount },
            Compaction = new BlockCompaction { Level = level, Sources = sources ?? [ulid], Parents = parents },
            Segments = Math.Max(1, chunks.SegmentCount),
        };
        var segments = chunks.SegmentCount == 0 ? EmptySegment() : chunks.ToArrays();
        return new WrittenBlock(meta, index.Finish(), segments);
    }

    /// <summary>An empty block still gets a segment file with a valid header, as Prometheus writes one.</summary>
    private static IReadOnlyList<byte[]> EmptySegment()
    {
        var w = new ByteWriter(ChunkSegmentWriter.HeaderLength);
        w.PutBE32(ChunkSegmentWriter.Magic);
        w.PutBytes([1, 0, 0, 0]);
        return [w.ToArray()];
    }
}

/// <summary>
/// Queries one immutable block: matchers go through the index's postings to series, series to the chunk
/// references overlapping the range, chunks are read in batches and decoded. What is read is cached by
/// the index and chunk readers (a block never changes), so a rule reading the same series every
/// evaluation reads storage once.
/// </summary>
public sealed class BlockReader
{
    private readonly IRangeReader _indexFile;
    private readonly ChunkSegmentReader _chunks;
    private readonly Lock _gate = new();
    private IndexReader? _index;

    public BlockReader(BlockMeta meta, IRangeReader index, IReadOnlyList<IRangeReader> segments)
    {
        Meta = meta;
        _indexFile = index;
        _chunks = new ChunkSegmentReader(segments);
    }

    public BlockMeta Meta { get; }

    public string Name => _indexFile.Name;

    /// <summary>When this reader was last used (for cache eviction by the owner).</summary>
    public long LastUsedTicks { get; private set; }

    public long CachedBytes => (_index?.CachedBytes ?? 0) + _chunks.CachedBytes;

    public void DropCaches()
    {
        _index?.DropCaches();
        _chunks.DropCaches();
    }

    public bool Overlaps(long minTime, long maxTime) => Meta.MinTime <= maxTime && minTime < Meta.MaxTime;

    public IndexReader Index
    {
        get
        {
            LastUsedTicks = Environment.TickCount64;
            lock (_gate)
            {
                return _index ??= new IndexReader(_indexFile);
            }
        }
    }

    public IReadOnlyList<Series> Select(IReadOnlyList<LabelMatcher> matchers, long minTime, long maxTime)
    {
        var index = Index;
        var series = index.Series(Postings.ForMatchers(index, matchers));
        var refs = new List<ulong>();
        foreach (var s in series)
        {
            foreach (var c in s.Chunks)
            {
                if (c.MaxTime >= minTime && c.MinTime <= maxTime)
                {
                    refs.Add(c.Ref);
                }
            }
        }
        var raw = _chunks.Read(refs);
        var result = new List<Series>(series.Count);
        var buffer = new List<Sample>();
        var k = 0;
        foreach (var s in series)
        {
            buffer.Clear();
            foreach (var c in s.Chunks)
            {
                if (c.MaxTime >= minTime && c.MinTime <= maxTime)
                {
                    var chunk = raw[k++];
                    if (chunk.Encoding != ChunkEncoding.Xor)
                    {
                        throw new TsdbFormatException($"{_indexFile.Name}: series {s.Labels} has a chunk with encoding {(byte)chunk.Encoding}, which this version cannot read", (long)(uint)c.Ref);
                    }
                    try
                    {
                        XorChunk.Decode(chunk.Data, minTime, maxTime, buffer);
                    }
                    catch (ChunkFormatException e)
                    {
                        throw new TsdbFormatException($"{_indexFile.Name}: chunk {c.Ref} of {s.Labels}: {e.Message}", (long)(uint)c.Ref + e.Offset);
                    }
                }
            }
            if (buffer.Count > 0)
            {
                result.Add(new Series(s.Labels, buffer.ToArray()));
            }
        }
        return result;
    }

    /// <summary>Every series with its chunks (for merging blocks).</summary>
    public IReadOnlyList<BlockSeries> ReadAll()
    {
        var index = Index;
        var series = index.Series(index.AllPostings());
        var refs = series.SelectMany(s => s.Chunks.Select(c => c.Ref)).ToArray();
        var raw = _chunks.Read(refs);
        var result = new List<BlockSeries>(series.Count);
        var k = 0;
        foreach (var s in series)
        {
            var chunks = new StoredChunk[s.Chunks.Length];
            for (var i = 0; i < chunks.Length; i++)
            {
                var c = raw[k++];
                chunks[i] = new StoredChunk(s.Chunks[i].MinTime, s.Chunks[i].MaxTime, c.Encoding, c.Data);
            }
            result.Add(new BlockSeries(s.Labels, chunks));
        }
        _chunks.DropCaches();
        index.DropCaches();
        return result;
    }

    public IReadOnlyList<Labels> SeriesLabels(IReadOnlyList<LabelMatcher> matchers)
    {
        var index = Index;
        var ids = matchers.Count == 0 ? index.AllPostings() : Postings.ForMatchers(index, matchers);
        return index.Series(ids).Select(s => s.Labels).ToArray();
    }
}
