using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Alerting.Core.Tsdb;

/// <summary>Go's encoding/binary varints (zig-zag for signed), as Prometheus' files use them.</summary>
public static class VarintWriter
{
    public static int PutUvarint(Span<byte> buf, ulong v)
    {
        var i = 0;
        while (v >= 0x80)
        {
            buf[i++] = (byte)(v | 0x80);
            v >>= 7;
        }
        buf[i++] = (byte)v;
        return i;
    }

    public static int PutVarint(Span<byte> buf, long v) => PutUvarint(buf, (ulong)(v << 1) ^ (ulong)(v >> 63));
}

/// <summary>CRC-32 with the Castagnoli polynomial (CRC-32C), the checksum of every Prometheus TSDB section.</summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(0xFFFF_FFFFu, data);

    /// <summary>Continues a running (non-inverted) CRC; start with 0xFFFFFFFF and invert the result.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }
        return crc;
    }
}

/// <summary>A growable byte buffer with Prometheus' encodings (big-endian fixed ints, varints, length-prefixed strings).</summary>
public sealed class ByteWriter(int capacity = 4096)
{
    private byte[] _buffer = new byte[Math.Max(16, capacity)];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, Length);

    public void Reset() => Length = 0;

    public void PutByte(byte b)
    {
        Ensure(1);
        _buffer[Length++] = b;
    }

    public void PutBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(Length));
        Length += bytes.Length;
    }

    public void PutBE32(uint v)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(Length), v);
        Length += 4;
    }

    public void PutBE64(ulong v)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.AsSpan(Length), v);
        Length += 8;
    }

    public void PutUvarint(ulong v)
    {
        Ensure(10);
        Length += VarintWriter.PutUvarint(_buffer.AsSpan(Length), v);
    }

    public void PutVarint(long v)
    {
        Ensure(10);
        Length += VarintWriter.PutVarint(_buffer.AsSpan(Length), v);
    }

    public void PutUvarintString(string s)
    {
        var n = Encoding.UTF8.GetByteCount(s);
        PutUvarint((ulong)n);
        Ensure(n);
        Encoding.UTF8.GetBytes(s, _buffer.AsSpan(Length));
        Length += n;
    }

    public void PutDouble(double v)
    {
        Ensure(8);
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer.AsSpan(Length), v);
        Length += 8;
    }

    /// <summary>Zero bytes up to the next multiple of <paramref name="alignment"/>.</summary>
    public void PadTo(int alignment)
    {
        var rem = Length % alignment;
        if (rem != 0)
        {
            Ensure(alignment - rem);
            _buffer.AsSpan(Length, alignment - rem).Clear();
            Length += alignment - rem;
        }
    }

    public void SetBE32(int offset, uint v) => BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(offset), v);

    public byte[] ToArray() => _buffer.AsSpan(0, Length).ToArray();

    private void Ensure(int more)
    {
        if (Length + more > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + more));
        }
    }
}

/// <summary>Data that is not what its format says, with where it went wrong.</summary>
public sealed class TsdbFormatException(string message, long offset) : Exception(message)
{
    /// <summary>Byte offset within the file or blob.</summary>
    public long Offset { get; } = offset;
}

/// <summary>Sequential reads of Prometheus' encodings; every read checks bounds and reports the offset.</summary>
public ref struct ByteReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly long _base;

    public ByteReader(ReadOnlySpan<byte> data, long baseOffset = 0)
    {
        _data = data;
        _base = baseOffset;
        Position = 0;
    }

    public int Position { get; set; }

    public readonly int Remaining => _data.Length - Position;

    public readonly long FileOffset => _base + Position;

    public byte Byte()
    {
        Need(1);
        return _data[Position++];
    }

    public uint BE32()
    {
        Need(4);
        var v = BinaryPrimitives.ReadUInt32BigEndian(_data[Position..]);
        Position += 4;
        return v;
    }

    public ulong BE64()
    {
        Need(8);
        var v = BinaryPrimitives.ReadUInt64BigEndian(_data[Position..]);
        Position += 8;
        return v;
    }

    public double Double()
    {
        Need(8);
        var v = BinaryPrimitives.ReadDoubleLittleEndian(_data[Position..]);
        Position += 8;
        return v;
    }

    public ulong Uvarint()
    {
        ulong v = 0;
        var shift = 0;
        for (var i = 0; i < 10; i++)
        {
            Need(1);
            var b = _data[Position++];
            if (b < 0x80)
            {
                if (i == 9 && b > 1)
                {
                    break;
                }
                return v | ((ulong)b << shift);
            }
            v |= (ulong)(b & 0x7f) << shift;
            shift += 7;
        }
        throw new TsdbFormatException("varint overflows 64 bits", FileOffset);
    }

    public long Varint()
    {
        var u = Uvarint();
        return (long)(u >> 1) ^ -(long)(u & 1);
    }

    public int UvarintInt()
    {
        var v = Uvarint();
        if (v > int.MaxValue)
        {
            throw new TsdbFormatException($"length {v} out of range", FileOffset);
        }
        return (int)v;
    }

    public ReadOnlySpan<byte> Bytes(int n)
    {
        Need(n);
        var s = _data.Slice(Position, n);
        Position += n;
        return s;
    }

    public string UvarintString()
    {
        var n = UvarintInt();
        return Encoding.UTF8.GetString(Bytes(n));
    }

    public void Skip(int n)
    {
        Need(n);
        Position += n;
    }

    private readonly void Need(int n)
    {
        if (n < 0 || Position + n > _data.Length)
        {
            throw new TsdbFormatException($"unexpected end of data (needed {n} bytes, {_data.Length - Position} left)", FileOffset);
        }
    }
}
