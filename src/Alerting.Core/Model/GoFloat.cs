using System.Globalization;
using System.Numerics;
using System.Text;

namespace Alerting.Core.Model;

/// <summary>
/// Go's <c>strconv.FormatFloat</c> for the 'e', 'E', 'f', 'g' and 'G' formats. Digits are generated
/// exactly (big-integer expansion of the binary value) and rounded half-to-even like Go's decimal type,
/// because .NET rounds exact ties away from zero and templates such as <c>%.4g</c> of 12345 would differ.
/// </summary>
public static class GoFloat
{
    /// <summary>Decimal digits without leading/trailing zeros; value = 0.digits × 10^Dp.</summary>
    private struct Digits
    {
        public string D;
        public int Dp;
        public bool Neg;
    }

    public static string Format(double v, char fmt, int prec, int bitSize = 64)
    {
        if (double.IsNaN(v))
        {
            return "NaN";
        }
        if (double.IsPositiveInfinity(v))
        {
            return "+Inf";
        }
        if (double.IsNegativeInfinity(v))
        {
            return "-Inf";
        }
        var shortest = prec < 0;
        Digits digs;
        if (shortest)
        {
            digs = Shortest(v, bitSize);
            prec = fmt switch
            {
                'e' or 'E' => digs.D.Length - 1,
                'f' => Math.Max(digs.D.Length - digs.Dp, 0),
                _ => digs.D.Length,
            };
        }
        else
        {
            digs = Exact(v);
            switch (fmt)
            {
                case 'e':
                case 'E':
                    Round(ref digs, prec + 1);
                    break;
                case 'f':
                    Round(ref digs, digs.Dp + prec);
                    break;
                case 'g':
                case 'G':
                    if (prec == 0)
                    {
                        prec = 1;
                    }
                    Round(ref digs, prec);
                    break;
            }
        }

        switch (fmt)
        {
            case 'e':
            case 'E':
                return FmtE(digs, prec, fmt);
            case 'f':
                return FmtF(digs, prec);
            case 'g':
            case 'G':
                var eprec = prec;
                if (eprec > digs.D.Length && digs.D.Length >= digs.Dp)
                {
                    eprec = digs.D.Length;
                }
                if (shortest)
                {
                    eprec = 6;
                }
                var exp = digs.Dp - 1;
                if (exp < -4 || exp >= eprec)
                {
                    if (prec > digs.D.Length)
                    {
                        prec = digs.D.Length;
                    }
                    return FmtE(digs, prec - 1, fmt == 'g' ? 'e' : 'E');
                }
                if (prec > digs.Dp)
                {
                    prec = digs.D.Length;
                }
                return FmtF(digs, Math.Max(prec - digs.Dp, 0));
            default:
                return "%" + fmt;
        }
    }

    private static Digits Shortest(double v, int bitSize)
    {
        var neg = v < 0 || (v == 0 && double.IsNegative(v));
        var s = bitSize == 32
            ? Math.Abs((float)v).ToString("R", CultureInfo.InvariantCulture)
            : Math.Abs(v).ToString("R", CultureInfo.InvariantCulture);
        var e = 0;
        var ei = s.IndexOfAny(['E', 'e']);
        if (ei >= 0)
        {
            e = int.Parse(s.AsSpan(ei + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            s = s[..ei];
        }
        var dot = s.IndexOf('.', StringComparison.Ordinal);
        string intPart = dot >= 0 ? s[..dot] : s, frac = dot >= 0 ? s[(dot + 1)..] : "";
        var all = intPart + frac;
        var dp = intPart.Length + e;
        var lead = 0;
        while (lead < all.Length && all[lead] == '0')
        {
            lead++;
        }
        all = all[lead..];
        dp -= lead;
        all = all.TrimEnd('0');
        if (all.Length == 0)
        {
            dp = 0;
        }
        return new Digits { D = all, Dp = dp, Neg = neg };
    }

    private static Digits Exact(double v)
    {
        var neg = v < 0 || (v == 0 && double.IsNegative(v));
        var bits = BitConverter.DoubleToInt64Bits(Math.Abs(v));
        var exp = (int)((bits >> 52) & 0x7FF);
        var mant = bits & 0xFFFFFFFFFFFFFL;
        if (exp == 0)
        {
            exp = 1;
        }
        else
        {
            mant |= 1L << 52;
        }
        exp -= 1075;
        if (mant == 0)
        {
            return new Digits { D = "", Dp = 0, Neg = neg };
        }
        string digits;
        int dp;
        if (exp >= 0)
        {
            digits = (new BigInteger(mant) << exp).ToString(CultureInfo.InvariantCulture);
            dp = digits.Length;
        }
        else
        {
            // mant / 2^k == mant * 5^k / 10^k
            var k = -exp;
            digits = (new BigInteger(mant) * BigInteger.Pow(5, k)).ToString(CultureInfo.InvariantCulture);
            dp = digits.Length - k;
        }
        var lead = 0;
        while (lead < digits.Length && digits[lead] == '0')
        {
            lead++;
        }
        digits = digits[lead..].TrimEnd('0');
        return new Digits { D = digits, Dp = dp - lead, Neg = neg };
    }

    private static void Round(ref Digits d, int nd)
    {
        if (nd < 0 || nd >= d.D.Length)
        {
            if (nd < 0)
            {
                d.D = "";
                d.Dp = 0;
            }
            return;
        }
        bool up;
        if (d.D[nd] == '5' && nd + 1 == d.D.Length)
        {
            up = nd > 0 && (d.D[nd - 1] - '0') % 2 == 1;
        }
        else
        {
            up = d.D[nd] >= '5';
        }
        if (!up)
        {
            d.D = d.D[..nd].TrimEnd('0');
            if (d.D.Length == 0)
            {
                d.Dp = 0;
            }
            return;
        }
        var chars = d.D[..nd].ToCharArray();
        var i = nd - 1;
        while (i >= 0 && chars[i] == '9')
        {
            i--;
        }
        if (i < 0)
        {
            d.D = "1";
            d.Dp++;
            return;
        }
        chars[i]++;
        d.D = new string(chars, 0, i + 1);
    }

    private static char DigitAt(Digits d, int i) => i >= 0 && i < d.D.Length ? d.D[i] : '0';

    private static string FmtE(Digits d, int prec, char fmt)
    {
        var sb = new StringBuilder();
        if (d.Neg)
        {
            sb.Append('-');
        }
        sb.Append(d.D.Length == 0 ? '0' : d.D[0]);
        if (prec > 0)
        {
            sb.Append('.');
            for (var i = 1; i <= prec; i++)
            {
                sb.Append(DigitAt(d, i));
            }
        }
        sb.Append(fmt);
        var exp = d.D.Length == 0 ? 0 : d.Dp - 1;
        sb.Append(exp < 0 ? '-' : '+');
        exp = Math.Abs(exp);
        if (exp < 10)
        {
            sb.Append('0');
        }
        sb.Append(exp.ToString(CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    private static string FmtF(Digits d, int prec)
    {
        var sb = new StringBuilder();
        if (d.Neg)
        {
            sb.Append('-');
        }
        if (d.Dp > 0)
        {
            for (var i = 0; i < d.Dp; i++)
            {
                sb.Append(DigitAt(d, i));
            }
        }
        else
        {
            sb.Append('0');
        }
        if (prec > 0)
        {
            sb.Append('.');
            for (var i = 0; i < prec; i++)
            {
                sb.Append(DigitAt(d, d.Dp + i));
            }
        }
        return sb.ToString();
    }
}
