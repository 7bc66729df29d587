using Alerting.Core.Model;
using System.Globalization;
using System.Text;

namespace Alerting.Core.Templating;

/// <summary>
/// Go's <c>fmt</c> package as templates use it: <c>Sprint</c>, <c>Sprintln</c> and <c>Sprintf</c> with the
/// common verbs, flags, width and precision, including Go's <c>%!verb(type=value)</c> error forms.
/// </summary>
internal static class GoFmt
{
    private sealed class Spec
    {
        public bool Plus, Minus, Sharp, Space, Zero;
        public int? Width, Prec;

        public bool PlusV, SharpV;
    }

    public static string Sprint(IReadOnlyList<object?> args)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < args.Count; i++)
        {
            var isString = args[i] is string;
            if (i > 0 && !isString && args[i - 1] is not string)
            {
                sb.Append(' ');
            }
            PrintArg(sb, args[i], 'v', new Spec());
        }
        return sb.ToString();
    }

    public static string Sprintln(IReadOnlyList<object?> args)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < args.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }
            PrintArg(sb, args[i], 'v', new Spec());
        }
        return sb.Append('\n').ToString();
    }

    /// <summary>The <c>%v</c> form of one value (what a template action prints).</summary>
    public static string Value(object? v)
    {
        var sb = new StringBuilder();
        PrintArg(sb, v, 'v', new Spec());
        return sb.ToString();
    }

    public static string Sprintf(string format, IReadOnlyList<object?> args)
    {
        var sb = new StringBuilder();
        var argNum = 0;
        var i = 0;
        while (i < format.Length)
        {
            var c = format[i];
            if (c != '%')
            {
                sb.Append(c);
                i++;
                continue;
            }
            i++;
            var spec = new Spec();
            for (; i < format.Length; i++)
            {
                switch (format[i])
                {
                    case '+': spec.Plus = true; continue;
                    case '-': spec.Minus = true; spec.Zero = false; continue;
                    case '#': spec.Sharp = true; continue;
                    case ' ': spec.Space = true; continue;
                    case '0': spec.Zero = !spec.Minus; continue;
                }
                break;
            }
            if (i < format.Length && format[i] == '*')
            {
                i++;
                if (argNum < args.Count && GoValues.Kind(args[argNum]) == GoKind.Int)
                {
                    var w = GoValues.ToInt64(args[argNum]!);
                    if (w < 0)
                    {
                        spec.Minus = true;
                        spec.Zero = false;
                        w = -w;
                    }
                    spec.Width = (int)w;
                }
                else
                {
                    sb.Append("%!(BADWIDTH)");
                }
                argNum++;
            }
            else
            {
                spec.Width = ParseNum(format, ref i);
            }
            if (i < format.Length && format[i] == '.')
            {
                i++;
                if (i < format.Length && format[i] == '*')
                {
                    i++;
                    if (argNum < args.Count && GoValues.Kind(args[argNum]) == GoKind.Int)
                    {
                        var p = GoValues.ToInt64(args[argNum]!);
                        spec.Prec = p < 0 ? null : (int)p;
                    }
                    else
                    {
                        sb.Append("%!(BADPREC)");
                    }
                    argNum++;
                }
                else
                {
                    spec.Prec = ParseNum(format, ref i) ?? 0;
                }
            }
            if (i >= format.Length)
            {
                sb.Append("%!(NOVERB)");
                break;
            }
            var verb = char.ConvertToUtf32(format, i);
            i += char.IsSurrogatePair(format, i) ? 2 : 1;
            if (verb == '%')
            {
                sb.Append('%');
                continue;
            }
            if (argNum >= args.Count)
            {
                sb.Append("%!").Append(char.ConvertFromUtf32(verb)).Append("(MISSING)");
                continue;
            }
            if (verb == 'v')
            {
                if (spec.Sharp)
                {
                    spec.Sharp = false;
                    spec.SharpV = true;
                }
                if (spec.Plus)
                {
                    spec.Plus = false;
                    spec.PlusV = true;
                }
            }
            PrintArg(sb, args[argNum++], verb > char.MaxValue ? '?' : (char)verb, spec);
        }
        if (argNum < args.Count)
        {
            sb.Append("%!(EXTRA ");
            for (var k = argNum; k < args.Count; k++)
            {
                if (k > argNum)
                {
                    sb.Append(", ");
                }
                if (args[k] is null)
                {
                    sb.Append("<nil>");
                }
                else
                {
                    sb.Append(GoValues.TypeName(args[k])).Append('=');
                    PrintArg(sb, args[k], 'v', new Spec());
                }
            }
            sb.Append(')');
        }
        return sb.ToString();
    }

    private static int? ParseNum(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }
        return i == start ? null : int.Parse(s.AsSpan(start, i - start), CultureInfo.InvariantCulture);
    }

    /// <summary>Go's badVerb: the value is printed with %v under the directive's own flags, width and precision.</summary>
    private static void BadVerb(StringBuilder sb, object? v, char verb, Spec? spec = null)
    {
        sb.Append("%!").Append(verb).Append('(');
        if (v is null)
        {
            sb.Append("<nil>");
        }
        else
        {
            sb.Append(GoValues.TypeName(v)).Append('=');
            PrintArg(sb, v, 'v', spec ?? new Spec());
        }
        sb.Append(')');
    }

    private static void PrintArg(StringBuilder sb, object? v, char verb, Spec spec)
    {
        if (v is null)
        {
            if (verb is 'v' or 's')
            {
                Pad(sb, "<nil>", spec);
            }
            else
            {
                BadVerb(sb, v, verb);
            }
            return;
        }
        if (verb == 'T')
        {
            Pad(sb, GoValues.TypeName(v), spec);
            return;
        }
        switch (v)
        {
            case bool b:
                if (verb is 'v' or 't')
                {
                    Pad(sb, b ? "true" : "false", spec);
                }
                else
                {
                    BadVerb(sb, v, verb, spec);
                }
                return;
            case string s:
                FmtString(sb, s, verb, spec);
                return;
            case IGoStringer str when verb is 'v' or 's' or 'q' or 'x' or 'X' && !spec.SharpV:
                FmtString(sb, str.GoString(), verb, spec);
                return;
            case DateTimeOffset t when verb is 'v' or 's' or 'q' or 'x' or 'X' && !spec.SharpV:
                FmtString(sb, GoTime.String(t), verb, spec);
                return;
            case TimeSpan d when verb is 'v' or 's' or 'q' or 'x' or 'X' && !spec.SharpV:
                FmtString(sb, GoTime.DurationString(d), verb, spec);
                return;
            case TimeSpan d:
                FmtInteger(sb, d.Ticks * 100, false, verb, spec, v);
                return;
        }
        switch (GoValues.Kind(v))
        {
            case GoKind.Int:
                FmtInteger(sb, GoValues.ToInt64(v), false, verb, spec, v);
                return;
            case GoKind.Uint:
                FmtInteger(sb, unchecked((long)GoValues.ToUInt64(v)), true, verb, spec, v);
                return;
            case GoKind.Float:
                FmtFloat(sb, GoValues.ToDouble(v), v is float ? 32 : 64, verb, spec, v);
                return;
            case GoKind.Map:
                var map = GoValues.AsMap(v)!;
                sb.Append(spec.SharpV ? GoValues.TypeName(v) + "{" : "map[");
                var first = true;
                foreach (var kv in map.Sorted)
                {
                    if (!first)
                    {
                        sb.Append(spec.SharpV ? ", " : " ");
                    }
                    first = false;
                    PrintArg(sb, kv.Key, verb, spec);
                    sb.Append(':');
                    PrintArg(sb, kv.Value, verb, spec);
                }
                sb.Append(spec.SharpV ? '}' : ']');
                return;
            case GoKind.Slice:
                var list = GoValues.AsList(v);
                if (spec.SharpV)
                {
                    sb.Append(GoValues.TypeName(v)).Append('{');
                }
                else
                {
                    sb.Append('[');
                }
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(spec.SharpV ? ", " : " ");
                    }
                    PrintArg(sb, list[i], verb, spec);
                }
                sb.Append(spec.SharpV ? '}' : ']');
                return;
            case GoKind.Func:
                sb.Append("0x1");
                return;
            default:
                sb.Append('{');
                var firstField = true;
                foreach (var (name, value) in GoValues.Fields(v))
                {
                    if (!firstField)
                    {
                        sb.Append(spec.SharpV ? ", " : " ");
                    }
                    firstField = false;
                    if (spec.PlusV || spec.SharpV)
                    {
                        sb.Append(name).Append(':');
                    }
                    PrintArg(sb, value, verb, spec);
                }
                sb.Append('}');
                return;
        }
    }

    private static void FmtString(StringBuilder sb, string s, char verb, Spec spec)
    {
        switch (verb)
        {
            case 'v':
                if (spec.SharpV)
                {
                    Pad(sb, GoQuote.Quote(s), spec);
                }
                else
                {
                    Pad(sb, Truncate(s, spec), spec);
                }
                return;
            case 's':
                Pad(sb, Truncate(s, spec), spec);
                return;
            case 'q':
                var t = Truncate(s, spec);
                Pad(sb, spec.Sharp && GoQuote.CanBackquote(t) ? "`" + t + "`" : (spec.Plus ? GoQuote.QuoteAscii(t) : GoQuote.Quote(t)), spec);
                return;
            case 'x':
            case 'X':
                var bytes = Encoding.UTF8.GetBytes(s);
                if (spec.Prec is { } p && p < bytes.Length)
                {
                    bytes = bytes[..p];
                }
                var hex = new StringBuilder();
                for (var i = 0; i < bytes.Length; i++)
                {
                    if (spec.Space && i > 0)
                    {
                        hex.Append(' ');
                    }
                    if (spec.Sharp && (spec.Space || i == 0))
                    {
                        hex.Append(verb == 'x' ? "0x" : "0X");
                    }
                    hex.Append(bytes[i].ToString(verb == 'x' ? "x2" : "X2", CultureInfo.InvariantCulture));
                }
                Pad(sb, hex.ToString(), spec);
                return;
            default:
                BadVerb(sb, s, verb, spec);
                return;
        }
    }

    private static string Truncate(string s, Spec spec)
    {
        if (spec.Prec is not { } p)
        {
            return s;
        }
        var runes = s.EnumerateRunes().ToArray();
        if (p >= runes.Length)
        {
            return s;
        }
        return string.Concat(runes.Take(p).Select(r => r.ToString()));
    }

    private static void FmtInteger(StringBuilder sb, long v, bool unsigned, char verb, Spec spec, object original)
    {
        var neg = !unsigned && v < 0;
        var mag = unsigned ? unchecked((ulong)v) : (neg ? unchecked((ulong)(-v)) : (ulong)v);
        string digits;
        var prefix = "";
        switch (verb)
        {
            case 'v':
            case 'd':
                digits = mag.ToString(CultureInfo.InvariantCulture);
                break;
            case 'b':
                digits = Convert.ToString(unchecked((long)mag), 2);
                if (spec.Sharp)
                {
                    prefix = "0b";
                }
                break;
            case 'o':
            case 'O':
                digits = Convert.ToString(unchecked((long)mag), 8);
                if (verb == 'O')
                {
                    prefix = "0o";
                }
                else if (spec.Sharp && digits != "0")
                {
                    prefix = "0";
                }
                break;
            case 'x':
                digits = mag.ToString("x", CultureInfo.InvariantCulture);
                if (spec.Sharp)
                {
                    prefix = "0x";
                }
                break;
            case 'X':
                digits = mag.ToString("X", CultureInfo.InvariantCulture);
                if (spec.Sharp)
                {
                    prefix = "0X";
                }
                break;
            case 'c':
                Pad(sb, RuneString(v), spec);
                return;
            case 'q':
                Pad(sb, GoQuote.QuoteRune(v), spec);
                return;
            case 'U':
                var u = "U+" + mag.ToString("X4", CultureInfo.InvariantCulture);
                if (spec.Sharp && v is >= 0 and <= 0x10FFFF)
                {
                    u += " '" + RuneString(v) + "'";
                }
                Pad(sb, u, spec);
                return;
            default:
                BadVerb(sb, original, verb, spec);
                return;
        }
        if (spec.Prec is { } p)
        {
            if (p == 0 && mag == 0)
            {
                digits = "";
            }
            digits = digits.PadLeft(p, '0');
        }
        var sign = neg ? "-" : spec.Plus ? "+" : spec.Space ? " " : "";
        if (spec.Zero && spec.Prec is null && spec.Width is { } w && !spec.Minus)
        {
            var body = digits.PadLeft(Math.Max(w - sign.Length - prefix.Length, 0), '0');
            sb.Append(sign).Append(prefix).Append(body);
            return;
        }
        Pad(sb, sign + prefix + digits, spec);
    }

    private static string RuneString(long v) =>
        v is >= 0 and <= 0x10FFFF and not (>= 0xD800 and <= 0xDFFF) ? char.ConvertFromUtf32((int)v) : "\uFFFD";

    private static void FmtFloat(StringBuilder sb, double v, int size, char verb, Spec spec, object original)
    {
        string num;
        switch (verb)
        {
            case 'v':
                num = GoFloat.Format(v, 'g', spec.Prec ?? -1, size);
                break;
            case 'g':
            case 'G':
                num = GoFloat.Format(v, verb, spec.Prec ?? -1, size);
                break;
            case 'e':
            case 'E':
            case 'f':
                num = GoFloat.Format(v, verb, spec.Prec ?? 6, size);
                break;
            case 'F':
                num = GoFloat.Format(v, 'f', spec.Prec ?? 6, size);
                break;
            default:
                BadVerb(sb, original, verb, spec);
                return;
        }
        if (num is "NaN" or "+Inf" or "-Inf")
        {
            if (num == "NaN" && (spec.Plus || spec.Space))
            {
                num = (spec.Plus ? "+" : " ") + num;
            }
            else if (num == "+Inf" && !spec.Plus)
            {
                num = spec.Space ? " Inf" : "+Inf";
            }
            var zero = spec.Zero;
            spec.Zero = false;
            Pad(sb, num, spec);
            spec.Zero = zero;
            return;
        }
        if (spec.Sharp && !num.Contains('.', StringComparison.Ordinal) && !num.Contains('e', StringComparison.OrdinalIgnoreCase))
        {
            num += ".";
        }
        var sign = "";
        if (num.StartsWith('-'))
        {
            sign = "-";
            num = num[1..];
        }
        else if (spec.Plus)
        {
            sign = "+";
        }
        else if (spec.Space)
        {
            sign = " ";
        }
        if (spec.Zero && spec.Width is { } w && !spec.Minus)
        {
            sb.Append(sign).Append(num.PadLeft(Math.Max(w - sign.Length, 0), '0'));
            return;
        }
        Pad(sb, sign + num, spec);
    }

    private static void Pad(StringBuilder sb, string s, Spec spec)
    {
        if (spec.Width is not { } w)
        {
            sb.Append(s);
            return;
        }
        var len = s.EnumerateRunes().Count();
        if (len >= w)
        {
            sb.Append(s);
            return;
        }
        var padChar = spec.Zero && !spec.Minus ? '0' : ' ';
        if (spec.Minus)
        {
            sb.Append(s).Append(' ', w - len);
        }
        else
        {
            sb.Append(padChar, w - len).Append(s);
        }
    }
}
