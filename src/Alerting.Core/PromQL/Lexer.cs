using System.Globalization;
using System.Text;

namespace Alerting.Core.PromQL;

internal enum TokenKind
{
    Eof,
    Identifier,
    Number,
    Duration,
    String,
    Operator,
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    LeftBracket,
    RightBracket,
    Comma,
    Colon,
    At,
    Assign,
}

internal readonly record struct Token(TokenKind Kind, string Text, int Pos)
{
    public int End => Pos + Text.Length;
}

/// <summary>
/// Splits PromQL text into tokens. Keywords are left as identifiers because PromQL lets most of them
/// double as label names; the parser decides by context.
/// </summary>
internal sealed class Lexer
{
    private readonly string _input;
    private int _pos;
    private bool _inBraces;
    private bool _inBrackets;
    private int _parenDepth;

    public Lexer(string input) => _input = input;

    public List<Token> Tokenize()
    {
        var tokens = new List<Token>();
        while (true)
        {
            var t = Next();
            tokens.Add(t);
            if (t.Kind == TokenKind.Eof)
            {
                return tokens;
            }
        }
    }

    private PromQlParseException Error(int pos, string message) => PromQlParseException.At(_input, pos, message);

    private Token Next()
    {
        SkipSpaceAndComments();
        if (_pos >= _input.Length)
        {
            if (_inBraces)
            {
                throw Error(_pos, "unexpected end of input inside braces");
            }
            if (_inBrackets)
            {
                throw Error(_pos, "unexpected end of input in duration expression");
            }
            if (_parenDepth > 0)
            {
                throw Error(_pos, "unclosed left parenthesis");
            }
            return new Token(TokenKind.Eof, string.Empty, _pos);
        }
        var start = _pos;
        var c = _input[_pos];
        if (_inBraces)
        {
            return NextInBraces(start, c);
        }
        if (_inBrackets && !(char.IsAsciiLetterOrDigit(c) || c is ':' or ']' or '.' or '-' or '+' or '(' or ')'))
        {
            throw Error(start, "unexpected character in duration expression: '" + c + "'");
        }
        switch (c)
        {
            case '(':
                _pos++;
                _parenDepth++;
                return new Token(TokenKind.LeftParen, "(", start);
            case ')':
                _pos++;
                if (_parenDepth == 0)
                {
                    throw Error(_pos, "unexpected right parenthesis ')'");
                }
                _parenDepth--;
                return new Token(TokenKind.RightParen, ")", start);
            case '{':
                _pos++;
                _inBraces = true;
                return new Token(TokenKind.LeftBrace, "{", start);
            case '}':
                throw Error(start, "unexpected character: '}'");
            case '[':
                _pos++;
                _inBrackets = true;
                return new Token(TokenKind.LeftBracket, "[", start);
            case ']':
                _pos++;
                _inBrackets = false;
                return new Token(TokenKind.RightBracket, "]", start);
            case ',':
                _pos++;
                return new Token(TokenKind.Comma, ",", start);
            case ':':
                _pos++;
                return new Token(TokenKind.Colon, ":", start);
            case '@':
                _pos++;
                return new Token(TokenKind.At, "@", start);
            case '+' or '-' or '*' or '/' or '%' or '^':
                _pos++;
                return new Token(TokenKind.Operator, c.ToString(), start);
            case '=':
                if (Peek(1) == '=')
                {
                    _pos += 2;
                    return new Token(TokenKind.Operator, "==", start);
                }
                if (Peek(1) == '~')
                {
                    // Regex matchers only exist inside braces.
                    throw Error(start, "unexpected character after '=': '~'");
                }
                _pos++;
                return new Token(TokenKind.Assign, "=", start);
            case '!':
                if (Peek(1) == '=')
                {
                    _pos += 2;
                    return new Token(TokenKind.Operator, "!=", start);
                }
                throw Error(start, "unexpected character after '!': " + QuoteChar(Peek(1)));
            case '<' or '>':
                if (Peek(1) == '=')
                {
                    _pos += 2;
                    return new Token(TokenKind.Operator, _input.Substring(start, 2), start);
                }
                _pos++;
                return new Token(TokenKind.Operator, c.ToString(), start);
            case '"' or '\'' or '`':
                return LexString(c);
        }
        if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(Peek(1))))
        {
            return LexNumberOrDuration();
        }
        if (IsIdentStart(c))
        {
            while (_pos < _input.Length && IsIdentChar(_input[_pos]))
            {
                _pos++;
            }
            var word = _input[start.._pos];
            return word.ToLowerInvariant() is "inf" or "nan"
                ? new Token(TokenKind.Number, word, start)
                : new Token(TokenKind.Identifier, word, start);
        }
        throw Error(start, "unexpected character: " + QuoteChar(c));
    }

    /// <summary>Inside <c>{...}</c> only label names, strings, matcher operators and commas are valid.</summary>
    private Token NextInBraces(int start, char c)
    {
        switch (c)
        {
            case '}':
                _pos++;
                _inBraces = false;
                return new Token(TokenKind.RightBrace, "}", start);
            case ',':
                _pos++;
                return new Token(TokenKind.Comma, ",", start);
            case '=':
                if (Peek(1) == '~')
                {
                    _pos += 2;
                    return new Token(TokenKind.Operator, "=~", start);
                }
                _pos++;
                return new Token(TokenKind.Assign, "=", start);
            case '!':
                if (Peek(1) is '=' or '~')
                {
                    _pos += 2;
                    return new Token(TokenKind.Operator, _input.Substring(start, 2), start);
                }
                throw Error(start, "unexpected character inside braces: '!'");
            case '"' or '\'' or '`':
                return LexString(c);
        }
        if (char.IsAsciiLetter(c) || c == '_')
        {
            while (_pos < _input.Length && (char.IsAsciiLetterOrDigit(_input[_pos]) || _input[_pos] == '_'))
            {
                _pos++;
            }
            return new Token(TokenKind.Identifier, _input[start.._pos], start);
        }
        throw Error(start, "unexpected character inside braces: '" + c + "'");
    }

    private static string QuoteChar(char c) => c == '\0' ? "EOF" : "'" + c + "'";

    private char Peek(int ahead) => _pos + ahead < _input.Length ? _input[_pos + ahead] : '\0';

    private void SkipSpaceAndComments()
    {
        while (_pos < _input.Length)
        {
            var c = _input[_pos];
            if (char.IsWhiteSpace(c))
            {
                _pos++;
            }
            else if (c == '#')
            {
                while (_pos < _input.Length && _input[_pos] != '\n')
                {
                    _pos++;
                }
            }
            else
            {
                return;
            }
        }
    }

    internal static bool IsIdentStart(char c) => char.IsAsciiLetter(c) || c == '_' || c == ':';

    internal static bool IsIdentChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == ':';

    private Token LexNumberOrDuration()
    {
        var start = _pos;
        // A duration is one or more <digits><unit> groups; try that first as Prometheus does.
        if (TryDuration(out var end))
        {
            _pos = end;
            return new Token(TokenKind.Duration, _input[start..end], start);
        }
        if (Peek(0) == '0' && Peek(1) is 'x' or 'X')
        {
            _pos += 2;
            while (_pos < _input.Length && char.IsAsciiHexDigit(_input[_pos]))
            {
                _pos++;
            }
        }
        else
        {
            while (_pos < _input.Length && char.IsAsciiDigit(_input[_pos]))
            {
                _pos++;
            }
            if (Peek(0) == '.')
            {
                _pos++;
                while (_pos < _input.Length && char.IsAsciiDigit(_input[_pos]))
                {
                    _pos++;
                }
            }
            if (Peek(0) is 'e' or 'E' && (char.IsAsciiDigit(Peek(1)) || (Peek(1) is '+' or '-' && char.IsAsciiDigit(Peek(2)))))
            {
                _pos += 2;
                while (_pos < _input.Length && char.IsAsciiDigit(_input[_pos]))
                {
                    _pos++;
                }
            }
        }
        if (_pos < _input.Length && (char.IsAsciiLetterOrDigit(_input[_pos]) || _input[_pos] == '_' || _input[_pos] == '.'))
        {
            var badEnd = _pos + 1;
            if (_input[_pos] != '.')
            {
                while (badEnd < _input.Length && (char.IsAsciiLetterOrDigit(_input[badEnd]) || _input[badEnd] == '_'))
                {
                    badEnd++;
                }
            }
            throw Error(start, "bad number or duration syntax: \"" + _input[start..badEnd] + "\"");
        }
        return new Token(TokenKind.Number, _input[start.._pos], start);
    }

    private bool TryDuration(out int end)
    {
        var p = _pos;
        var groups = 0;
        while (p < _input.Length && char.IsAsciiDigit(_input[p]))
        {
            var q = p;
            while (q < _input.Length && char.IsAsciiDigit(_input[q]))
            {
                q++;
            }
            var unitLen = UnitLength(q);
            if (unitLen == 0)
            {
                break;
            }
            p = q + unitLen;
            groups++;
        }
        end = p;
        if (groups == 0)
        {
            return false;
        }
        // "5m" followed by more identifier characters (e.g. "5min") is not a duration.
        return !(end < _input.Length && (char.IsAsciiLetterOrDigit(_input[end]) || _input[end] == '_'));
    }

    private int UnitLength(int q)
    {
        if (q >= _input.Length)
        {
            return 0;
        }
        var c = _input[q];
        if (c == 'm' && q + 1 < _input.Length && _input[q + 1] == 's')
        {
            return 2;
        }
        return c is 's' or 'm' or 'h' or 'd' or 'w' or 'y' ? 1 : 0;
    }

    private Token LexString(char quote)
    {
        var start = _pos;
        _stringStart = start;
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _input.Length)
            {
                throw Error(start, quote == '`' ? "unterminated raw string" : "unterminated quoted string");
            }
            var c = _input[_pos];
            if (c == quote)
            {
                _pos++;
                break;
            }
            if (quote != '`' && c == '\n')
            {
                throw Error(start, "unterminated quoted string");
            }
            if (c == '\\' && quote != '`')
            {
                _pos++;
                ReadEscape(sb, quote);
                continue;
            }
            sb.Append(c);
            _pos++;
        }
        // The token text is the raw source; the decoded value travels in a side table.
        var token = new Token(TokenKind.String, _input[start.._pos], start);
        Decoded[start] = sb.ToString();
        return token;
    }

    public Dictionary<int, string> Decoded { get; } = [];

    // Prometheus reports escape errors at the start of the string literal.
    private int _stringStart;

    private void ReadEscape(StringBuilder sb, char quote)
    {
        if (_pos >= _input.Length)
        {
            throw Error(_stringStart, "escape sequence not terminated");
        }
        var c = _input[_pos++];
        switch (c)
        {
            case 'a': sb.Append('\a'); return;
            case 'b': sb.Append('\b'); return;
            case 'f': sb.Append('\f'); return;
            case 'n': sb.Append('\n'); return;
            case 'r': sb.Append('\r'); return;
            case 't': sb.Append('\t'); return;
            case 'v': sb.Append('\v'); return;
            case '\\': sb.Append('\\'); return;
            case 'x':
                sb.Append((char)ReadHex(2));
                return;
            case 'u':
                sb.Append(char.ConvertFromUtf32(ReadHex(4)));
                return;
            case 'U':
                sb.Append(char.ConvertFromUtf32(ReadHex(8)));
                return;
        }
        if (c == quote)
        {
            sb.Append(c);
            return;
        }
        if (c is >= '0' and <= '7')
        {
            var v = c - '0';
            for (var i = 0; i < 2; i++)
            {
                if (_pos >= _input.Length || _input[_pos] is < '0' or > '7')
                {
                    throw Error(_stringStart, IllegalEscape(_pos < _input.Length ? _input[_pos] : '\0'));
                }
                v = (v * 8) + (_input[_pos++] - '0');
            }
            sb.Append((char)v);
            return;
        }
        throw Error(_stringStart, $"unknown escape sequence U+{(int)c:X4} '{c}'");
    }

    private static string IllegalEscape(char c) => $"illegal character U+{(int)c:X4} '{c}' in escape sequence";

    private int ReadHex(int digits)
    {
        if (_pos + digits > _input.Length)
        {
            throw Error(_stringStart, "escape sequence not terminated");
        }
        var text = _input.Substring(_pos, digits);
        foreach (var ch in text)
        {
            if (!char.IsAsciiHexDigit(ch))
            {
                throw Error(_stringStart, IllegalEscape(ch));
            }
        }
        var v = int.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        _pos += digits;
        return v;
    }
}
