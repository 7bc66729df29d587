namespace Alerting.Core.Tsdb.Chunks;

/// <summary>
/// An append-only bit stream, most significant bit first (Prometheus' <c>bstream</c>). The XOR chunk
/// writes its two-byte sample count in front, then variable-width fields that need not end on a byte.
/// </summary>
internal sealed class BitWriter
{
    private byte[] _buffer;
    private int _length;

    /// <summary>Bits still free in the last byte (0 when it is full or there is none).</summary>
    private int _free;

    public BitWriter(int capacity = 128) => _buffer = new byte[Math.Max(capacity, 2)];

    public int Length => _length;

    public Span<byte> Written => _buffer.AsSpan(0, _length);

    public void WriteBit(bool bit)
    {
        if (_free == 0)
        {
            Grow();
        }
        _free--;
        if (bit)
        {
            _buffer[_length - 1] |= (byte)(1 << _free);
        }
    }

    /// <summary>Writes the low <paramref name="count"/> bits of <paramref name="value"/>, highest first.</summary>
    public void WriteBits(ulong value, int count)
    {
        while (count > 0)
        {
            if (_free == 0)
            {
                Grow();
            }
            var take = Math.Min(_free, count);
            var part = (value >> (count - take)) & ((1UL << take) - 1);
            _buffer[_length - 1] |= (byte)(part << (_free - take));
            _free -= take;
            count -= take;
        }
    }

    public void WriteByte(byte value) => WriteBits(value, 8);

    /// <summary>Overwrites two bytes already written (the chunk header), big-endian.</summary>
    public void SetUInt16(int offset, ushort value)
    {
        _buffer[offset] = (byte)(value >> 8);
        _buffer[offset + 1] = (byte)value;
    }

    public void WriteZeroBytes(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Grow();
        }
        _free = 0;
    }

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    private void Grow()
    {
        if (_length == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        _buffer[_length++] = 0;
        _free = 8;
    }
}

/// <summary>Reads a bit stream written by <see cref="BitWriter"/> through a 64-bit window.</summary>
internal ref struct BitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _next;
    private ulong _window;
    private int _bits;

    public BitReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _next = 0;
        _window = 0;
        _bits = 0;
    }

    /// <summary>Byte position of the next unread byte (for error reports).</summary>
    public readonly int BytePosition => _next - (_bits / 8);

    public bool TryReadBit(out bool bit)
    {
        if (_bits == 0 && !Refill())
        {
            bit = false;
            return false;
        }
        bit = (_window & 0x8000_0000_0000_0000UL) != 0;
        _window <<= 1;
        _bits--;
        return true;
    }

    /// <summary>Reads <paramref name="count"/> bits (0 to 64) as an unsigned number.</summary>
    public bool TryReadBits(int count, out ulong value)
    {
        if (count == 0)
        {
            value = 0;
            return true;
        }
        if (count > 56)
        {
            if (!TryReadBits(32, out var high) || !TryReadBits(count - 32, out var low))
            {
                value = 0;
                return false;
            }
            value = (high << (count - 32)) | low;
            return true;
        }
        if (_bits < count)
        {
            Refill();
            if (_bits < count)
            {
                value = 0;
                return false;
            }
        }
        value = _window >> (64 - count);
        _window <<= count;
        _bits -= count;
        return true;
    }

    public bool TryReadByte(out byte value)
    {
        var ok = TryReadBits(8, out var v);
        value = (byte)v;
        return ok;
    }

    /// <summary>Go's binary.ReadUvarint over the bit stream (the XOR chunk's second timestamp).</summary>
    public bool TryReadUvarint(out ulong value)
    {
        value = 0;
        var shift = 0;
        for (var i = 0; i < 10; i++)
        {
            if (!TryReadByte(out var b))
            {
                return false;
            }
            if (b < 0x80)
            {
                value |= (ulong)b << shift;
                return i < 9 || b <= 1;
            }
            value |= (ulong)(b & 0x7f) << shift;
            shift += 7;
        }
        return false;
    }

    public bool TryReadVarint(out long value)
    {
        if (!TryReadUvarint(out var u))
        {
            value = 0;
            return false;
        }
        value = (long)(u >> 1) ^ -(long)(u & 1);
        return true;
    }

    private bool Refill()
    {
        var any = false;
        while (_bits <= 56 && _next < _data.Length)
        {
            _window |= (ulong)_data[_next++] << (56 - _bits);
            _bits += 8;
            any = true;
        }
        return any;
    }
}
