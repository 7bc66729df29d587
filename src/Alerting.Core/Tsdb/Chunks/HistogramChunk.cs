using System.Buffers.Binary;
using Alerting.Core.Model;
using Alerting.Core.Model.Histograms;

namespace Alerting.Core.Tsdb.Chunks;

/// <summary>What the top two bits of a histogram chunk's third byte say about the chunk's first sample (Prometheus' values).</summary>
public enum CounterResetHeader : byte
{
    Unknown = 0b0000_0000,
    CounterReset = 0b1000_0000,
    NotCounterReset = 0b0100_0000,
    Gauge = 0b1100_0000,
}

/// <summary>
/// Appends native histogram samples to a chunk laid out bit for bit as Prometheus'
/// <c>chunkenc.HistogramChunk</c> (encoding 2, integer counts) or <c>FloatHistogramChunk</c> (encoding 3):
/// a big-endian sample count, a header byte whose top bits carry the counter-reset header, then the
/// layout (zero threshold, schema, positive and negative spans, custom bounds for schema -53) written by
/// the first sample, and per sample the timestamp (varbit, then delta-of-delta), the counts (integer:
/// varbit delta-of-delta; float: XOR), the XOR'd sum and every bucket (integer: delta-encoded counts as
/// delta-of-delta; float: XOR per bucket). All samples of a chunk share its layout: a sample with new
/// buckets re-encodes the chunk with the wider layout (Prometheus' recode); a sample that cannot share it
/// (counter reset, schema or zero-threshold change, a stale sample before it) gets a new chunk, which
/// <see cref="CanAppend"/> reports. A stale marker is a sample with only the stale NaN as its sum.
/// </summary>
public sealed class HistogramAppender
{
    /// <summary>Samples per chunk before a new one is cut (Prometheus 2.42 cuts every chunk at 120).</summary>
    public const int MaxSamples = 120;

    private const double MaxExactInteger = 9007199254740992d; // 2^53

    private BitWriter _bits = new(128);
    private int _schema;
    private double _zeroThreshold;
    private double[]? _customValues;
    private int[] _positiveIndex = [];
    private int[] _negativeIndex = [];

    // Integer chunks: counts and the delta-encoded buckets with their last deltas, as Prometheus keeps them.
    private long _timeDelta;
    private long _count;
    private long _zeroCount;
    private long _countDelta;
    private long _zeroCountDelta;
    private long[] _positiveDeltas = [];
    private long[] _negativeDeltas = [];
    private long[] _positiveDeltaDeltas = [];
    private long[] _negativeDeltaDeltas = [];

    // Float chunks: one XOR window per field.
    private XorValue _floatCount;
    private XorValue _floatZeroCount;
    private XorValue[] _positiveXor = [];
    private XorValue[] _negativeXor = [];
    private XorValue _sum;

