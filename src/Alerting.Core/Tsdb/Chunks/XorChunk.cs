using System.Buffers.Binary;
using System.Numerics;
using Alerting.Core.Model;

namespace Alerting.Core.Tsdb.Chunks;

/// <summary>
/// The encoding byte in front of every chunk (Prometheus' chunkenc values), so chunks of native
/// histograms can be stored beside float chunks later without a format change.
/// </summary>
public enum ChunkEncoding : byte
{
    None = 0,
    Xor = 1,
    Histogram = 2,
    FloatHistogram = 3,
}

/// <summary>A chunk that cannot be decoded; <see cref="Offset"/> is the byte within the chunk data.</summary>
public sealed class ChunkFormatException(string message, int offset) : Exception(message)
{
    public int Offset { get; } = offset;
}

/// <summary>
/// Appends float samples to a Gorilla/XOR chunk exactly as Prometheus' <c>chunkenc.XORChunk</c> does:
/// a big-endian sample count, the first timestamp as a varint and value as 64 bits, the second timestamp
/// as a uvarint delta, then delta-of-delta timestamps in 1/16/20/24/68-bit buckets and XOR'd values that
/// reuse the previous leading/trailing zero window when they fit. Values are copied bit for bit, so the
/// staleness marker's NaN payload survives.
/// </summary>
public sealed class XorAppender
{
    /// <summary>Prometheus cuts head chunks at 120 samples: the point where compression stops improving.</summary>
    public const int MaxSamples = 120;

    private readonly BitWriter _bits = new(64);
    private ulong _value;
    private ulong _timeDelta;
    private byte _leading = 0xff;
    private byte _trailing;

    public XorAppender() => _bits.WriteZeroBytes(2);

    public int Count { get; private set; }

    public long MinTime { get; private set; }

    public long MaxTime { get; private set; }

    public int ByteLength => _bits.Length;

    /// <summary>The chunk data written so far (valid until the next append).</summary>
    public ReadOnlySpan<byte> Bytes => _bits.Written;

    public void Append(long t, double v)
    {
        var bits = BitConverter.DoubleToUInt64Bits(v);
        if (Count == 0)
        {
            Span<byte> buf = stackalloc byte[10];
            var n = VarintWriter.PutVarint(buf, t);
            for (var i = 0; i < n; i++)
            {
                _bits.WriteByte(buf[i]);
            }
            _bits.WriteBits(bits, 64);
            MinTime = t;
        }
        else if (Count == 1)
        {
            _timeDelta = (ulong)(t - MaxTime);
            Span<byte> buf = stackalloc byte[10];
            var n = VarintWriter.PutUvarint(buf, _timeDelta);
            for (var i = 0; i < n; i++)
            {
                _bits.WriteByte(buf[i]);
            }
            WriteValue(bits);
        }
        else
        {
            var delta = (ulong)(t - MaxTime);
            var dod = (long)(delta - _timeDelta);
            if (dod == 0)
            {
                _bits.WriteBit(false);
            }
            else if (BitRange(dod, 14))
            {
                _bits.WriteBits(0b10, 2);
                _bits.WriteBits((ulong)dod, 14);
            }
            else if (BitRange(dod, 17))
            {
                _bits.WriteBits(0b110, 3);
                _bits.WriteBits((ulong)dod, 17);
            }
            else if (BitRange(dod, 20))
            {
                _bits.WriteBits(0b1110, 4);
                _bits.WriteBits((ulong)dod, 20);
            }
            else
            {
                _bits.WriteBits(0b1111, 4);
                _bits.WriteBits((ulong)dod, 64);
            }
            _timeDelta = delta;
            WriteValue(bits);
        }
        MaxTime = t;
        _value = bits;
        Count++;
        _bits.SetUInt16(0, (ushort)Count);
    }

    /// <summary>The chunk data as stored (without the encoding byte), copied to an exact-size array.</summary>
    public byte[] ToArray() => _bits.ToArray();

    private static bool BitRange(long x, int n) => -((1L << (n - 1)) - 1) <= x && x <= 1L << (n - 1);

