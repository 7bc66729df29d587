namespace Alerting.Core.Tsdb.Chunks;

/// <summary>
/// Prometheus' varbit integers (<c>chunkenc/varbit.go</c>), the encoding of every integer field of a
/// native histogram chunk: a unary prefix of up to eight 1-bits picks a width of 0, 3, 6, 9, 12, 18, 25,
/// 56 or 64 bits, sized for the small bucket delta-of-deltas histograms produce.
/// </summary>
internal static class Varbit
{
    private static readonly int[] Widths = [3, 6, 9, 12, 18, 25, 56];

    public static void WriteInt(BitWriter w, long v)
    {
        if (v == 0)
        {
            w.WriteBit(false);
            return;
        }
        for (var i = 0; i < Widths.Length; i++)
        {
            var n = Widths[i];
            if (-((1L << (n - 1)) - 1) <= v && v <= 1L << (n - 1))
            {
                w.WriteBits((1UL << (i + 2)) - 2, i + 2);
                w.WriteBits((ulong)v, n);
                return;
            }
        }
        w.WriteBits(0xff, 8);
        w.WriteBits((ulong)v, 64);
    }

    public static void WriteUint(BitWriter w, ulong v)
    {
        if (v == 0)
        {
            w.WriteBit(false);
            return;
        }
        for (var i = 0; i < Widths.Length; i++)
        {
            var n = Widths[i];
            if (v < 1UL << n)
            {
                w.WriteBits((1UL << (i + 2)) - 2, i + 2);
                w.WriteBits(v, n);
                return;
            }
        }
        w.WriteBits(0xff, 8);
        w.WriteBits(v, 64);
    }

    public static bool TryReadInt(ref BitReader r, out long value)
    {
        value = 0;
        if (!TryReadWidth(ref r, out var n))
        {
            return false;
        }
        if (n == 0)
        {
            return true;
        }
        if (!r.TryReadBits(n, out var raw))
        {
            return false;
        }
        if (n < 64 && raw > 1UL << (n - 1))
        {
            raw -= 1UL << n;
        }
        value = (long)raw;
        return true;
    }

    public static bool TryReadUint(ref BitReader r, out ulong value)
    {
        value = 0;
        return TryReadWidth(ref r, out var n) && (n == 0 || r.TryReadBits(n, out value));
    }

    private static bool TryReadWidth(ref BitReader r, out int width)
    {
        var ones = 0;
        while (ones < 8)
        {
            if (!r.TryReadBit(out var bit))
            {
                width = 0;
                return false;
            }
            if (!bit)
            {
                break;
            }
            ones++;
        }
        width = ones switch
        {
            0 => 0,
            8 => 64,
            _ => Widths[ones - 1],
        };
        return true;
    }
}

/// <summary>
/// One Gorilla-XOR'd float field (Prometheus' <c>xorWrite</c>/<c>xorRead</c>): the XOR chunk's values, and
/// the sum, counts and float buckets of histogram chunks, each with its own leading/trailing-zero window.
/// </summary>
internal struct XorValue
{
    public ulong Bits;
    public byte Leading;
    public byte Trailing;

    public static XorValue Start(double v) => new() { Bits = BitConverter.DoubleToUInt64Bits(v), Leading = 0xff };

    public void Write(BitWriter w, ulong bits)
    {
        var delta = bits ^ Bits;
        Bits = bits;
        if (delta == 0)
        {
            w.WriteBit(false);
            return;
        }
        w.WriteBit(true);
        var leading = (byte)System.Numerics.BitOperations.LeadingZeroCount(delta);
        var trailing = (byte)System.Numerics.BitOperations.TrailingZeroCount(delta);
        if (leading >= 32)
        {
            leading = 31;
        }
        if (Leading != 0xff && leading >= Leading && trailing >= Trailing)
        {
            w.WriteBit(false);
            w.WriteBits(delta >> Trailing, 64 - Leading - Trailing);
            return;
        }
        Leading = leading;
        Trailing = trailing;
        w.WriteBit(true);
        w.WriteBits(leading, 5);
        // 64 significant bits do not fit in 6 bits; 0 stands for 64 (0 itself can never occur here).
        var significant = 64 - leading - trailing;
        w.WriteBits((ulong)significant, 6);
        w.WriteBits(delta >> trailing, significant);
    }

    /// <summary>Reads the next XOR'd value; false when the data ends early or the window is invalid.</summary>
    public bool TryRead(ref BitReader r)
    {
        if (!r.TryReadBit(out var changed))
        {
            return false;
        }
        if (!changed)
        {
            return true;
        }
        if (!r.TryReadBit(out var newWindow))
        {
            return false;
        }
        if (newWindow)
        {
            if (!r.TryReadBits(5, out var l) || !r.TryReadBits(6, out var m))
            {
                return false;
            }
            var significant = m == 0 ? 64 : (int)m;
            if ((int)l + significant > 64)
            {
                return false;
            }
            Leading = (byte)l;
            Trailing = (byte)(64 - (int)l - significant);
        }
        if (!r.TryReadBits(64 - Leading - Trailing, out var xor))
        {
            return false;
        }
        Bits ^= xor << Trailing;
        return true;
    }
}
