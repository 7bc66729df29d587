using System.Globalization;
using System.Text;

namespace Alerting.Core.Templating;

/// <summary>Go's <c>strconv</c> quoting and unquoting (template literals, <c>%q</c>).</summary>
internal static class GoQuote
{
    public static bool IsPrint(Rune r)
    {
        if (r.Value == ' ')
        {
            return true;
        }
        return Rune.GetUnicodeCategory(r) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator => false,
            _ => true,
        };
    }

    public static string Quote(string s) => QuoteWith(s, '"', asciiOnly: false);

    public static string QuoteAscii(string s) => QuoteWith(s, '"', asciiOnly: true);

    public static string QuoteRune(long r)
    {
        if (r is < 0 or > 0x10FFFF or (>= 0xD800 and <= 0xDFFF))
        {
            r = 0xFFFD;
        }
        var sb = new StringBuilder("'");
        AppendEscaped(sb, new Rune((int)r), '\'', false);
        return sb.Append('\'').ToString();
    }

    public static bool CanBackquote(string s)
    {
        foreach (var c in s)
        {
            if ((c < ' ' && c != '\t') || c == '`' || c == '\u007F' || c == '\uFEFF')
            {
                return false;
            }
        }
        return true;
    }

    private static string QuoteWith(string s, char quote, bool asciiOnly)
    {
        var sb = new StringBuilder();
        sb.Append(quote);
        foreach (var r in s.EnumerateRunes())
        {
            AppendEscaped(sb, r, quote, asciiOnly);
        }
        return sb.Append(quote).ToString();
    }

    private static void AppendEscaped(StringBuilder sb, Rune r, char quote, bool asciiOnly)
    {
        var v = r.Value;
        if (v == quote || v == '\\')
        {
            sb.Append('\\').Append((char)v);
            return;
        }
        if (asciiOnly ? v < 0x80 && IsPrint(r) : IsPrint(r))
        {
            sb.Append(r.ToString());
            return;
        }
        switch (v)
        {
            case '\a': sb.Append("\\a"); return;
            case '\b': sb.Append("\\b"); return;
            case '\f': sb.Append("\\f"); return;
            case '\n': sb.Append("\\n"); return;
            case '\r': sb.Append("\\r"); return;
            case '\t': sb.Append("\\t"); return;
            case '\v': sb.Append("\\v"); return;
        }
        if (v < ' ' || v == 0x7F)
        {
            sb.Append("\\x").Append(v.ToString("x2", CultureInfo.InvariantCulture));
        }
        else if (v < 0x10000)
        {
            sb.Append("\\u").Append(v.ToString("x4", CultureInfo.InvariantCulture));
        }
        else
        {
            sb.Append("\\U").Append(v.ToString("x8", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Go's <c>strconv.Unquote</c> for "...", `...` and '...' literals; throws <see cref="FormatException"/> ("invalid syntax").</summary>
    public static string Unquote(string s)
    {
        if (s.Length < 2)
        {
            throw new FormatException("invalid syntax");
        }
        var q = s[0];
        if (q != s[^1])
        {
            throw new FormatException("invalid syntax");
        }
        var body = s[1..^1];
        if (q == '`')
        {
            if (body.Contains('`', StringComparison.Ordinal))
            {
                throw new FormatException("invalid syntax");
            }
            return body.Replace("\r", "", StringComparison.Ordinal);
        }
        if (q != '"' && q != '\'')
        {
            throw new FormatException("invalid syntax");
        }
        var sb = new StringBuilder();
        var i = 0;
        while (i < body.Length)
        {
            var c = body[i];
            if (c == q && q == '"')
            {
                throw new FormatException("invalid syntax");
            }
            if (c == '\n')
            {
                throw new FormatException("invalid syntax");
            }
            if (c != '\\')
            {
                sb.Append(c);
                i++;
                continue;
            }
            i++;
            if (i >= body.Length)
            {
                throw new FormatException("invalid syntax");
            }
            var e = body[i++];
            switch (e)
            {
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case '\\': sb.Append('\\'); break;
                case '\'':
                case '"':
                    if (e != q)
                    {
                        throw new FormatException("invalid syntax");
                    }
                    sb.Append(e);
                    break;
                case 'x':
                    sb.Append((char)Hex(body, ref i, 2));
                    break;
                case 'u':
                    sb.Append(char.ConvertFromUtf32(Hex(body, ref i, 4)));
                    break;
                case 'U':
                    sb.Append(char.ConvertFromUtf32(Hex(body, ref i, 8)));
                    break;
                case >= '0' and <= '7':
                    if (i + 2 > body.Length)
                    {
                        throw new FormatException("invalid syntax");
                    }
                    var oct = Convert.ToInt32(body.Substring(i - 1, 3), 8);
                    if (oct > 255)
                    {
                        throw new FormatException("invalid syntax");
                    }
                    sb.Append((char)oct);
                    i += 2;
                    break;
                default:
                    throw new FormatException("invalid syntax");
            }
        }
        var result = sb.ToString();
        if (q == '\'' && result.EnumerateRunes().Count() != 1)
        {
            throw new FormatException("invalid syntax");
        }
        return result;
    }

    private static int Hex(string s, ref int i, int n)
    {
        if (i + n > s.Length || !int.TryParse(s.AsSpan(i, n), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v))
        {
            throw new FormatException("invalid syntax");
        }
        i += n;
        if (v > 0x10FFFF || v is >= 0xD800 and <= 0xDFFF && n > 2)
        {
            throw new FormatException("invalid syntax");
        }
        return v;
    }
}