    public HistogramAppender(ChunkEncoding encoding, CounterResetHeader header)
    {
        if (encoding is not (ChunkEncoding.Histogram or ChunkEncoding.FloatHistogram))
        {
            throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "not a histogram chunk encoding");
        }
        Encoding = encoding;
        _bits.WriteZeroBytes(3);
        _bits.Written[2] = (byte)header;
    }

    public ChunkEncoding Encoding { get; }

    public CounterResetHeader Header => (CounterResetHeader)(_bits.Written[2] & 0b1100_0000);

    public int Count { get; private set; }

    public long MinTime { get; private set; }

    public long MaxTime { get; private set; }

    /// <summary>The last sample appended, as stored (on the chunk's layout); null when it was a stale marker.</summary>
    public FloatHistogram? Last { get; private set; }

    public int ByteLength => _bits.Length;

    public ReadOnlySpan<byte> Bytes => _bits.Written;

    public byte[] ToArray() => _bits.ToArray();

    /// <summary>The chunk encoding a histogram is stored in: integer when every count is a whole number a float holds exactly.</summary>
    public static ChunkEncoding EncodingFor(FloatHistogram h)
    {
        ArgumentNullException.ThrowIfNull(h);
        static bool Whole(double v) => v >= 0 && v <= MaxExactInteger && Math.Floor(v) == v;
        if (!Whole(h.Count) || !Whole(h.ZeroCount))
        {
            return ChunkEncoding.FloatHistogram;
        }
        foreach (var b in h.Positive)
        {
            if (!Whole(b.Count))
            {
                return ChunkEncoding.FloatHistogram;
            }
        }
        foreach (var b in h.Negative)
        {
            if (!Whole(b.Count))
            {
                return ChunkEncoding.FloatHistogram;
            }
        }
        return ChunkEncoding.Histogram;
    }

    /// <summary>The header a new chunk gets for its first sample <paramref name="h"/> after <paramref name="previous"/> (the series' last histogram, null after a float or a stale marker).</summary>
    public static CounterResetHeader HeaderFor(FloatHistogram h, FloatHistogram? previous)
    {
        ArgumentNullException.ThrowIfNull(h);
        if (h.IsStale)
        {
            return CounterResetHeader.Unknown;
        }
        return h.WithStoredHint(previous).CounterResetHint switch
        {
            CounterResetHint.CounterReset => CounterResetHeader.CounterReset,
            CounterResetHint.NotCounterReset => CounterResetHeader.NotCounterReset,
            CounterResetHint.Gauge => CounterResetHeader.Gauge,
            _ => CounterResetHeader.Unknown,
        };
    }

    /// <summary>
    /// Whether <paramref name="h"/> can join this chunk (Prometheus' <c>appendable</c>/<c>appendableGauge</c>):
    /// not when the chunk is full, holds the other encoding, ends with a stale marker, or the sample
    /// resets the counter or changes schema, zero threshold or custom bounds.
    /// </summary>
    public bool CanAppend(FloatHistogram h)
    {
        ArgumentNullException.ThrowIfNull(h);
        if (Count >= MaxSamples)
        {
            return false;
        }
        if (h.IsStale || Count == 0)
        {
            return true;
        }
        if (Last is not { } last || EncodingFor(h) != Encoding)
        {
            return false;
        }
        var gauge = Header == CounterResetHeader.Gauge;
        if (gauge != (h.CounterResetHint == CounterResetHint.Gauge))
        {
            return false;
        }
        if (h.Schema != _schema || h.ZeroThreshold != _zeroThreshold || !FloatHistogram.CustomBoundsMatch(h.CustomValues, _customValues))
        {
            return false;
        }
        if (gauge)
        {
            return true;
        }
        if (h.CounterResetHint == CounterResetHint.CounterReset || h.Count < last.Count || h.ZeroCount < last.ZeroCount)
        {
            return false;
        }
        return !BucketsReset(last.Positive, h.Positive) && !BucketsReset(last.Negative, h.Negative);
    }

    /// <summary>
    /// Appends a sample <see cref="CanAppend"/> accepted (or any sample to an empty chunk). Returns the
    /// appender to continue with: this one, or a re-encoded one when the sample brought new buckets.
    /// </summary>
    public HistogramAppender Append(long t, FloatHistogram h)
    {
        ArgumentNullException.ThrowIfNull(h);
        if (Count == 0)
        {
            if (!h.IsStale)
            {
                SetLayout(h.Schema, h.ZeroThreshold, h.CustomValues, Indices(h.Positive), Indices(h.Negative));
            }
            Write(t, h);
            return this;
        }
        if (h.IsStale)
        {
            Write(t, h);
            return this;
        }
        var positive = Union(_positiveIndex, h.Positive);
        var negative = Union(_negativeIndex, h.Negative);
        if (positive.Length == _positiveIndex.Length && negative.Length == _negativeIndex.Length)
        {
            Write(t, h);
            return this;
        }
        var recoded = new HistogramAppender(Encoding, Header);
        recoded.SetLayout(_schema, _zeroThreshold, _customValues, positive, negative);
        var samples = new List<HistogramSample>(Count + 1);
        var stale = new List<Sample>();
        HistogramChunk.Decode(Encoding, _bits.Written, long.MinValue, long.MaxValue, samples, stale);
        foreach (var s in samples)
        {
            recoded.Write(s.TimestampMs, s.Histogram);
        }
        recoded.Write(t, h);
        return recoded;
    }

    private static bool BucketsReset(HistogramBucket[] before, HistogramBucket[] now)
    {
        var j = 0;
        foreach (var b in before)
        {
            while (j < now.Length && now[j].Index < b.Index)
            {
                j++;
            }
            var count = j < now.Length && now[j].Index == b.Index ? now[j].Count : 0;
            if (count < b.Count)
            {
                return true;
            }
        }
        return false;
    }

    private static int[] Indices(HistogramBucket[] buckets)
    {
        var result = new int[buckets.Length];
        for (var i = 0; i < buckets.Length; i++)
        {
            result[i] = buckets[i].Index;
        }
        return result;
    }

    private static int[] Union(int[] layout, HistogramBucket[] buckets)
    {
        var result = new List<int>(layout.Length + 4);
        int i = 0, j = 0;
        while (i < layout.Length || j < buckets.Length)
        {
            if (j >= buckets.Length || (i < layout.Length && layout[i] < buckets[j].Index))
            {
                result.Add(layout[i++]);
            }
            else if (i >= layout.Length || buckets[j].Index < layout[i])
            {
                result.Add(buckets[j++].Index);
            }
            else
            {
                result.Add(layout[i++]);
                j++;
            }
        }
        return result.Count == layout.Length ? layout : [.. result];
    }

    /// <summary>The counts of <paramref name="buckets"/> on the chunk's layout (zero where a bucket is absent).</summary>
    private static double[] OnLayout(int[] layout, HistogramBucket[] buckets)
    {
        var counts = new double[layout.Length];
        var j = 0;
        for (var i = 0; i < layout.Length && j < buckets.Length; i++)
        {
            if (buckets[j].Index == layout[i])
            {
                counts[i] = buckets[j++].Count;
            }
        }
        return counts;
    }

    private void SetLayout(int schema, double zeroThreshold, double[]? customValues, int[] positive, int[] negative)
    {
        _schema = schema;
        _zeroThreshold = zeroThreshold;
        _customValues = customValues;
        _positiveIndex = positive;
        _negativeIndex = negative;
    }

    private void Write(long t, FloatHistogram h)
    {
        var stale = h.IsStale;
        var positive = stale ? Array.Empty<double>() : OnLayout(_positiveIndex, h.Positive);
        var negative = stale ? Array.Empty<double>() : OnLayout(_negativeIndex, h.Negative);
        var count = stale ? 0 : h.Count;
        var zeroCount = stale ? 0 : h.ZeroCount;
        var sumBits = BitConverter.DoubleToUInt64Bits(h.Sum);
        if (Count == 0)
        {
            WriteLayout(stale);
            Varbit.WriteInt(_bits, t);
            if (Encoding == ChunkEncoding.Histogram)
            {
                _count = (long)count;
                _zeroCount = (long)zeroCount;
                Varbit.WriteUint(_bits, (ulong)_count);
                Varbit.WriteUint(_bits, (ulong)_zeroCount);
                _bits.WriteBits(sumBits, 64);
                _positiveDeltas = DeltaEncode(positive);
                _negativeDeltas = DeltaEncode(negative);
                _positiveDeltaDeltas = new long[positive.Length];
                _negativeDeltaDeltas = new long[negative.Length];
                foreach (var d in _positiveDeltas)
                {
                    Varbit.WriteInt(_bits, d);
                }
                foreach (var d in _negativeDeltas)
                {
                    Varbit.WriteInt(_bits, d);
                }
            }
            else
            {
                _floatCount = XorValue.Start(count);
                _floatZeroCount = XorValue.Start(zeroCount);
                _bits.WriteBits(_floatCount.Bits, 64);
                _bits.WriteBits(_floatZeroCount.Bits, 64);
                _bits.WriteBits(sumBits, 64);
                _positiveXor = new XorValue[positive.Length];
                _negativeXor = new XorValue[negative.Length];
                for (var i = 0; i < positive.Length; i++)
                {
                    _positiveXor[i] = XorValue.Start(positive[i]);
                    _bits.WriteBits(_positiveXor[i].Bits, 64);
                }
                for (var i = 0; i < negative.Length; i++)
                {
                    _negativeXor[i] = XorValue.Start(negative[i]);
                    _bits.WriteBits(_negativeXor[i].Bits, 64);
                }
            }
            _sum = new XorValue { Bits = sumBits, Leading = 0xff };
            MinTime = t;
        }
        else
        {
            var timeDelta = t - MaxTime;
            Varbit.WriteInt(_bits, timeDelta - _timeDelta);
            _timeDelta = timeDelta;
            if (Encoding == ChunkEncoding.Histogram)
            {
                var countDelta = (long)count - _count;
                var zeroCountDelta = (long)zeroCount - _zeroCount;
                Varbit.WriteInt(_bits, stale ? 0 : countDelta - _countDelta);
                Varbit.WriteInt(_bits, stale ? 0 : zeroCountDelta - _zeroCountDelta);
                _sum.Write(_bits, sumBits);
                if (!stale)
                {
                    WriteDeltaOfDeltas(DeltaEncode(positive), _positiveDeltas, _positiveDeltaDeltas);
                    WriteDeltaOfDeltas(DeltaEncode(negative), _negativeDeltas, _negativeDeltaDeltas);
                }
                _count = (long)count;
                _zeroCount = (long)zeroCount;
                _countDelta = countDelta;
                _zeroCountDelta = zeroCountDelta;
            }
            else
            {
                _floatCount.Write(_bits, BitConverter.DoubleToUInt64Bits(count));
                _floatZeroCount.Write(_bits, BitConverter.DoubleToUInt64Bits(zeroCount));
                _sum.Write(_bits, sumBits);
                for (var i = 0; i < positive.Length; i++)
                {
                    _positiveXor[i].Write(_bits, BitConverter.DoubleToUInt64Bits(positive[i]));
                }
                for (var i = 0; i < negative.Length; i++)
                {
                    _negativeXor[i].Write(_bits, BitConverter.DoubleToUInt64Bits(negative[i]));
                }
            }
        }
        MaxTime = t;
        Count++;
        _bits.SetUInt16(0, (ushort)Count);
        Last = stale ? null : h with
        {
            Positive = Rebuild(_positiveIndex, positive),
            Negative = Rebuild(_negativeIndex, negative),
        };
    }

    private static HistogramBucket[] Rebuild(int[] layout, double[] counts)
    {
        var result = new HistogramBucket[layout.Length];
        for (var i = 0; i < layout.Length; i++)
        {
            result[i] = new HistogramBucket(layout[i], counts[i]);
        }
        return result;
    }

    private void WriteDeltaOfDeltas(long[] now, long[] previous, long[] previousDeltas)
    {
        for (var i = 0; i < now.Length; i++)
        {
            var delta = now[i] - previous[i];
            Varbit.WriteInt(_bits, delta - previousDeltas[i]);
            previousDeltas[i] = delta;
            previous[i] = now[i];
        }
    }

    /// <summary>Absolute bucket counts as Prometheus' integer histograms carry them: each the difference to the one before.</summary>
    private static long[] DeltaEncode(double[] counts)
    {
        var result = new long[counts.Length];
        long previous = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            var c = (long)counts[i];
            result[i] = c - previous;
            previous = c;
        }
        return result;
    }

    private void WriteLayout(bool stale)
    {
        // A stale marker opening a chunk writes an empty layout, as Prometheus does.
        WriteZeroThreshold(stale ? 0 : _zeroThreshold);
        Varbit.WriteInt(_bits, stale ? 0 : _schema);
        WriteSpans(stale ? [] : _positiveIndex);
        WriteSpans(stale ? [] : _negativeIndex);
        if (!stale && _schema == FloatHistogram.CustomBucketsSchema)
        {
            var bounds = _customValues ?? [];
            Varbit.WriteUint(_bits, (ulong)bounds.Length);
            foreach (var b in bounds)
            {
                WriteCustomBound(b);
            }
        }
    }

    private void WriteSpans(int[] layout)
    {
        var spans = new List<(int Offset, uint Length)>();
        var previousEnd = 0;
        for (var i = 0; i < layout.Length; i++)
        {
            if (i > 0 && layout[i] == layout[i - 1] + 1)
            {
                spans[^1] = (spans[^1].Offset, spans[^1].Length + 1);
            }
            else
            {
                spans.Add((i == 0 ? layout[i] : layout[i] - previousEnd, 1));
            }
            previousEnd = layout[i] + 1;
        }
        Varbit.WriteUint(_bits, (ulong)spans.Count);
        foreach (var (offset, length) in spans)
        {
            Varbit.WriteUint(_bits, length);
            Varbit.WriteInt(_bits, offset);
        }
    }

    /// <summary>Zero, a power of two from 2^-243 to 2^10 in one byte (Prometheus' putZeroThreshold), else 255 and the float.</summary>
    private void WriteZeroThreshold(double threshold)
    {
        if (threshold == 0)
        {
            _bits.WriteByte(0);
            return;
        }
        var bits = BitConverter.DoubleToUInt64Bits(threshold);
        var biased = (int)((bits >> 52) & 0x7ff);
        var exp = biased - 1022; // math.Frexp's exponent: threshold = 0.5 * 2^exp
        if ((bits & 0x000F_FFFF_FFFF_FFFFUL) == 0 && (bits >> 63) == 0 && biased is > 0 and < 0x7ff && exp is >= -242 and <= 11)
        {
            _bits.WriteByte((byte)(exp + 243));
            return;
        }
        _bits.WriteByte(255);
        _bits.WriteBits(bits, 64);
    }

    /// <summary>Multiples of 0.001 from 0 to 33554.43 as a varbit of 1000x+1 (Prometheus' putCustomBound), else a 0 bit and the float.</summary>
    private void WriteCustomBound(double bound)
    {
        var scaled = bound * 1000;
        var whole = scaled >= 0 && scaled <= 33554430 && (double)(ulong)Math.Round(scaled) / 1000 == bound;
        if (!whole)
        {
            _bits.WriteBit(false);
            _bits.WriteBits(BitConverter.DoubleToUInt64Bits(bound), 64);
            return;
        }
        Varbit.WriteUint(_bits, (ulong)Math.Round(scaled) + 1);
    }
}

