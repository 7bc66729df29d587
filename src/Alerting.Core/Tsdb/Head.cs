using System.Diagnostics.CodeAnalysis;
using Alerting.Core.Exposition;
using Alerting.Core.FanOut;
using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;
using Alerting.Core.Tsdb.Chunks;
using Alerting.Core.Tsdb.Index;
using Alerting.Core.Tsdb.Wal;

namespace Alerting.Core.Tsdb;

/// <summary>A compressed chunk with the time range of its samples (both inclusive).</summary>
public sealed record StoredChunk(long MinTime, long MaxTime, ChunkEncoding Encoding, byte[] Data);

/// <summary>A series and its chunks, in time order: what a block stores per series.</summary>
public sealed record BlockSeries(Labels Labels, IReadOnlyList<StoredChunk> Chunks);

/// <summary>
/// The in-memory part of the store, Prometheus' head block: the ticks not yet compacted, appended in
/// time order per job into XOR chunks per series (cut at 120 samples and at block-range boundaries, so
/// truncating after a compaction drops whole chunks). Staleness is derived as ticks arrive: a series a
/// target exposed in its previous tick and not in this one, or every series of a target that vanished
/// from its job, gets Prometheus' stale marker at this tick's time. Only series the
/// <see cref="SeriesSelection"/> keeps are stored; the rest cost one dictionary entry. Thread-safe.
/// </summary>
public sealed class Head : IPostingsSource, ISeriesSource
{
    private readonly long _chunkRange;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, int> _symbolIds = new(StringComparer.Ordinal);
    private readonly List<string> _symbols = [];
    private readonly Dictionary<int[], int> _byKey = new(new KeyComparer());
    private readonly Dictionary<int, NameDecision> _nameDecisions = [];
    private readonly List<HeadSeries?> _series = [];
    private readonly Dictionary<string, Dictionary<string, List<uint>>> _postings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JobState> _jobs = new(StringComparer.Ordinal);
    private readonly TickAppender _appender;
    private int _liveSeries;

    public Head(SeriesSelection selection, long chunkRangeMs)
    {
        Selection = selection;
        _chunkRange = chunkRangeMs;
        _appender = new TickAppender(this);
    }

    public SeriesSelection Selection { get; }

    /// <summary>Samples older than this have been truncated away (they live in blocks).</summary>
    public long MinTime { get; private set; } = long.MinValue;

    public long MaxTime { get; private set; } = long.MinValue;

    public int SeriesCount
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _liveSeries;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Samples dropped because their series already had a sample at or after their time.</summary>
    public long OutOfOrderSamples { get; private set; }

    public long SampleCount { get; private set; }

