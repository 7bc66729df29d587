using System.Text;

namespace Alerting.Core.Templating;

/// <summary>Trusted HTML (Go's <c>template.HTML</c>, from <c>safeHtml</c>): printed unescaped in HTML text.</summary>
[GoTypeName("template.HTML")]
public sealed record SafeHtml(string Value) : IGoStringer
{
    public string GoString() => Value;
}

/// <summary>Trusted URL (Go's <c>template.URL</c>, from <c>safeUrl</c>): not filtered for unsafe schemes.</summary>
[GoTypeName("template.URL")]
public sealed record SafeUrl(string Value) : IGoStringer
{
    public string GoString() => Value;
}

/// <summary>
/// An approximation of Go's html/template contextual auto-escaping, enough for notification templates
/// such as Alertmanager's email.tmpl: the context of each printed value (HTML text, quoted or unquoted
/// attribute, URL attribute start/path/query) is read from the output written so far, and the value is
/// escaped with the same escaper html/template would insert. HTML comments in template text are dropped,
/// and nil values print as nothing, as html/template does. JavaScript and CSS contexts are escaped as
/// attributes/text rather than with Go's JS/CSS escapers.
/// </summary>
internal static class HtmlEscaping
{
    private enum Ctx
    {
        Text,
        Tag,
        AttrQuoted,
        AttrUnquoted,
    }

    public static string Escape(StringBuilder output, object? value, string? lastFunction)
    {
        if (value is null)
        {
            return "";
        }
        var (ctx, attrName, attrSoFar) = Detect(output);
        var isHtml = value is SafeHtml;
        var isUrl = value is SafeUrl;
        var s = GoFmt.Value(value);
        if (ctx == Ctx.Text)
        {
            return isHtml || lastFunction == "html" ? s : Html(s, normalize: false);
        }
        if (ctx == Ctx.Tag)
        {
            return Html(s, normalize: false, noSpace: true);
        }
        if (IsUrlAttr(attrName))
        {
            var inQuery = attrSoFar.IndexOfAny(['?', '#']) >= 0;
            if (lastFunction != "urlquery")
            {
                if (attrSoFar.Length == 0 && !isUrl && !IsSafeScheme(s))
                {
                    s = "#ZgotmplZ";
                }
                s = ProcessUrl(s, norm: !inQuery || isUrl);
            }
        }
        if (lastFunction == "html")
        {
            return s;
        }
        if (isHtml)
        {
            s = StripTags(s);
        }
        return ctx == Ctx.AttrUnquoted ? Html(s, normalize: isHtml, noSpace: true) : Html(s, normalize: isHtml);
    }

    private static (Ctx Ctx, string AttrName, string AttrSoFar) Detect(StringBuilder output)
    {
        var lt = -1;
        for (var i = output.Length - 1; i >= 0; i--)
        {
            var c = output[i];
            if (c == '>')
            {
                return (Ctx.Text, "", "");
            }
            if (c == '<')
            {
                lt = i;
                break;
            }
        }
        if (lt < 0 || lt + 1 >= output.Length || !char.IsAsciiLetter(output[lt + 1]))
        {
            return (Ctx.Text, "", "");
        }
        var tag = output.ToString(lt, output.Length - lt);
        var p = 1;
        while (p < tag.Length && !char.IsWhiteSpace(tag[p]) && tag[p] != '/')
        {
            p++;
        }
        while (true)
        {
            while (p < tag.Length && (char.IsWhiteSpace(tag[p]) || tag[p] == '/'))
            {
                p++;
            }
            if (p >= tag.Length)
            {
                return (Ctx.Tag, "", "");
            }
            var nameStart = p;
            while (p < tag.Length && !char.IsWhiteSpace(tag[p]) && tag[p] != '=')
            {
                p++;
            }
            var name = tag[nameStart..p].ToLowerInvariant();
            var q = p;
            while (q < tag.Length && char.IsWhiteSpace(tag[q]))
            {
                q++;
            }
            if (q >= tag.Length)
            {
                return (Ctx.Tag, "", "");
            }
            if (tag[q] != '=')
            {
                continue;
            }
            q++;
            while (q < tag.Length && char.IsWhiteSpace(tag[q]))
            {
                q++;
            }
            if (q >= tag.Length)
            {
                return (Ctx.AttrUnquoted, name, "");
            }
            if (tag[q] is '"' or '\'')
            {
                var quote = tag[q];
                var close = tag.IndexOf(quote, q + 1);
                if (close < 0)
                {
                    return (Ctx.AttrQuoted, name, tag[(q + 1)..]);
                }
                p = close + 1;
                continue;
            }
            var end = q;
            while (end < tag.Length && !char.IsWhiteSpace(tag[end]))
            {
                end++;
            }
            if (end >= tag.Length)
            {
                return (Ctx.AttrUnquoted, name, tag[q..]);
            }
            p = end;
        }
    }