/// <summary>Decodes histogram chunks (encodings 2 and 3, see <see cref="HistogramAppender"/>).</summary>
public static class HistogramChunk
{
    /// <summary>
    /// Appends the chunk's samples with timestamps in [<paramref name="minTime"/>, <paramref name="maxTime"/>]:
    /// histograms to <paramref name="into"/>, stale markers to <paramref name="staleMarkers"/> as the float
    /// stale NaN (how <see cref="Series"/> carries a histogram series' staleness). Counter-reset hints are
    /// Prometheus' reading of the header: the first sample gets CounterReset when the header says so,
    /// later samples NotCounterReset, a gauge chunk's samples Gauge. Throws <see cref="ChunkFormatException"/>
    /// for damaged data.
    /// </summary>
    public static void Decode(ChunkEncoding encoding, ReadOnlySpan<byte> data, long minTime, long maxTime, List<HistogramSample> into, List<Sample> staleMarkers)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(staleMarkers);
        if (data.Length < 3)
        {
            throw new ChunkFormatException("histogram chunk shorter than its 3-byte header", data.Length);
        }
        var total = BinaryPrimitives.ReadUInt16BigEndian(data);
        if (total == 0)
        {
            return;
        }
        var header = (CounterResetHeader)(data[2] & 0b1100_0000);
        var integer = encoding == ChunkEncoding.Histogram;
        var r = new BitReader(data[3..]);
        var at = 0;
        ChunkFormatException Damaged(ref BitReader reader) => new($"histogram chunk data ends or is invalid inside sample {at}", 3 + reader.BytePosition);

