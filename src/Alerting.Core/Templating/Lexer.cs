using System.Globalization;

namespace Alerting.Core.Templating;

internal enum ItemType
{
    Error,
    Bool,
    Char,
    CharConstant,
    Comment,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // Keywords follow; ToString shows them as <keyword>.
    Keyword,
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

internal readonly record struct Item(ItemType Type, int Pos, string Val, int Line)
{
    public override string ToString() => Type switch
    {
        ItemType.Eof => "EOF",
        ItemType.Error => Val,
        > ItemType.Keyword => "<" + Val + ">",
        _ when Val.Length > 10 => GoQuote.Quote(Val[..Math.Min(Val.Length, 10)]) + "...",
        _ => GoQuote.Quote(Val),
    };
}

/// <summary>
/// Go's text/template lexer: text and actions between <c>{{</c> and <c>}}</c>, trim markers
/// (<c>{{- </c> and <c> -}}</c>), comments, and the tokens inside actions.
/// </summary>
internal sealed class Lexer
{
    private const string LeftDelim = "{{";
    private const string RightDelim = "}}";

    private static readonly Dictionary<string, ItemType> Keywords = new(StringComparer.Ordinal)
    {
        ["."] = ItemType.Dot,
        ["block"] = ItemType.Block,
        ["break"] = ItemType.Break,
        ["continue"] = ItemType.Continue,
        ["define"] = ItemType.Define,
        ["else"] = ItemType.Else,
        ["end"] = ItemType.End,
        ["if"] = ItemType.If,
        ["range"] = ItemType.Range,
        ["nil"] = ItemType.Nil,
        ["template"] = ItemType.Template,
        ["with"] = ItemType.With,
    };

    private readonly string _input;
    private readonly List<Item> _items = [];
    private int _pos;
    private int _start;
    private int _line = 1;
    private int _startLine = 1;
    private int _parenDepth;
    private bool _done;

    private Lexer(string input) => _input = input;

    public static List<Item> Lex(string input)
    {
        var l = new Lexer(input);
        l.Run();
        return l._items;
    }

    private delegate StateFn? StateFn();

    private void Run()
    {
        StateFn? state = LexText;
        while (state is not null && !_done)
        {
            state = state();
        }
    }

    private const char Eof = '\uFFFF';

    private char Next()
    {
        if (_pos >= _input.Length)
        {
            _pos = _input.Length + 1;
            return Eof;
        }
        var c = _input[_pos++];
        if (c == '\n')
        {
            _line++;
        }
        return c;
    }

    private char Peek()
    {
        if (_pos >= _input.Length)
        {
            return Eof;
        }
        return _input[_pos];
    }

    private void Backup()
    {
        if (_pos > _input.Length)
        {
            _pos = _input.Length;
            return;
        }
        if (_pos > 0)
        {
            _pos--;
            if (_input[_pos] == '\n')
            {
                _line--;
            }
        }
    }

    private string Current => _input[_start..Math.Min(_pos, _input.Length)];

    private void Emit(ItemType t)
    {
        _items.Add(new Item(t, _start, Current, _startLine));
        _start = _pos;
        _startLine = _line;
    }

    private void Ignore()
    {
        _start = _pos;
        _startLine = _line;
    }