    private static bool IsUrlAttr(string name)
    {
        if (name.StartsWith("data-", StringComparison.Ordinal))
        {
            name = name[5..];
        }
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            name = name[(colon + 1)..];
        }
        return name is "action" or "archive" or "background" or "cite" or "classid" or "codebase" or "data" or "formaction"
                or "href" or "icon" or "longdesc" or "manifest" or "poster" or "profile" or "src" or "usemap" or "xmlns"
            || name.Contains("src", StringComparison.Ordinal) || name.Contains("uri", StringComparison.Ordinal) || name.Contains("url", StringComparison.Ordinal);
    }

    private static bool IsSafeScheme(string url)
    {
        var colon = url.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || url.IndexOf('/', StringComparison.Ordinal) is var slash && slash >= 0 && slash < colon)
        {
            return true;
        }
        var scheme = url[..colon].ToLowerInvariant();
        return scheme is "http" or "https" or "mailto";
    }

    /// <summary>Go's processURLOnto: percent-encode (lower-case hex) bytes outside the allowed set; normalizing keeps reserved characters and '%'.</summary>
    private static string ProcessUrl(string s, bool norm)
    {
        var sb = new StringBuilder(s.Length + 8);
        foreach (var b in Encoding.UTF8.GetBytes(s))
        {
            var c = (char)b;
            var keep = c switch
            {
                '!' or '#' or '$' or '&' or '*' or '+' or ',' or '/' or ':' or ';' or '=' or '?' or '@' or '[' or ']' => norm,
                '-' or '.' or '_' or '~' => true,
                '%' => norm,
                _ => char.IsAsciiLetterOrDigit(c),
            };
            if (keep)
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('%').Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    private static string Html(string s, bool normalize, bool noSpace = false)
    {
        var sb = new StringBuilder(s.Length + 16);
        foreach (var c in s)
        {
            var r = c switch
            {
                '\0' => "\uFFFD",
                '"' => "&#34;",
                '&' when !normalize => "&amp;",
                '\'' => "&#39;",
                '+' => "&#43;",
                '<' => "&lt;",
                '>' => "&gt;",
                '\t' when noSpace => "&#9;",
                '\n' when noSpace => "&#10;",
                '\v' when noSpace => "&#11;",
                '\f' when noSpace => "&#12;",
                '\r' when noSpace => "&#13;",
                ' ' when noSpace => "&#32;",
                '=' when noSpace => "&#61;",
                '`' when noSpace => "&#96;",
                _ => null,
            };
            if (r is null)
            {
                sb.Append(c);
            }
            else
            {
                sb.Append(r);
            }
        }
        return sb.ToString();
    }

    private static string StripTags(string s)
    {
        var sb = new StringBuilder(s.Length);
        var inTag = false;
        foreach (var c in s)
        {
            if (c == '<')
            {
                inTag = true;
            }
            else if (c == '>' && inTag)
            {
                inTag = false;
            }
            else if (!inTag)
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    /// <summary>Drops HTML comments from template text, as html/template does; <paramref name="inComment"/> carries across text nodes.</summary>
    public static string StripComments(string text, ref bool inComment)
    {
        var sb = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (inComment)
            {
                var end = text.IndexOf("-->", i, StringComparison.Ordinal);
                if (end < 0)
                {
                    return sb.ToString();
                }
                i = end + 3;
                inComment = false;
                continue;
            }
            var start = text.IndexOf("<!--", i, StringComparison.Ordinal);
            if (start < 0)
            {
                sb.Append(text, i, text.Length - i);
                break;
            }
            sb.Append(text, i, start - i);
            i = start + 4;
            inComment = true;
        }
        return sb.ToString();
    }
}