        if (!TryReadZeroThreshold(ref r, out var zeroThreshold) || !Varbit.TryReadInt(ref r, out var schema) ||
            !TryReadSpans(ref r, out var positiveSpans, out var positiveCount) || !TryReadSpans(ref r, out var negativeSpans, out var negativeCount))
        {
            throw Damaged(ref r);
        }
        double[]? customValues = null;
        if (schema == FloatHistogram.CustomBucketsSchema)
        {
            if (!Varbit.TryReadUint(ref r, out var n) || n > 1 << 20)
            {
                throw Damaged(ref r);
            }
            customValues = new double[n];
            for (var i = 0; i < (int)n; i++)
            {
                if (!Varbit.TryReadUint(ref r, out var v))
                {
                    throw Damaged(ref r);
                }
                if (v == 0)
                {
                    if (!r.TryReadBits(64, out var raw))
                    {
                        throw Damaged(ref r);
                    }
                    customValues[i] = BitConverter.UInt64BitsToDouble(raw);
                }
                else
                {
                    customValues[i] = (double)(v - 1) / 1000;
                }
            }
        }

        long t = 0, timeDelta = 0;
        long count = 0, zeroCount = 0, countDelta = 0, zeroCountDelta = 0;
        var positiveDeltas = new long[positiveCount];
        var negativeDeltas = new long[negativeCount];
        var positiveDeltaDeltas = new long[positiveCount];
        var negativeDeltaDeltas = new long[negativeCount];
        XorValue floatCount = default, floatZeroCount = default, sum = default;
        var positiveXor = new XorValue[positiveCount];
        var negativeXor = new XorValue[negativeCount];
        for (at = 0; at < total; at++)
        {
            var stale = false;
            if (at == 0)
            {
                if (!Varbit.TryReadInt(ref r, out t))
                {
                    throw Damaged(ref r);
                }
                if (integer)
                {
                    if (!Varbit.TryReadUint(ref r, out var c) || !Varbit.TryReadUint(ref r, out var z) || !r.TryReadBits(64, out sum.Bits))
                    {
                        throw Damaged(ref r);
                    }
                    count = (long)c;
                    zeroCount = (long)z;
                    for (var i = 0; i < positiveCount; i++)
                    {
                        if (!Varbit.TryReadInt(ref r, out positiveDeltas[i]))
                        {
                            throw Damaged(ref r);
                        }
                    }
                    for (var i = 0; i < negativeCount; i++)
                    {
                        if (!Varbit.TryReadInt(ref r, out negativeDeltas[i]))
                        {
                            throw Damaged(ref r);
                        }
                    }
                }
                else
                {
                    if (!r.TryReadBits(64, out floatCount.Bits) || !r.TryReadBits(64, out floatZeroCount.Bits) || !r.TryReadBits(64, out sum.Bits))
                    {
                        throw Damaged(ref r);
                    }
                    for (var i = 0; i < positiveCount; i++)
                    {
                        if (!r.TryReadBits(64, out positiveXor[i].Bits))
                        {
                            throw Damaged(ref r);
                        }
                    }
                    for (var i = 0; i < negativeCount; i++)
                    {
                        if (!r.TryReadBits(64, out negativeXor[i].Bits))
                        {
                            throw Damaged(ref r);
                        }
                    }
                }
                stale = Sample.IsStaleMarker(BitConverter.UInt64BitsToDouble(sum.Bits));
            }
            else
            {
                if (!Varbit.TryReadInt(ref r, out var timeDod))
                {
                    throw Damaged(ref r);
                }
                timeDelta += timeDod;
                t += timeDelta;
                if (integer)
                {
                    if (!Varbit.TryReadInt(ref r, out var countDod) || !Varbit.TryReadInt(ref r, out var zeroDod) || !sum.TryRead(ref r))
                    {
                        throw Damaged(ref r);
                    }
                    countDelta += countDod;
                    count += countDelta;
                    zeroCountDelta += zeroDod;
                    zeroCount += zeroCountDelta;
                    stale = Sample.IsStaleMarker(BitConverter.UInt64BitsToDouble(sum.Bits));
                    if (!stale && (!ReadDeltaOfDeltas(ref r, positiveDeltas, positiveDeltaDeltas) || !ReadDeltaOfDeltas(ref r, negativeDeltas, negativeDeltaDeltas)))
                    {
                        throw Damaged(ref r);
                    }
                }
                else
                {
                    if (!floatCount.TryRead(ref r) || !floatZeroCount.TryRead(ref r) || !sum.TryRead(ref r))
                    {
                        throw Damaged(ref r);
                    }
                    stale = Sample.IsStaleMarker(BitConverter.UInt64BitsToDouble(sum.Bits));
                    if (!stale && (!ReadXors(ref r, positiveXor) || !ReadXors(ref r, negativeXor)))
                    {
                        throw Damaged(ref r);
                    }
                }
            }
            if (t > maxTime)
            {
                return;
            }
            if (t < minTime)
            {
                continue;
            }
            if (stale)
            {
                staleMarkers.Add(new Sample(t, Sample.StaleNaN));
                continue;
            }
            var hint = header == CounterResetHeader.Gauge ? CounterResetHint.Gauge
                : at > 0 ? CounterResetHint.NotCounterReset
                : header == CounterResetHeader.CounterReset ? CounterResetHint.CounterReset
                : CounterResetHint.Unknown;
            try
            {
                into.Add(new HistogramSample(t, new FloatHistogram
            {
                CounterResetHint = hint,
                Schema = (int)schema,
                ZeroThreshold = zeroThreshold,
                ZeroCount = integer ? zeroCount : BitConverter.UInt64BitsToDouble(floatZeroCount.Bits),
                Count = integer ? count : BitConverter.UInt64BitsToDouble(floatCount.Bits),
                Sum = BitConverter.UInt64BitsToDouble(sum.Bits),
                Positive = integer ? Buckets(positiveSpans, positiveDeltas) : Buckets(positiveSpans, positiveXor),
                Negative = integer ? Buckets(negativeSpans, negativeDeltas) : Buckets(negativeSpans, negativeXor),
                CustomValues = customValues,
            }));
            }
            catch (HistogramException e)
            {
                throw new ChunkFormatException($"histogram chunk sample {at}: {e.Message}", 3 + r.BytePosition);
            }
        }
    }

    private static bool ReadDeltaOfDeltas(ref BitReader r, long[] values, long[] deltas)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!Varbit.TryReadInt(ref r, out var dod))
            {
                return false;
            }
            deltas[i] += dod;
            values[i] += deltas[i];
        }
        return true;
    }

    private static bool ReadXors(ref BitReader r, XorValue[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!values[i].TryRead(ref r))
            {
                return false;
            }
        }
        return true;
    }

    private static HistogramBucket[] Buckets(HistogramSpan[] spans, long[] deltas)
    {
        var counts = new double[deltas.Length];
        long current = 0;
        for (var i = 0; i < deltas.Length; i++)
        {
            current += deltas[i];
            counts[i] = current;
        }
        return FloatHistogram.FromSpans(spans, counts);
    }

    private static HistogramBucket[] Buckets(HistogramSpan[] spans, XorValue[] values)
    {
        var counts = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            counts[i] = BitConverter.UInt64BitsToDouble(values[i].Bits);
        }
        return FloatHistogram.FromSpans(spans, counts);
    }

    private static bool TryReadZeroThreshold(ref BitReader r, out double threshold)
    {
        threshold = 0;
        if (!r.TryReadByte(out var b))
        {
            return false;
        }
        switch (b)
        {
            case 0:
                return true;
            case 255:
                if (!r.TryReadBits(64, out var raw))
                {
                    return false;
                }
                threshold = BitConverter.UInt64BitsToDouble(raw);
                return true;
            default:
                threshold = Math.ScaleB(0.5, b - 243);
                return true;
        }
    }

    private static bool TryReadSpans(ref BitReader r, out HistogramSpan[] spans, out int buckets)
    {
        spans = [];
        buckets = 0;
        if (!Varbit.TryReadUint(ref r, out var n) || n > 1 << 16)
        {
            return false;
        }
        spans = new HistogramSpan[n];
        for (var i = 0; i < (int)n; i++)
        {
            if (!Varbit.TryReadUint(ref r, out var length) || !Varbit.TryReadInt(ref r, out var offset) || length > 1 << 16 || offset is < int.MinValue or > int.MaxValue)
            {
                return false;
            }
            spans[i] = new HistogramSpan((int)offset, (uint)length);
            buckets += (int)length;
            if (buckets > 1 << 20)
            {
                return false;
            }
        }
        return true;
    }
}