    /// <summary>The last tick time appended for a job, or null.</summary>
    public long? LastTimestamp(string job)
    {
        _lock.EnterReadLock();
        try
        {
            return _jobs.TryGetValue(job, out var j) && j.LastTimestamp != long.MinValue ? j.LastTimestamp : null;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Appends an encoded tick (see <see cref="ScrapeTickCodec"/>); a whole-job tick at or before the job's last one is ignored, a shard's target at or before its own last tick too.</summary>
    public void Append(ReadOnlySpan<byte> tickBlob, bool contextOnly = false)
    {
        _lock.EnterWriteLock();
        try
        {
            _appender.ContextOnly = contextOnly;
            ScrapeTickCodec.Read(tickBlob, _appender);
        }
        finally
        {
            _appender.Reset();
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Appends a decoded tick. With <paramref name="contextOnly"/> only the tick's series set is remembered,
    /// so the next tick's staleness markers are right (the tick itself is already in a block).
    /// </summary>
    public void Append(ScrapeTick tick, bool contextOnly = false)
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
        var encoded = tick.Targets.Select(t => t.Samples.Select(s => s.Labels.SelectMany(l => new[] { Sym(l.Name), Sym(l.Value) }).ToArray()).ToArray()).ToArray();
        _lock.EnterWriteLock();
        try
        {
            _appender.ContextOnly = contextOnly;
            _appender.Begin(tick.Job, tick.TimestampMs, [.. table], tick.Shard);
            for (var t = 0; t < tick.Targets.Count; t++)
            {
                _appender.Target(tick.Targets[t].Instance, tick.Targets[t].Metadata ?? []);
                for (var s = 0; s < encoded[t].Length; s++)
                {
                    var sample = tick.Targets[t].Samples[s];
                    if (sample.Histogram is { } h)
                    {
                        _appender.Histogram(encoded[t][s], h, sample.TimestampMs);
                    }
                    else
                    {
                        _appender.Sample(encoded[t][s], sample.Value, sample.TimestampMs);
                    }
                }
            }
            _appender.End();
        }
        finally
        {
            _appender.Reset();
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Drops chunks that end before <paramref name="minTime"/> and series left without data.</summary>
    public void Truncate(long minTime)
    {
        _lock.EnterWriteLock();
        try
        {
            if (minTime <= MinTime)
            {
                return;
            }
            MinTime = minTime;
            // A remote-write tick's job is its own; once the tick can no longer be listed again (a block
            // range below the watermark) its job is forgotten, or they would pile up.
            foreach (var (name, job) in _jobs.ToArray())
            {
                if (ScrapeTick.IsRemoteWrite(name) && job.LastTimestamp < minTime - _chunkRange)
                {
                    _jobs.Remove(name);
                }
            }
            var referenced = new HashSet<uint>();
            foreach (var job in _jobs.Values)
            {
                foreach (var ids in job.Targets.Values)
                {
                    referenced.UnionWith(ids);
                }
            }
            var removed = false;
            for (var i = 0; i < _series.Count; i++)
            {
                var s = _series[i];
                if (s is null)
                {
                    continue;
                }
                SampleCount -= s.Truncate(minTime);
                if (!s.HasData && !referenced.Contains(s.Id))
                {
                    _series[i] = null;
                    _byKey.Remove(s.Key);
                    _liveSeries--;
                    removed = true;
                }
            }
            // Series the selection skipped are forgotten too: targets come and go, and their keys would pile up.
            foreach (var (key, slot) in _byKey.ToArray())
            {
                if (slot < 0)
                {
                    _byKey.Remove(key);
                }
            }
            if (removed)
            {
                _postings.Clear();
                foreach (var s in _series)
                {
                    if (s is not null)
                    {
                        AddPostings(s);
                    }
                }
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public IEnumerable<Series> Select(IReadOnlyList<LabelMatcher> matchers, long minTimeMs, long maxTimeMs)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        var result = new List<Series>();
        var buffer = new List<Sample>();
        var histograms = new List<HistogramSample>();
        _lock.EnterReadLock();
        try
        {
            if (maxTimeMs < MinTime || _liveSeries == 0)
            {
                return result;
            }
            foreach (var id in Index.Postings.ForMatchers(this, matchers))
            {
                var s = _series[(int)id]!;
                buffer.Clear();
                histograms.Clear();
                s.Read(Math.Max(minTimeMs, MinTime), maxTimeMs, buffer, histograms);
                if (buffer.Count > 0 || histograms.Count > 0)
                {
                    result.Add(new Series(s.Labels, buffer.ToArray(), histograms.ToArray()));
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }
        return result;
    }

    /// <summary>Label sets of the series matching <paramref name="matchers"/> that have samples in the range.</summary>
    public IReadOnlyList<Labels> SeriesLabels(IReadOnlyList<LabelMatcher> matchers, long minTimeMs, long maxTimeMs)
    {
        _lock.EnterReadLock();
        try
        {
            var ids = matchers.Count == 0 ? AllPostings() : Index.Postings.ForMatchers(this, matchers);
            return ids.Select(id => _series[(int)id]!).Where(s => s.Overlaps(Math.Max(minTimeMs, MinTime), maxTimeMs)).Select(s => s.Labels).ToArray();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The chunks of every series within [minTime, maxTime), in label order, for writing a block.</summary>
    public IReadOnlyList<BlockSeries> Export(long minTime, long maxTime)
    {
        _lock.EnterReadLock();
        try
        {
            var list = new List<BlockSeries>(_liveSeries);
            foreach (var s in _series)
            {
                if (s is null)
                {
                    continue;
                }
                var chunks = s.Chunks().Where(c => c.MinTime >= minTime && c.MaxTime < maxTime).ToArray();
                if (chunks.Length > 0)
                {
                    list.Add(new BlockSeries(s.Labels, chunks));
                }
            }
            list.Sort((a, b) => Utf8Order.Instance.Compare(a.Labels, b.Labels));
            return list;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Bytes of chunk data held (what bytes-per-sample figures divide).</summary>
    public long ChunkBytes()
    {
        _lock.EnterReadLock();
        try
        {
            return _series.Sum(s => s?.ChunkBytes ?? 0);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The HELP/TYPE/UNIT last scraped for each metric family, across jobs (distinct entries).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<MetricMetadata>> Metadata()
    {
        _lock.EnterReadLock();
        try
        {
            var result = new Dictionary<string, List<MetricMetadata>>(StringComparer.Ordinal);
            foreach (var job in _jobs.Values)
            {
                foreach (var (family, entries) in job.Metadata)
                {
                    if (!result.TryGetValue(family, out var list))
                    {
                        list = [];
                        result[family] = list;
                    }
                    foreach (var e in entries)
                    {
                        if (!list.Contains(e))
                        {
                            list.Add(e);
                        }
                    }
                }
            }
            return result.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<MetricMetadata>)kv.Value, StringComparer.Ordinal);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    IReadOnlyList<string> IPostingsSource.LabelValues(string name) => LabelValuesUnlocked(name);

    public IReadOnlyList<string> LabelNames()
    {
        _lock.EnterReadLock();
        try
        {
            return _postings.Keys.Order(Utf8Order.Instance).ToArray();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public IReadOnlyList<string> LabelValues(string name)
    {
        _lock.EnterReadLock();
        try
        {
            return LabelValuesUnlocked(name);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private IReadOnlyList<string> LabelValuesUnlocked(string name) =>
        _postings.TryGetValue(name, out var values) ? values.Keys.Order(Utf8Order.Instance).ToArray() : [];

    uint[] IPostingsSource.Postings(string name, string value) =>
        _postings.TryGetValue(name, out var values) && values.TryGetValue(value, out var ids) ? [.. ids] : [];

    public uint[] AllPostings()
    {
        var ids = new List<uint>(_liveSeries);
        foreach (var s in _series)
        {
            if (s is not null)
            {
                ids.Add(s.Id);
            }
        }
        return [.. ids];
    }

    private void AddPostings(HeadSeries s)
    {
        foreach (var l in s.Labels)
        {
            if (!_postings.TryGetValue(l.Name, out var values))
            {
                values = new Dictionary<string, List<uint>>(StringComparer.Ordinal);
                _postings[l.Name] = values;
            }
            if (!values.TryGetValue(l.Value, out var ids))
            {
                ids = [];
                values[l.Value] = ids;
            }
            ids.Add(s.Id);
        }
    }

    private int HeadSymbol(string s)
    {
        if (!_symbolIds.TryGetValue(s, out var id))
        {
            id = _symbols.Count;
            _symbols.Add(s);
            _symbolIds[s] = id;
        }
        return id;
    }

    /// <summary>The series for a key of head symbol ids, created if the selection keeps it; null when it does not.</summary>
    private HeadSeries? Resolve(ReadOnlySpan<int> key)
    {
        var lookup = _byKey.GetAlternateLookup<ReadOnlySpan<int>>();
        if (lookup.TryGetValue(key, out var slot))
        {
            return slot < 0 ? null : _series[slot];
        }
        var nameSymbol = -1;
        for (var i = 0; i < key.Length; i += 2)
        {
            if (_symbols[key[i]] == Labels.MetricName)
            {
                nameSymbol = key[i + 1];
                break;
            }
        }
        if (!_nameDecisions.TryGetValue(nameSymbol, out var decision))
        {
            decision = Selection.ForName(nameSymbol < 0 ? string.Empty : _symbols[nameSymbol]);
            _nameDecisions[nameSymbol] = decision;
        }
        var stored = key.ToArray();
        if (decision == NameDecision.Drop)
        {
            _byKey[stored] = -1;
            return null;
        }
        var labels = new Label[key.Length / 2];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = new Label(_symbols[key[2 * i]], _symbols[key[(2 * i) + 1]]);
        }
        var set = Labels.From(labels);
        if (decision == NameDecision.Check && !Selection.Selects(set))
        {
            _byKey[stored] = -1;
            return null;
        }
        var series = new HeadSeries((uint)_series.Count, stored, set);
        _series.Add(series);
        _byKey[stored] = (int)series.Id;
        _liveSeries++;
        AddPostings(series);
        return series;
    }

    private sealed class JobState
    {
        public long LastTimestamp = long.MinValue;

        public Dictionary<string, uint[]> Targets { get; } = new(StringComparer.Ordinal);

        /// <summary>Each target's last tick time: shards of one tick arrive separately and in any order.</summary>
        public Dictionary<string, long> TargetTimes { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, MetricMetadata[]> Metadata { get; set; } = new(StringComparer.Ordinal);
    }

    /// <summary>Receives decoded ticks under the head's write lock.</summary>
    private sealed class TickAppender(Head head) : ITickVisitor
    {
        private JobState? _job;
        private long _ts;
        private bool _skip;
        private ScrapeShard _shard;

        /// <summary>This target already has a tick at or after this one (a late shard): its samples are not appended.</summary>
        private bool _skipTarget;

        /// <summary>A remote-write tick: its senders mark staleness themselves, so no target bookkeeping.</summary>
        private bool _written;
        private int[] _map = [];
        private int[] _key = new int[64];
        private string? _instance;
        private readonly List<uint> _current = [];
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        private string[] _tickSymbols = [];
        private Dictionary<string, HashSet<MetricMetadata>> _metadata = new(StringComparer.Ordinal);

        public bool ContextOnly { get; set; }

        public void Reset()
        {
            _job = null;
            _instance = null;
            _skipTarget = false;
            _current.Clear();
            _seen.Clear();
            _metadata = new(StringComparer.Ordinal);
        }

        public void Begin(string job, long timestampMs, string[] symbols, ScrapeShard shard)
        {
            if (!head._jobs.TryGetValue(job, out var state))
            {
                state = new JobState();
                head._jobs[job] = state;
            }
            _job = state;
            _ts = timestampMs;
            _shard = shard;
            // A whole-job tick at or before the job's last is a replay; a shard's tick is judged per target.
            _skip = shard.IsWhole && timestampMs <= state.LastTimestamp;
            _written = ScrapeTick.IsRemoteWrite(job);
            _tickSymbols = symbols;
            if (_map.Length < symbols.Length)
            {
                _map = new int[symbols.Length];
            }
            Array.Fill(_map, -1, 0, symbols.Length);
        }

        public void Target(string instance, IReadOnlyList<MetricMetadata> metadata)
        {
            FinishTarget();
            if (_skip)
            {
                return;
            }
            _instance = instance;
            _seen.Add(instance);
            _skipTarget = _job!.TargetTimes.TryGetValue(instance, out var last) && last >= _ts;
            foreach (var m in metadata)
            {
                if (!_metadata.TryGetValue(m.Family, out var set))
                {
                    set = [];
                    _metadata[m.Family] = set;
                }
                set.Add(m);
            }
        }

        public void Sample(ReadOnlySpan<int> labelSymbols, double value, long timestampMs)
        {
            if (Series(labelSymbols) is { } series && !ContextOnly)
            {
                head.AppendSample(series, timestampMs, value);
            }
        }

        public void Histogram(ReadOnlySpan<int> labelSymbols, FloatHistogram histogram, long timestampMs)
        {
            if (Series(labelSymbols) is { } series && !ContextOnly)
            {
                head.AppendHistogram(series, timestampMs, histogram);
            }
        }

        /// <summary>The head series of a tick sample, remembered as part of this target's tick; null when skipped.</summary>
        private HeadSeries? Series(ReadOnlySpan<int> labelSymbols)
        {
            if (_skip || _skipTarget)
            {
                return null;
            }
            if (_key.Length < labelSymbols.Length)
            {
                _key = new int[labelSymbols.Length * 2];
            }
            var key = _key.AsSpan(0, labelSymbols.Length);
            for (var i = 0; i < labelSymbols.Length; i++)
            {
                var tickSymbol = labelSymbols[i];
                var mapped = _map[tickSymbol];
                if (mapped < 0)
                {
                    mapped = head.HeadSymbol(_tickSymbols[tickSymbol]);
                    _map[tickSymbol] = mapped;
                }
                key[i] = mapped;
            }
            var series = head.Resolve(key);
            if (series is not null)
            {
                _current.Add(series.Id);
            }
            return series;
        }

        public void End()
        {
            FinishTarget();
            if (_skip || _job is null)
            {
                return;
            }
            // A target absent from this tick left the job, if it was this tick's to report (its shard) and
            // no later tick has seen it (it may have been written by a newer tick's shard already).
            foreach (var gone in _job.Targets.Keys.Where(k => !_seen.Contains(k) && _shard.Contains(k) && _job.TargetTimes.GetValueOrDefault(k, long.MinValue) < _ts).ToArray())
            {
                MarkStale(_job.Targets[gone], []);
                _job.Targets.Remove(gone);
                _job.TargetTimes.Remove(gone);
            }
            _job.LastTimestamp = Math.Max(_job.LastTimestamp, _ts);
            var metadata = _metadata.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
            if (_shard.IsWhole)
            {
                _job.Metadata = metadata;
            }
            else
            {
                // A shard describes its own targets' families; the job's metadata is the union of its shards'.
                foreach (var (family, entries) in metadata)
                {
                    _job.Metadata[family] = entries;
                }
            }
            if (!ContextOnly && _ts > head.MaxTime)
            {
                head.MaxTime = _ts;
            }
        }

        private void FinishTarget()
        {
            if (_instance is null || _job is null)
            {
                return;
            }
            if (_written || _skipTarget)
            {
                _current.Clear();
                _instance = null;
                _skipTarget = false;
                return;
            }
            _current.Sort();
            var ids = _current.Distinct().ToArray();
            if (_job.Targets.TryGetValue(_instance, out var before))
            {
                MarkStale(before, ids);
            }
            _job.Targets[_instance] = ids;
            _job.TargetTimes[_instance] = _ts;
            _current.Clear();
            _instance = null;
        }

        /// <summary>Appends stale markers at this tick's time to series in <paramref name="before"/> but not in <paramref name="now"/> (both sorted).</summary>
        private void MarkStale(uint[] before, uint[] now)
        {
            if (ContextOnly)
            {
                return;
            }
            var j = 0;
            foreach (var id in before)
            {
                while (j < now.Length && now[j] < id)
                {
                    j++;
                }
                if (j < now.Length && now[j] == id)
                {
                    continue;
                }
                if (head._series[(int)id] is { } s)
                {
                    head.AppendSample(s, _ts, Model.Sample.StaleNaN);
                }
            }
        }
    }

    private void AppendSample(HeadSeries s, long t, double v)
    {
        if (t < MinTime || !s.Append(t, v, _chunkRange))
        {
            OutOfOrderSamples++;
            return;
        }
        SampleCount++;
    }

    private void AppendHistogram(HeadSeries s, long t, FloatHistogram h)
    {
        if (t < MinTime || !s.AppendHistogram(t, h, _chunkRange))
        {
            OutOfOrderSamples++;
            return;
        }
        SampleCount++;
    }

    /// <summary>
    /// A series' chunks: XOR chunks for floats, histogram chunks for native histograms (Prometheus cuts a new
    /// chunk whenever the kind changes). A stale marker goes where the series' last sample went, so a
    /// histogram series' staleness is a stale histogram sample, as in Prometheus' head.
    /// </summary>
    private sealed class HeadSeries(uint id, int[] key, Labels labels)
    {
        private readonly List<StoredChunk> _closed = [];
        private XorAppender? _open;
        private HistogramAppender? _openHistogram;
        private long _openEnd;
        private bool _lastWasHistogram;
        private FloatHistogram? _lastHistogram;
        private ChunkEncoding _lastHistogramEncoding = ChunkEncoding.Histogram;

        public uint Id { get; } = id;

        public int[] Key { get; } = key;

        public Labels Labels { get; } = labels;

        public long MaxTime { get; private set; } = long.MinValue;

        public bool HasData => _closed.Count > 0 || _open is not null || _openHistogram is not null;

        public long ChunkBytes => _closed.Sum(c => (long)c.Data.Length) + (_open?.ByteLength ?? 0) + (_openHistogram?.ByteLength ?? 0);

        public bool Append(long t, double v, long chunkRange)
        {
            if (t <= MaxTime)
            {
                return false;
            }
            if (_lastWasHistogram && Sample.IsStaleMarker(v))
            {
                return AppendHistogram(t, new FloatHistogram { Sum = v }, chunkRange);
            }
            if (_open is null || _open.Count >= XorAppender.MaxSamples || t >= _openEnd)
            {
                Close();
                _open = new XorAppender();
                _openEnd = ChunkEnd(t, chunkRange);
            }
            _open.Append(t, v);
            MaxTime = t;
            _lastWasHistogram = false;
            _lastHistogram = null;
            return true;
        }

        public bool AppendHistogram(long t, FloatHistogram h, long chunkRange)
        {
            if (t <= MaxTime)
            {
                return false;
            }
            if (_openHistogram is null || t >= _openEnd || !_openHistogram.CanAppend(h))
            {
                Close();
                var encoding = h.IsStale ? _lastHistogramEncoding : HistogramAppender.EncodingFor(h);
                _openHistogram = new HistogramAppender(encoding, HistogramAppender.HeaderFor(h, _lastHistogram));
                _openEnd = ChunkEnd(t, chunkRange);
            }
            _openHistogram = _openHistogram.Append(t, h);
            MaxTime = t;
            _lastWasHistogram = true;
            _lastHistogram = _openHistogram.Last;
            _lastHistogramEncoding = _openHistogram.Encoding;
            return true;
        }

        private static long ChunkEnd(long t, long chunkRange) => (Math.DivRem(t, chunkRange, out var rem) + (rem < 0 ? 0 : 1)) * chunkRange;

        public bool Overlaps(long minT, long maxT) =>
            _closed.Any(c => c.MaxTime >= minT && c.MinTime <= maxT)
            || (_open is not null && _open.MaxTime >= minT && _open.MinTime <= maxT)
            || (_openHistogram is not null && _openHistogram.MaxTime >= minT && _openHistogram.MinTime <= maxT);

        public void Read(long minT, long maxT, List<Sample> into, List<HistogramSample> histograms)
        {
            foreach (var c in _closed)
            {
                if (c.MaxTime >= minT && c.MinTime <= maxT)
                {
                    ChunkDecoder.Decode(c.Encoding, c.Data, minT, maxT, into, histograms);
                }
            }
            if (_open is not null && _open.MaxTime >= minT && _open.MinTime <= maxT)
            {
                XorChunk.Decode(_open.Bytes, minT, maxT, into);
            }
            if (_openHistogram is not null && _openHistogram.MaxTime >= minT && _openHistogram.MinTime <= maxT)
            {
                HistogramChunk.Decode(_openHistogram.Encoding, _openHistogram.Bytes, minT, maxT, histograms, into);
            }
        }

        public IEnumerable<StoredChunk> Chunks()
        {
            foreach (var c in _closed)
            {
                yield return c;
            }
            if (_open is not null)
            {
                yield return new StoredChunk(_open.MinTime, _open.MaxTime, ChunkEncoding.Xor, _open.ToArray());
            }
            if (_openHistogram is not null)
            {
                yield return new StoredChunk(_openHistogram.MinTime, _openHistogram.MaxTime, _openHistogram.Encoding, _openHistogram.ToArray());
            }
        }

        /// <summary>Drops chunks ending before <paramref name="minT"/>; returns how many samples went.</summary>
        public long Truncate(long minT)
        {
            long dropped = 0;
            while (_closed.Count > 0 && _closed[0].MaxTime < minT)
            {
                dropped += XorChunk.SampleCount(_closed[0].Data);
                _closed.RemoveAt(0);
            }
            if (_open is not null && _open.MaxTime < minT)
            {
                dropped += _open.Count;
                _open = null;
            }
            if (_openHistogram is not null && _openHistogram.MaxTime < minT)
            {
                dropped += _openHistogram.Count;
                _openHistogram = null;
            }
            return dropped;
        }

        private void Close()
        {
            if (_open is not null)
            {
                _closed.Add(new StoredChunk(_open.MinTime, _open.MaxTime, ChunkEncoding.Xor, _open.ToArray()));
                _open = null;
            }
            if (_openHistogram is not null)
            {
                _closed.Add(new StoredChunk(_openHistogram.MinTime, _openHistogram.MaxTime, _openHistogram.Encoding, _openHistogram.ToArray()));
                _openHistogram = null;
            }
        }
    }

    private sealed class KeyComparer : IEqualityComparer<int[]>, IAlternateEqualityComparer<ReadOnlySpan<int>, int[]>
    {
        public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode([DisallowNull] int[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<int> alternate, int[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<int> alternate) => Hash(alternate);

        public int[] Create(ReadOnlySpan<int> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<int> key)
        {
            var h = new HashCode();
            h.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(key));
            return h.ToHashCode();
        }
    }
}
