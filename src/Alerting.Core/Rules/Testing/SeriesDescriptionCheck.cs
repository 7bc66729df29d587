using Alerting.Core.PromQL;

namespace Alerting.Core.Rules.Testing;

/// <summary>
/// Catches the malformed series descriptions promtool rejects with a positioned parse error (for
/// instance an unclosed brace: "1:48: parse error: unexpected character inside braces: '0'"),
/// before the series notation parser sees them and would report the problem differently.
/// </summary>
internal static class SeriesDescriptionCheck
{
    public static void ThrowIfInvalid(string line, int lineNumber)
    {
        var open = line.IndexOf('{', StringComparison.Ordinal);
        var firstSpace = line.IndexOfAny([' ', '\t']);
        if (open < 0 || (firstSpace >= 0 && firstSpace < open))
        {
            return;
        }
        var i = open + 1;
        while (true)
        {
            SkipSpaces(line, ref i);
            if (i >= line.Length)
            {
                throw Error(line, lineNumber, i, "unexpected end of input inside braces");
            }
            if (line[i] == '}')
            {
                return;
            }
            if (!Lexer.IsIdentChar(line[i]) || char.IsAsciiDigit(line[i]))
            {
                throw Error(line, lineNumber, i, $"unexpected character inside braces: '{line[i]}'");
            }
            while (i < line.Length && Lexer.IsIdentChar(line[i]))
            {
                i++;
            }
            SkipSpaces(line, ref i);
            while (i < line.Length && line[i] is '=' or '!' or '~')
            {
                i++;
            }
            SkipSpaces(line, ref i);
            if (i >= line.Length || line[i] is not ('"' or '\'' or '`'))
            {
                return; // leave other shapes to the notation parser's own message
            }
            var quote = line[i++];
            while (i < line.Length && line[i] != quote)
            {
                i += line[i] == '\\' ? 2 : 1;
            }
            i++;
            SkipSpaces(line, ref i);
            if (i >= line.Length)
            {
                throw Error(line, lineNumber, i, "unexpected end of input inside braces");
            }
            if (line[i] == ',')
            {
                i++;
                continue;
            }
            if (line[i] == '}')
            {
                return;
            }
            throw Error(line, lineNumber, i, $"unexpected character inside braces: '{line[i]}'");
        }
    }

    private static void SkipSpaces(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t')
        {
            i++;
        }
    }

    private static FormatException Error(string line, int lineNumber, int pos, string detail) =>
        new($"{lineNumber}:{pos + 1}: parse error: {detail}");
}
