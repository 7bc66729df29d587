using System.Text;
using System.Text.RegularExpressions;
using Alerting.Core.Model;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// Alertmanager's matcher syntax as used by <c>matchers:</c>, silences and <c>amtool</c>:
/// <c>name="value"</c>, <c>name=~"re"</c>, <c>name!=value</c> (quotes optional), lists separated by commas
/// and optionally wrapped in braces. Values may contain any UTF-8 and the escapes <c>\"</c>, <c>\\</c>,
/// <c>\n</c>; an unknown escape keeps its backslash, as Alertmanager does.
/// </summary>
public static partial class MatcherParser
{
    public static IReadOnlyList<LabelMatcher> ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text;
        if (s.StartsWith('{'))
        {
            s = s[1..];
        }
        if (s.EndsWith('}'))
        {
            s = s[..^1];
        }
        var tokens = new List<string>();
        var token = new StringBuilder();
        var insideQuotes = false;
        var escaped = false;
        foreach (var r in s)
        {
            switch (r)
            {
                case ',' when !insideQuotes:
                    tokens.Add(token.ToString());
                    token.Clear();
                    continue;
                case ',':
                    break;
                case '"':
                    if (!escaped)
                    {
                        insideQuotes = !insideQuotes;
                    }
                    else
                    {
                        escaped = false;
                    }
                    break;
                case '\\':
                    escaped = !escaped;
                    break;
                default:
                    escaped = false;
                    break;
            }
            token.Append(r);
        }
        var last = token.ToString().Trim(GoSpace);
        if (last.Length > 0)
        {
            tokens.Add(last);
        }
        return tokens.Select(Parse).ToArray();
    }

    public static LabelMatcher Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var m = MatcherPattern().Match(text);
        if (!m.Success)
        {
            throw new MatcherParseException($"bad matcher format: {text}");
        }
        var raw = m.Groups[3].Value;
        var original = raw;
        var expectTrailingQuote = false;
        if (raw.StartsWith('"'))
        {
            raw = raw[1..];
            expectTrailingQuote = true;
        }
        var value = new StringBuilder(raw.Length);
        var escaped = false;
        for (var i = 0; i < raw.Length; i++)
        {
            var r = raw[i];
            if (escaped)
            {
                escaped = false;
                switch (r)
                {
                    case 'n':
                        value.Append('\n');
                        break;
                    case '"' or '\\':
                        value.Append(r);
                        break;
                    default:
                        value.Append('\\').Append(r);
                        break;
                }
                continue;
            }
            switch (r)
            {
                case '\\' when i < raw.Length - 1:
                    escaped = true;
                    break;
                case '\\':
                    value.Append('\\');
                    break;
                case '"':
                    if (!expectTrailingQuote || i < raw.Length - 1)
                    {
                        throw new MatcherParseException($"matcher value contains unescaped double quote: {original}");
                    }
                    expectTrailingQuote = false;
                    break;
                default:
                    value.Append(r);
                    break;
            }
        }
        if (expectTrailingQuote)
        {
            throw new MatcherParseException($"matcher value contains unescaped double quote: {original}");
        }
        var type = m.Groups[2].Value switch
        {
            "=" => MatcherType.Equal,
            "!=" => MatcherType.NotEqual,
            "=~" => MatcherType.Regex,
            _ => MatcherType.NotRegex,
        };
        return Create(type, m.Groups[1].Value, value.ToString());
    }

    /// <summary>Builds a matcher, turning a bad regex into Go's wording ("error parsing regexp: ...").</summary>
    public static LabelMatcher Create(MatcherType type, string name, string value)
    {
        try
        {
            return new LabelMatcher(type, name, value);
        }
        catch (RegexParseException e)
        {
            throw new MatcherParseException(RegexError(value, e));
        }
    }

    internal static string RegexError(string value, RegexParseException e)
    {
        var code = e.Error switch
        {
            RegexParseError.InsufficientClosingParentheses => "missing closing )",
            RegexParseError.InsufficientOpeningParentheses => "unexpected )",
            RegexParseError.UnterminatedBracket => "missing closing ]",
            RegexParseError.QuantifierAfterNothing => "missing argument to repetition operator",
            RegexParseError.NestedQuantifiersNotParenthesized => "invalid nested repetition operator",
            RegexParseError.ReversedCharacterRange => "invalid character class range",
            RegexParseError.UnescapedEndingBackslash => "trailing backslash at end of expression",
            RegexParseError.ReversedQuantifierRange => "invalid repeat count",
            _ => "invalid regular expression (" + e.Error.ToString() + ")",
        };
        var expr = "^(?:" + value + ")$";
        if (e.Error == RegexParseError.UnterminatedBracket)
        {
            // RE2 quotes the unterminated class from its '[' to the end of the expression.
            var open = LastUnescaped(value, '[');
            if (open >= 0)
            {
                expr = expr[(open + 4)..];
            }
        }
        return $"error parsing regexp: {code}: `{expr}`";
    }

    private static int LastUnescaped(string s, char c)
    {
        var found = -1;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\')
            {
                i++;
            }
            else if (s[i] == c)
            {
                found = i;
            }
        }
        return found;
    }

    /// <summary>
    /// Alertmanager's rendering of a matcher: name, operator and the value in double quotes with only
    /// backslash, double quote and newline escaped (OpenMetrics escaping; other characters stay as is).
    /// </summary>
    public static string Format(LabelMatcher m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return m.Name + LabelMatcher.OperatorText(m.Type) + "\"" + Labels.Escape(m.Value) + "\"";
    }

    /// <summary><c>{a="b",c=~"d"}</c>, the form Alertmanager uses in route keys and the routing tree.</summary>
    public static string FormatList(IEnumerable<LabelMatcher> matchers) => "{" + string.Join(',', matchers.Select(Format)) + "}";

    /// <summary>Go's <c>strconv.Quote</c>: printable Unicode kept, the rest escaped (the one implementation is the template engine's).</summary>
    public static string GoQuote(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return Templating.GoQuote.Quote(s);
    }

    /// <summary>Alertmanager's matcher order: by name, then value, then operator.</summary>
    public static int Compare(LabelMatcher a, LabelMatcher b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var c = string.CompareOrdinal(a.Name, b.Name);
        if (c != 0)
        {
            return c;
        }
        c = string.CompareOrdinal(a.Value, b.Value);
        return c != 0 ? c : a.Type.CompareTo(b.Type);
    }

    private static readonly char[] GoSpace = [' ', '\t', '\n', '\r', '\f', '\v'];

    [GeneratedRegex(@"^[ \t\n\f\r]*([a-zA-Z_:][a-zA-Z0-9_:]*)[ \t\n\f\r]*(=~|=|!=|!~)[ \t\n\f\r]*(.*?)[ \t\n\f\r]*\z", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex MatcherPattern();
}

/// <summary>A matcher string that Alertmanager would reject; the message is Alertmanager's.</summary>
public sealed class MatcherParseException : FormatException
{
    public MatcherParseException()
    {
    }

    public MatcherParseException(string message)
        : base(message)
    {
    }

    public MatcherParseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
