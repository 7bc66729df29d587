using System.Globalization;
using System.Text;

namespace Alerting.Core.Collection.Exposition;

/// <summary>
/// Formats doubles exactly as Go's <c>strconv.FormatFloat(v, 'g', -1, 64)</c>, which is what Prometheus,
/// client_golang and the Pushgateway write: shortest round-trip digits, exponent form when the decimal
/// exponent is below -4 or at least 6 (e.g. <c>1e+06</c>, <c>1.7955282656151378e+09</c>, <c>1e-05</c>),
/// and <c>+Inf</c>/<c>-Inf</c>/<c>NaN</c>.
/// </summary>
public static class GoFloat
{
    public static string Format(double v)
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
        if (v == 0)
        {
            return double.IsNegative(v) ? "-0" : "0";
        }

        // "E16" is not always shortest; "R" is. Pull digits and exponent out of the round-trip form.
        var r = v.ToString("R", CultureInfo.InvariantCulture);
        var negative = r.StartsWith('-');
        if (negative)
        {
            r = r[1..];
        }
        var exp = 0;
        var e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        var dot = r.IndexOf('.');
        var intPart = dot < 0 ? r : r[..dot];
        var fracPart = dot < 0 ? string.Empty : r[(dot + 1)..];
        var digits = (intPart + fracPart).TrimStart('0');
        var leadingZeros = (intPart + fracPart).Length - digits.Length;
        // Decimal point position relative to the first significant digit.
        var dp = intPart.Length + exp - leadingZeros;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            return negative ? "-0" : "0";
        }

        var sb = new StringBuilder(24);
        if (negative)
        {
            sb.Append('-');
        }
        var x = dp - 1;
        // Go decides %e vs %f with precision 6 when printing the shortest representation.
        if (x < -4 || x >= 6)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1)
            {
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            }
            sb.Append('e').Append(x < 0 ? '-' : '+');
            var ax = Math.Abs(x);
            if (ax < 10)
            {
                sb.Append('0');
            }
            sb.Append(ax.ToString(CultureInfo.InvariantCulture));
            return sb.ToString();
        }
        if (dp <= 0)
        {
            sb.Append("0.").Append('0', -dp).Append(digits);
        }
        else if (dp >= digits.Length)
        {
            sb.Append(digits).Append('0', dp - digits.Length);
        }
        else
        {
            sb.Append(digits, 0, dp).Append('.').Append(digits, dp, digits.Length - dp);
        }
        return sb.ToString();
    }
}