    private void WriteValue(ulong bits)
    {
        var delta = bits ^ _value;
        if (delta == 0)
        {
            _bits.WriteBit(false);
            return;
        }
        _bits.WriteBit(true);
        var leading = (byte)BitOperations.LeadingZeroCount(delta);
        var trailing = (byte)BitOperations.TrailingZeroCount(delta);
        if (leading >= 32)
        {
            leading = 31;
        }
        if (_leading != 0xff && leading >= _leading && trailing >= _trailing)
        {
            _bits.WriteBit(false);
            _bits.WriteBits(delta >> _trailing, 64 - _leading - _trailing);
            return;
        }
        _leading = leading;
        _trailing = trailing;
        _bits.WriteBit(true);
        _bits.WriteBits(leading, 5);
        // 64 significant bits do not fit in 6 bits; 0 stands for 64 (0 itself can never occur here).
        var significant = 64 - leading - trailing;
        _bits.WriteBits((ulong)significant, 6);
        _bits.WriteBits(delta >> trailing, significant);
    }
}

/// <summary>Decodes XOR chunks (see <see cref="XorAppender"/>).</summary>
public static class XorChunk
{
    public static int SampleCount(ReadOnlySpan<byte> data) => data.Length < 2 ? 0 : BinaryPrimitives.ReadUInt16BigEndian(data);

    /// <summary>
    /// Appends the chunk's samples with timestamps in [<paramref name="minTime"/>, <paramref name="maxTime"/>]
    /// to <paramref name="into"/>. Throws <see cref="ChunkFormatException"/> when the data ends early.
    /// </summary>
    public static void Decode(ReadOnlySpan<byte> data, long minTime, long maxTime, List<Sample> into)
    {
        if (data.Length < 2)
        {
            throw new ChunkFormatException("chunk shorter than its 2-byte header", data.Length);
        }
        var total = BinaryPrimitives.ReadUInt16BigEndian(data);
        var r = new BitReader(data[2..]);
        long t = 0;
        ulong value = 0;
        ulong delta = 0;
        int leading = 0, trailing = 0;
        for (var i = 0; i < total; i++)
        {
            if (i == 0)
            {
                if (!r.TryReadVarint(out t) || !r.TryReadBits(64, out value))
                {
                    throw Truncated(r, i);
                }
            }
            else
            {
                if (i == 1)
                {
                    if (!r.TryReadUvarint(out delta))
                    {
                        throw Truncated(r, i);
                    }
                }
                else
                {
                    var prefix = 0;
                    for (var k = 0; k < 4; k++)
                    {
                        if (!r.TryReadBit(out var b))
                        {
                            throw Truncated(r, i);
                        }
                        prefix = (prefix << 1) | (b ? 1 : 0);
                        if (!b)
                        {
                            break;
                        }
                    }
                    long dod = 0;
                    var size = prefix switch
                    {
                        0b10 => 14,
                        0b110 => 17,
                        0b1110 => 20,
                        _ => 0,
                    };
                    if (prefix == 0b1111)
                    {
                        if (!r.TryReadBits(64, out var raw))
                        {
                            throw Truncated(r, i);
                        }
                        dod = (long)raw;
                    }
                    else if (size != 0)
                    {
                        if (!r.TryReadBits(size, out var raw))
                        {
                            throw Truncated(r, i);
                        }
                        if (raw > 1UL << (size - 1))
                        {
                            raw -= 1UL << size;
                        }
                        dod = (long)raw;
                    }
                    delta = (ulong)((long)delta + dod);
                }
                t += (long)delta;
                if (!r.TryReadBit(out var changed))
                {
                    throw Truncated(r, i);
                }
                if (changed)
                {
                    if (!r.TryReadBit(out var newWindow))
                    {
                        throw Truncated(r, i);
                    }
                    if (newWindow)
                    {
                        if (!r.TryReadBits(5, out var l) || !r.TryReadBits(6, out var m))
                        {
                            throw Truncated(r, i);
                        }
                        leading = (int)l;
                        var significant = m == 0 ? 64 : (int)m;
                        trailing = 64 - leading - significant;
                        if (trailing < 0)
                        {
                            throw new ChunkFormatException($"invalid XOR window in sample {i}", 2 + r.BytePosition);
                        }
                    }
                    if (!r.TryReadBits(64 - leading - trailing, out var xor))
                    {
                        throw Truncated(r, i);
                    }
                    value ^= xor << trailing;
                }
            }
            if (t > maxTime)
            {
                return;
            }
            if (t >= minTime)
            {
                into.Add(new Sample(t, BitConverter.UInt64BitsToDouble(value)));
            }
        }
    }

    public static List<Sample> Decode(ReadOnlySpan<byte> data)
    {
        var list = new List<Sample>(SampleCount(data));
        Decode(data, long.MinValue, long.MaxValue, list);
        return list;
    }

    private static ChunkFormatException Truncated(BitReader r, int sample) =>
        new($"chunk data ends inside sample {sample}", 2 + r.BytePosition);
}