    private StateFn? Errorf(string message)
    {
        _items.Add(new Item(ItemType.Error, _start, message, _startLine));
        _done = true;
        return null;
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static bool IsAlphaNumeric(char c) => c == '_' || char.IsLetterOrDigit(c);

    private static bool HasLeftTrimMarker(string s, int i) => i + 1 < s.Length && s[i] == '-' && IsSpace(s[i + 1]);

    private static bool HasRightTrimMarker(string s, int i) => i + 1 < s.Length && IsSpace(s[i]) && s[i + 1] == '-';

    private StateFn? LexText()
    {
        var x = _input.IndexOf(LeftDelim, _pos, StringComparison.Ordinal);
        if (x >= 0)
        {
            var trimLength = 0;
            var delimEnd = x + LeftDelim.Length;
            if (HasLeftTrimMarker(_input, delimEnd))
            {
                var end = x;
                while (end > _pos && IsSpace(_input[end - 1]))
                {
                    end--;
                }
                trimLength = x - end;
            }
            AdvanceTo(x);
            var textEnd = _pos - trimLength;
            if (textEnd > _start)
            {
                _items.Add(new Item(ItemType.Text, _start, _input[_start..textEnd], _startLine));
            }
            _start = _pos;
            _startLine = _line;
            return LexLeftDelim;
        }
        AdvanceTo(_input.Length);
        if (_pos > _start)
        {
            Emit(ItemType.Text);
        }
        _items.Add(new Item(ItemType.Eof, _pos, "", _line));
        return null;
    }

    private void AdvanceTo(int target)
    {
        while (_pos < target)
        {
            if (_input[_pos] == '\n')
            {
                _line++;
            }
            _pos++;
        }
    }

    private (bool Delim, bool Trim) AtRightDelim()
    {
        if (HasRightTrimMarker(_input, _pos) && string.CompareOrdinal(_input, _pos + 2, RightDelim, 0, 2) == 0)
        {
            return (true, true);
        }
        if (string.CompareOrdinal(_input, _pos, RightDelim, 0, 2) == 0 && _pos + 2 <= _input.Length)
        {
            return (true, false);
        }
        return (false, false);
    }

    private StateFn? LexLeftDelim()
    {
        AdvanceTo(_pos + LeftDelim.Length);
        var trimSpace = HasLeftTrimMarker(_input, _pos);
        var afterMarker = trimSpace ? 2 : 0;
        if (string.CompareOrdinal(_input, _pos + afterMarker, "/*", 0, 2) == 0 && _pos + afterMarker + 2 <= _input.Length)
        {
            AdvanceTo(_pos + afterMarker);
            Ignore();
            return LexComment;
        }
        Emit(ItemType.LeftDelim);
        AdvanceTo(_pos + afterMarker);
        Ignore();
        _parenDepth = 0;
        return LexInsideAction;
    }

    private StateFn? LexComment()
    {
        AdvanceTo(_pos + 2);
        var x = _input.IndexOf("*/", _pos, StringComparison.Ordinal);
        if (x < 0)
        {
            return Errorf("unclosed comment");
        }
        AdvanceTo(x + 2);
        var (delim, trimSpace) = AtRightDelim();
        if (!delim)
        {
            return Errorf("comment ends before closing delimiter");
        }
        if (trimSpace)
        {
            AdvanceTo(_pos + 2);
        }
        AdvanceTo(_pos + RightDelim.Length);
        if (trimSpace)
        {
            SkipSpaces();
        }
        Ignore();
        return LexText;
    }

    private void SkipSpaces()
    {
        while (_pos < _input.Length && IsSpace(_input[_pos]))
        {
            AdvanceTo(_pos + 1);
        }
    }

    private StateFn? LexRightDelim(bool trimSpace)
    {
        if (trimSpace)
        {
            AdvanceTo(_pos + 2);
            Ignore();
        }
        AdvanceTo(_pos + RightDelim.Length);
        Emit(ItemType.RightDelim);
        if (trimSpace)
        {
            SkipSpaces();
            Ignore();
        }
        return LexText;
    }

    private StateFn? LexInsideAction()
    {
        var (delim, trim) = AtRightDelim();
        if (delim)
        {
            if (_parenDepth == 0)
            {
                return LexRightDelim(trim);
            }
            return Errorf("unclosed left paren");
        }
        var r = Next();
        switch (r)
        {
            case Eof:
                return Errorf("unclosed action");
            case var _ when IsSpace(r):
                Backup();
                return LexSpace();
            case '=':
                Emit(ItemType.Assign);
                break;
            case ':':
                if (Next() != '=')
                {
                    return Errorf("expected :=");
                }
                Emit(ItemType.Declare);
                break;
            case '|':
                Emit(ItemType.Pipe);
                break;
            case '"':
                return LexQuote();
            case '`':
                return LexRawQuote();
            case '$':
                return LexFieldOrVariable(ItemType.Variable);
            case '\'':
                return LexChar();
            case '.':
                if (_pos < _input.Length && !char.IsAsciiDigit(_input[_pos]))
                {
                    return LexFieldOrVariable(ItemType.Field);
                }
                Backup();
                return LexNumber();
            case '+':
            case '-':
            case >= '0' and <= '9':
                Backup();
                return LexNumber();
            case var _ when IsAlphaNumeric(r):
                Backup();
                return LexIdentifier();
            case '(':
                Emit(ItemType.LeftParen);
                _parenDepth++;
                break;
            case ')':
                Emit(ItemType.RightParen);
                _parenDepth--;
                if (_parenDepth < 0)
                {
                    return Errorf("unexpected right paren");
                }
                break;
            case var _ when r <= 0x7F && !char.IsControl(r):
                Emit(ItemType.Char);
                break;
            default:
                return Errorf($"unrecognized character in action: U+{(int)r:X4}");
        }
        return LexInsideAction;
    }

    private StateFn? LexSpace()
    {
        var numSpaces = 0;
        while (IsSpace(Peek()))
        {
            Next();
            numSpaces++;
        }
        if (HasRightTrimMarker(_input, _pos - 1) && string.CompareOrdinal(_input, _pos + 1, RightDelim, 0, 2) == 0)
        {
            Backup();
            if (numSpaces == 1)
            {
                return LexInsideAction;
            }
        }
        Emit(ItemType.Space);
        return LexInsideAction;
    }

    private StateFn? LexIdentifier()
    {
        while (true)
        {
            var r = Next();
            if (IsAlphaNumeric(r))
            {
                continue;
            }
            Backup();
            var word = Current;
            if (!AtTerminator())
            {
                return Errorf($"bad character U+{(int)Peek():X4} '{Peek()}'");
            }
            if (Keywords.TryGetValue(word, out var kw) && kw > ItemType.Keyword)
            {
                Emit(kw);
            }
            else if (word[0] == '.')
            {
                Emit(ItemType.Field);
            }
            else if (word is "true" or "false")
            {
                Emit(ItemType.Bool);
            }
            else
            {
                Emit(ItemType.Identifier);
            }
            return LexInsideAction;
        }
    }

    private StateFn? LexFieldOrVariable(ItemType type)
    {
        if (AtTerminator())
        {
            Emit(type == ItemType.Variable ? ItemType.Variable : ItemType.Dot);
            return LexInsideAction;
        }
        char r;
        while (true)
        {
            r = Next();
            if (!IsAlphaNumeric(r))
            {
                Backup();
                break;
            }
        }
        if (!AtTerminator())
        {
            return Errorf($"bad character U+{(int)Peek():X4} '{Peek()}'");
        }
        Emit(type);
        return LexInsideAction;
    }

    private bool AtTerminator()
    {
        var r = Peek();
        if (r == Eof || IsSpace(r))
        {
            return true;
        }
        if (r is '.' or ',' or '|' or ':' or ')' or '(')
        {
            return true;
        }
        return string.CompareOrdinal(_input, _pos, RightDelim, 0, 2) == 0;
    }

    private StateFn? LexChar()
    {
        while (true)
        {
            var r = Next();
            if (r == '\\')
            {
                r = Next();
                if (r != Eof && r != '\n')
                {
                    continue;
                }
            }
            if (r == Eof || r == '\n')
            {
                return Errorf("unterminated character constant");
            }
            if (r == '\'')
            {
                break;
            }
        }
        Emit(ItemType.CharConstant);
        return LexInsideAction;
    }

    private StateFn? LexQuote()
    {
        while (true)
        {
            var r = Next();
            if (r == '\\')
            {
                r = Next();
                if (r != Eof && r != '\n')
                {
                    continue;
                }
            }
            if (r == Eof || r == '\n')
            {
                return Errorf("unterminated quoted string");
            }
            if (r == '"')
            {
                break;
            }
        }
        Emit(ItemType.String);
        return LexInsideAction;
    }

    private StateFn? LexRawQuote()
    {
        while (true)
        {
            var r = Next();
            if (r == Eof)
            {
                return Errorf("unterminated raw quoted string");
            }
            if (r == '`')
            {
                break;
            }
        }
        Emit(ItemType.RawString);
        return LexInsideAction;
    }

    private StateFn? LexNumber()
    {
        if (!ScanNumber())
        {
            return Errorf($"bad number syntax: {GoQuote.Quote(Current)}");
        }
        Emit(ItemType.Number);
        return LexInsideAction;
    }

    private bool Accept(string valid)
    {
        if (valid.Contains(Next(), StringComparison.Ordinal))
        {
            return true;
        }
        Backup();
        return false;
    }

    private void AcceptRun(string valid)
    {
        while (valid.Contains(Next(), StringComparison.Ordinal))
        {
        }
        Backup();
    }

    private bool ScanNumber()
    {
        Accept("+-");
        var digits = "0123456789_";
        if (Accept("0"))
        {
            if (Accept("xX"))
            {
                digits = "0123456789abcdefABCDEF_";
            }
            else if (Accept("oO"))
            {
                digits = "01234567_";
            }
            else if (Accept("bB"))
            {
                digits = "01_";
            }
        }
        AcceptRun(digits);
        if (Accept("."))
        {
            AcceptRun(digits);
        }
        if (digits.Length == 11 && Accept("eE"))
        {
            Accept("+-");
            AcceptRun("0123456789_");
        }
        if (digits.Length == 23 && Accept("pP"))
        {
            Accept("+-");
            AcceptRun("0123456789_");
        }
        Accept("i");
        if (IsAlphaNumeric(Peek()))
        {
            Next();
            return false;
        }
        return true;
    }

    internal static long ParseGoInt(string text)
    {
        var t = text.Replace("_", "", StringComparison.Ordinal);
        var neg = false;
        if (t.StartsWith('+') || t.StartsWith('-'))
        {
            neg = t[0] == '-';
            t = t[1..];
        }
        long v;
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            v = checked((long)ulong.Parse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
        }
        else if (t.StartsWith("0o", StringComparison.OrdinalIgnoreCase))
        {
            v = Convert.ToInt64(t[2..], 8);
        }
        else if (t.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
        {
            v = Convert.ToInt64(t[2..], 2);
        }
        else if (t.Length > 1 && t[0] == '0')
        {
            v = Convert.ToInt64(t[1..], 8);
        }
        else
        {
            v = long.Parse(t, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        return neg ? -v : v;
    }
}
