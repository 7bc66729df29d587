using Alerting.Core.Rules;

using Alerting.Core.PromQL;

namespace Alerting.Tooling.Rules;

/// <summary>
/// Reports the commonest malformed series descriptions the way Prometheus' series parser does, so
/// <c>input_series</c> mistakes read the same as under promtool: an unclosed brace
/// ("1:48: parse error: unexpected character inside braces: '0'"), a missing comma
/// ("unexpected identifier "c" in label set, expected "," or "}"") or a matcher other than '='
/// ("unexpected &lt;op:=~&gt; in label set, expected "=""). Anything else is left to the series
/// notation parser. promtool parses each series on its own, so the line is always 1.
/// </summary>
internal static class SeriesDescriptionCheck
{
    /// <summary>Prometheus' error for this series line, or null when it is fine or not a shape we recognise.</summary>
    public static string? Problem(string line)
    {
        var open = line.IndexOf('{', StringComparison.Ordinal);
        var firstSpace = line.IndexOfAny([' ', '\t']);
        if (open < 0 || (firstSpace >= 0 && firstSpace < open))
        {
            return null;
        }
        var i = open + 1;
        var expectLabel = true;
        while (true)
        {
            SkipSpaces(line, ref i);
            if (i >= line.Length)
            {
                return Error(i, "unexpected end of input inside braces");
            }
            var c = line[i];
            if (c == '}')
            {
                return null;
            }
            if (expectLabel)
            {
                if (!IsLabelStart(c))
                {
                    return Lexable(c) ? null : Error(i, LexError(line, i));
                }
                while (i < line.Length && (IsLabelStart(line[i]) || char.IsAsciiDigit(line[i])))
                {
                    i++;
                }
                SkipSpaces(line, ref i);
                if (i >= line.Length)
                {
                    return Error(i, "unexpected end of input inside braces");
                }
                if (line[i] == '!' || (line[i] == '=' && i + 1 < line.Length && line[i + 1] == '~'))
                {
                    var op = line[i] == '=' ? "=~" : i + 1 < line.Length && line[i + 1] is '=' or '~' ? "!" + line[i + 1] : "!";
                    if (op == "!")
                    {
                        return Error(i, $"unexpected character after '!' inside braces: {Rune(i + 1 < line.Length ? line[i + 1] : '\0')}");
                    }
                    return Error(i, $"unexpected <op:{op}> in label set, expected \"=\"");
                }
                if (line[i] != '=')
                {
                    return Lexable(line[i]) ? null : Error(i, LexError(line, i));
                }
                i++;
                SkipSpaces(line, ref i);
                if (i >= line.Length)
                {
                    return Error(i, "unexpected end of input inside braces");
                }
                if (line[i] is not ('"' or '\'' or '`'))
                {
                    return Lexable(line[i]) ? null : Error(i, LexError(line, i));
                }
                var quote = line[i++];
                while (i < line.Length && line[i] != quote)
                {
                    i += line[i] == '\\' && quote != '`' ? 2 : 1;
                }
                if (i >= line.Length)
                {
                    return null; // unterminated string: the notation parser words it
                }
                i++;
                expectLabel = false;
                continue;
            }
            if (c == ',')
            {
                i++;
                expectLabel = true;
                continue;
            }
            if (IsLabelStart(c))
            {
                var start = i;
                while (i < line.Length && (IsLabelStart(line[i]) || char.IsAsciiDigit(line[i])))
                {
                    i++;
                }
                return Error(start, $"unexpected identifier \"{line[start..i]}\" in label set, expected \",\" or \"}}\"");
            }
            return Lexable(c) ? null : Error(i, LexError(line, i));
        }
    }

    private static bool IsLabelStart(char c) => char.IsAsciiLetter(c) || c == '_';

    /// <summary>Characters Prometheus' lexer accepts inside braces (the parser, not the lexer, would complain).</summary>
    private static bool Lexable(char c) => c is ',' or '"' or '\'' or '`' or '=' or '!' or '}' || IsLabelStart(c);

    private static string LexError(string line, int i) =>
        line[i] == '{' ? $"unexpected left brace {Rune('{')}" : $"unexpected character inside braces: {Rune(line[i])}";

    private static string Rune(char c) => c == '\'' ? "'\\''" : $"'{c}'";

    private static void SkipSpaces(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t' or '\n' or '\r')
        {
            i++;
        }
    }

    private static string Error(int pos, string detail) => $"1:{pos + 1}: parse error: {detail}";
}
