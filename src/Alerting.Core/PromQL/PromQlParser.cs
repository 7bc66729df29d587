using System.Globalization;
using Alerting.Core.Model;

namespace Alerting.Core.PromQL;

/// <summary>
/// Parses PromQL into an <see cref="Expr"/> tree and type-checks it the way Prometheus' parser does,
/// so the same queries are accepted and rejected with comparable messages.
/// </summary>
public static class PromQlParser
{
    public static Expr Parse(string input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var lexer = new Lexer(input);
        var tokens = lexer.Tokenize();
        var parser = new Parser(input, tokens, lexer.Decoded);
        return parser.ParseTop();
    }

    /// <summary>
    /// Parses a series selector as Prometheus' <c>parser.ParseMetricSelector</c> (the API's <c>match[]</c>):
    /// unlike in an expression, a selector whose matchers all match the empty string is accepted here,
    /// so the caller can answer with its own message. Throws <see cref="PromQlParseException"/> for
    /// anything that is not a plain selector.
    /// </summary>
    public static VectorSelector ParseMetricSelector(string input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var lexer = new Lexer(input);
        var tokens = lexer.Tokenize();
        var parser = new Parser(input, tokens, lexer.Decoded) { AllowEmptyMatchers = true };
        return parser.ParseTop() is VectorSelector { OffsetMs: 0, At: AtKind.None } vs
            ? vs
            : throw PromQlParseException.At(input, 0, "expected a series selector such as up{job=\"node\"}");
    }

    /// <summary>Parses a duration such as <c>1h30m</c> or <c>500ms</c> into milliseconds.</summary>
    public static long ParseDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParseDuration(text, out var ms))
        {
            throw new FormatException($"not a valid duration string: \"{text}\"");
        }
        return ms;
    }

    /// <summary>A PromQL duration: Prometheus' model.ParseDuration, without the bare <c>0</c> it allows in files.</summary>
    public static bool TryParseDuration(string text, out long ms)
    {
        ms = 0;
        if (text == "0" || !PromDuration.TryParse(text, out var d))
        {
            return false;
        }
        ms = (long)d.TotalMilliseconds;
        return true;
    }

    private sealed class Parser(string input, List<Token> tokens, Dictionary<int, string> decoded)
    {
        /// <summary>Set for ParseMetricSelector, which leaves the empty-matcher check to its caller.</summary>
        public bool AllowEmptyMatchers { get; init; }

        private static readonly HashSet<string> AggregatorNames = new(StringComparer.Ordinal)
        {
            "sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk", "bottomk", "count_values", "quantile", "limitk", "limit_ratio",
        };

        private int _i;

        private Token Cur => tokens[_i];

        private Token PeekTok(int ahead = 1) => tokens[Math.Min(_i + ahead, tokens.Count - 1)];

        private PromQlParseException Error(int pos, string detail) => PromQlParseException.At(input, pos, detail);

        private PromQlParseException Unexpected(string? context = null)
        {
            var t = Cur;
            var what = Describe(t);
            return Error(t.Pos, "unexpected " + what + (context is null ? string.Empty : " " + context));
        }

        private static string Describe(Token t) => t.Kind switch
        {
            TokenKind.Eof => "end of input",
            TokenKind.Identifier => IsKeyword(t.Text.ToLowerInvariant()) ? "<" + t.Text.ToLowerInvariant() + ">" : "identifier \"" + t.Text + "\"",
            TokenKind.Number => "number \"" + t.Text + "\"",
            TokenKind.Duration => "duration \"" + t.Text + "\"",
            TokenKind.String => "string " + t.Text,
            TokenKind.Operator => "<op:" + t.Text + ">",
            TokenKind.LeftParen => "\"(\"",
            TokenKind.RightParen => "\")\"",
            TokenKind.LeftBrace => "\"{\"",
            TokenKind.RightBrace => "\"}\"",
            TokenKind.LeftBracket => "\"[\"",
            TokenKind.RightBracket => "\"]\"",
            TokenKind.Comma => "\",\"",
            TokenKind.Colon => "\":\"",
            TokenKind.At => "<op:@>",
            TokenKind.Assign => "\"=\"",
            _ => t.Text,
        };

        private static bool IsKeyword(string s) => s is "and" or "or" or "unless" or "atan2" or "by" or "without" or "on" or "ignoring"
            or "group_left" or "group_right" or "bool" or "offset";

        private Token Expect(TokenKind kind, string context)
        {
            if (Cur.Kind != kind)
            {
                throw Unexpected(context);
            }
            return tokens[_i++];
        }

        public Expr ParseTop()
        {
            if (Cur.Kind == TokenKind.Eof)
            {
                throw Error(0, "no expression found in input");
            }
            var e = ParseExpr(0);
            if (Cur.Kind != TokenKind.Eof)
            {
                throw Unexpected();
            }
            return e;
        }

        private static int Precedence(BinaryOp op) => op switch
        {
            BinaryOp.Or => 1,
            BinaryOp.And or BinaryOp.Unless => 2,
            BinaryOp.Eql or BinaryOp.Neq or BinaryOp.Gtr or BinaryOp.Lss or BinaryOp.Gte or BinaryOp.Lte => 3,
            BinaryOp.Add or BinaryOp.Sub => 4,
            BinaryOp.Mul or BinaryOp.Div or BinaryOp.Mod or BinaryOp.Atan2 => 5,
            BinaryOp.Pow => 6,
            _ => 0,
        };

        private BinaryOp? CurrentBinaryOp()
        {
            var t = Cur;
            if (t.Kind == TokenKind.Operator)
            {
                return t.Text switch
                {
                    "+" => BinaryOp.Add,
                    "-" => BinaryOp.Sub,
                    "*" => BinaryOp.Mul,
                    "/" => BinaryOp.Div,
                    "%" => BinaryOp.Mod,
                    "^" => BinaryOp.Pow,
                    "==" => BinaryOp.Eql,
                    "!=" => BinaryOp.Neq,
                    ">" => BinaryOp.Gtr,
                    "<" => BinaryOp.Lss,
                    ">=" => BinaryOp.Gte,
                    "<=" => BinaryOp.Lte,
                    _ => null,
                };
            }
            if (t.Kind == TokenKind.Identifier)
            {
                return t.Text.ToLowerInvariant() switch
                {
                    "and" => BinaryOp.And,
                    "or" => BinaryOp.Or,
                    "unless" => BinaryOp.Unless,
                    "atan2" => BinaryOp.Atan2,
                    _ => null,
                };
            }
            return null;
        }

        private Expr ParseExpr(int minPrec)
        {
            var lhs = ParseUnary();
            while (true)
            {
                var op = CurrentBinaryOp();
                if (op is null)
                {
                    if (Cur.Kind is TokenKind.Identifier or TokenKind.Number or TokenKind.String or TokenKind.LeftBrace or TokenKind.Duration)
                    {
                        throw Unexpected();
                    }
                    return lhs;
                }
                var prec = Precedence(op.Value);
                if (prec < minPrec)
                {
                    return lhs;
                }
                var opTok = tokens[_i++];
                var returnBool = false;
                VectorMatching? matching = null;
                if (IsWord("bool"))
                {
                    _i++;
                    returnBool = true;
                }
                if (IsWord("on") || IsWord("ignoring"))
                {
                    matching = new VectorMatching { On = IsWord("on"), Explicit = true };
                    _i++;
                    matching.MatchingLabels = ParseLabelList();
                    if (IsWord("group_left") || IsWord("group_right"))
                    {
                        matching.Card = IsWord("group_left") ? Cardinality.ManyToOne : Cardinality.OneToMany;
                        _i++;
                        if (Cur.Kind == TokenKind.LeftParen)
                        {
                            matching.Include = ParseLabelList();
                        }
                    }
                }
                else if (IsWord("group_left") || IsWord("group_right"))
                {
                    throw Unexpected();
                }
                var rhs = ParseExpr(op == BinaryOp.Pow ? prec : prec + 1);
                lhs = MakeBinary(op.Value, opTok, lhs, rhs, returnBool, matching);
            }
        }

        private bool IsWord(string word) => Cur.Kind == TokenKind.Identifier && string.Equals(Cur.Text, word, StringComparison.OrdinalIgnoreCase);

        /// <summary>Type-checks a binary operation in the order Prometheus' checkAST reports problems.</summary>
        private Expr MakeBinary(BinaryOp op, Token opTok, Expr lhs, Expr rhs, bool returnBool, VectorMatching? matching)
        {
            var pos = new PositionRange(lhs.Position.Start, rhs.Position.End);
            var lt = lhs.Type;
            var rt = rhs.Type;
            var isCmp = BinaryExpr.IsComparison(op);
            var opText = BinaryExpr.OpText(op);
            if (returnBool && !isCmp)
            {
                throw Error(opTok.Pos, "bool modifier can only be used on comparison operators");
            }
            if (isCmp && !returnBool && lt == PromQlValueType.Scalar && rt == PromQlValueType.Scalar)
            {
                throw Error(opTok.Pos, "comparisons between scalars must use BOOL modifier");
            }
            if (matching is { On: true })
            {
                foreach (var l in matching.Include)
                {
                    if (matching.MatchingLabels.Contains(l))
                    {
                        throw Error(opTok.Pos, $"label \"{l}\" must not occur in ON and GROUP clause at once");
                    }
                }
            }
            if (lt is not (PromQlValueType.Scalar or PromQlValueType.Vector))
            {
                throw Error(lhs.Position.Start, "binary expression must contain only scalar and instant vector types");
            }
            if (rt is not (PromQlValueType.Scalar or PromQlValueType.Vector))
            {
                throw Error(rhs.Position.Start, "binary expression must contain only scalar and instant vector types");
            }
            var bothVectors = lt == PromQlValueType.Vector && rt == PromQlValueType.Vector;
            if (!bothVectors)
            {
                if (matching is { MatchingLabels.Count: > 0 })
                {
                    throw Error(pos.Start, "vector matching only allowed between instant vectors");
                }
                if (BinaryExpr.IsSetOp(op))
                {
                    throw Error(pos.Start, $"set operator \"{opText}\" not allowed in binary scalar expression");
                }
                if (matching is { Card: not Cardinality.OneToOne })
                {
                    throw Error(pos.Start, "vector matching only allowed between instant vectors");
                }
                return new BinaryExpr(op, lhs, rhs) { Position = pos, ReturnBool = returnBool };
            }
            matching ??= new VectorMatching();
            if (BinaryExpr.IsSetOp(op))
            {
                if (matching.Card is Cardinality.ManyToOne or Cardinality.OneToMany)
                {
                    throw Error(pos.Start, $"no grouping allowed for \"{opText}\" operation");
                }
                matching.Card = Cardinality.ManyToMany;
            }
            return new BinaryExpr(op, lhs, rhs) { Position = pos, ReturnBool = returnBool, Matching = matching };
        }

        /// <summary>
        /// How deep sub-expressions may nest. Prometheus' parser has no bound (Go stacks grow); ours recurses
        /// on a fixed stack, and an overflow kills the process, so a query nested deeper is refused instead.
        /// </summary>
        private const int MaxNesting = 400;

        private int _nesting;

        private Expr ParseUnary()
        {
            if (++_nesting > MaxNesting)
            {
                throw Error(Cur.Pos, $"expression nests more than {MaxNesting} levels deep");
            }
            try
            {
                return ParseUnaryInner();
            }
            finally
            {
                _nesting--;
            }
        }

        private Expr ParseUnaryInner()
        {
            if (Cur.Kind == TokenKind.Operator && Cur.Text is "+" or "-")
            {
                var opTok = tokens[_i++];
                // Unary minus binds like '*' in Prometheus' grammar: only '^' binds tighter.
                var operand = ParseExpr(Precedence(BinaryOp.Pow));
                if (operand.Type is not (PromQlValueType.Scalar or PromQlValueType.Vector))
                {
                    throw Error(opTok.Pos, "unary expression only allowed on expressions of type scalar or instant vector, got \"" + TypeName(operand.Type) + "\"");
                }
                var pos = new PositionRange(opTok.Pos, operand.Position.End);
                if (operand is NumberLiteral n)
                {
                    return new NumberLiteral(opTok.Text == "-" ? -n.Value : n.Value) { Position = pos };
                }
                return opTok.Text == "+" ? operand : new UnaryExpr('-', operand) { Position = pos };
            }
            return ParsePostfix(ParsePrimary());
        }

        internal static string TypeName(PromQlValueType t) => t switch
        {
            PromQlValueType.Scalar => "scalar",
            PromQlValueType.Vector => "instant vector",
            PromQlValueType.Matrix => "range vector",
            PromQlValueType.String => "string",
            _ => "none",
        };

        private Expr ParsePostfix(Expr e)
        {
            while (true)
            {
                if (Cur.Kind == TokenKind.LeftBracket)
                {
                    e = ParseRange(e);
                }
                else if (IsWord("offset"))
                {
                    _i++;
                    var neg = false;
                    if (Cur.Kind == TokenKind.Operator && Cur.Text is "-" or "+")
                    {
                        neg = Cur.Text == "-";
                        _i++;
                    }
                    var d = ParseDurationToken("in offset, expected number, duration, step(), or range()");
                    SetOffset(e, neg ? -d : d, e.Position.Start);
                }
                else if (Cur.Kind == TokenKind.At)
                {
                    _i++;
                    var (kind, ms) = ParseAt(e.Position.Start);
                    SetAt(e, kind, ms, e.Position.Start);
                }
                else
                {
                    return e;
                }
            }
        }

        private (AtKind Kind, long Ms) ParseAt(int exprStart)
        {
            if ((IsWord("start") || IsWord("end")) && PeekTok().Kind == TokenKind.LeftParen)
            {
                var kind = IsWord("start") ? AtKind.Start : AtKind.End;
                _i++;
                Expect(TokenKind.LeftParen, "in @ modifier");
                Expect(TokenKind.RightParen, "in @ modifier");
                return (kind, 0);
            }
            var sign = 1.0;
            if (Cur.Kind == TokenKind.Operator && Cur.Text is "-" or "+")
            {
                sign = Cur.Text == "-" ? -1 : 1;
                _i++;
            }
            if (Cur.Kind is not (TokenKind.Number or TokenKind.Duration))
            {
                throw Unexpected("in @, expected timestamp");
            }
            var t = tokens[_i++];
            var seconds = t.Kind == TokenKind.Duration ? DurationToken(t) / 1000.0 : ParseNumber(t);
            seconds *= sign;
            if (double.IsNaN(seconds) || double.IsInfinity(seconds) || Math.Abs(seconds * 1000) >= long.MaxValue)
            {
                var shown = double.IsPositiveInfinity(seconds) ? "+Inf" : Expr.FormatNumber(seconds);
                throw Error(exprStart, "timestamp out of bounds for @ modifier: " + shown);
            }
            return (AtKind.Timestamp, (long)Math.Round(seconds * 1000));
        }

        private void SetOffset(Expr e, long ms, int pos)
        {
            switch (e)
            {
                case VectorSelector vs:
                    if (vs.OffsetMs != 0 || _offsetSet.Contains(vs))
                    {
                        throw Error(pos, "offset may not be set multiple times");
                    }
                    vs.OffsetMs = ms;
                    _offsetSet.Add(vs);
                    break;
                case MatrixSelector ms2:
                    SetOffset(ms2.Vector, ms, pos);
                    break;
                case SubqueryExpr sq:
                    if (sq.OffsetMs != 0 || _offsetSet.Contains(sq))
                    {
                        throw Error(pos, "offset may not be set multiple times");
                    }
                    sq.OffsetMs = ms;
                    _offsetSet.Add(sq);
                    break;
                default:
                    throw Error(pos, "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery");
            }
        }

        private readonly HashSet<Expr> _offsetSet = [];

        private void SetAt(Expr e, AtKind kind, long ms, int pos)
        {
            switch (e)
            {
                case VectorSelector vs:
                    if (vs.At != AtKind.None)
                    {
                        throw Error(pos, "@ <timestamp> may not be set multiple times");
                    }
                    vs.At = kind;
                    vs.AtMs = ms;
                    break;
                case MatrixSelector m:
                    SetAt(m.Vector, kind, ms, pos);
                    break;
                case SubqueryExpr sq:
                    if (sq.At != AtKind.None)
                    {
                        throw Error(pos, "@ <timestamp> may not be set multiple times");
                    }
                    sq.At = kind;
                    sq.AtMs = ms;
                    break;
                default:
                    throw Error(pos, "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery");
            }
        }

        private Expr ParseRange(Expr e)
        {
            var open = tokens[_i++];
            var rangeTok = Cur;
            if (Cur.Kind == TokenKind.Operator && Cur.Text == "-" && PeekTok().Kind is TokenKind.Number or TokenKind.Duration)
            {
                throw Error(rangeTok.Pos, "duration must be greater than 0");
            }
            var range = ParseDurationToken("in subquery or range selector, expected number, duration, step(), or range()");
            if (range <= 0)
            {
                throw Error(rangeTok.Pos, "duration must be greater than 0");
            }
            if (Cur.Kind == TokenKind.Colon)
            {
                _i++;
                long step = 0;
                if (Cur.Kind != TokenKind.RightBracket)
                {
                    var stepTok = Cur;
                    step = ParseDurationToken("in subquery, expected number, duration, step(), or range()");
                    if (step <= 0)
                    {
                        throw Error(stepTok.Pos, "duration must be greater than 0");
                    }
                }
                var close = Expect(TokenKind.RightBracket, "in subquery selector");
                if (e.Type != PromQlValueType.Vector)
                {
                    throw Error(e.Position.Start, "subquery is only allowed on instant vector, got " + (e.Type == PromQlValueType.Matrix ? "matrix" : TypeName(e.Type)) + " instead");
                }
                return new SubqueryExpr(e, range, step) { Position = new PositionRange(e.Position.Start, close.End) };
            }
            var end = Expect(TokenKind.RightBracket, "in range selector");
            if (e is not VectorSelector vs)
            {
                throw Error(open.Pos, "ranges only allowed for vector selectors");
            }
            if (vs.OffsetMs != 0 || _offsetSet.Contains(vs))
            {
                throw Error(open.Pos, "no offset modifiers allowed before range");
            }
            if (vs.At != AtKind.None)
            {
                throw Error(open.Pos, "no @ modifiers allowed before range");
            }
            return new MatrixSelector(vs, range) { Position = new PositionRange(e.Position.Start, end.End) };
        }

        private long ParseDurationToken(string context)
        {
            var t = Cur;
            if (t.Kind == TokenKind.Duration)
            {
                _i++;
                if (!TryParseDuration(t.Text, out var ms))
                {
                    throw Error(t.Pos, $"not a valid duration string: \"{t.Text}\"");
                }
                return ms;
            }
            if (t.Kind == TokenKind.Number)
            {
                _i++;
                var v = ParseNumber(t);
                if (double.IsNaN(v) || double.IsInfinity(v))
                {
                    throw Error(t.Pos, $"bad duration syntax: \"{t.Text}\"");
                }
                return (long)Math.Round(v * 1000);
            }
            throw Unexpected(context);
        }

        /// <summary>A duration token's milliseconds; one the lexer took but no duration reads ("5m5m") is a parse error.</summary>
        private long DurationToken(Token t) =>
            TryParseDuration(t.Text, out var ms) ? ms : throw Error(t.Pos, $"not a valid duration string: \"{t.Text}\"");

        private double ParseNumber(Token t)
        {
            var s = t.Text;
            var lower = s.ToLowerInvariant();
            if (lower == "inf")
            {
                return double.PositiveInfinity;
            }
            if (lower == "nan")
            {
                return double.NaN;
            }
            if (lower.StartsWith("0x", StringComparison.Ordinal))
            {
                if (ulong.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
                {
                    return hex;
                }
                throw Error(t.Pos, $"error parsing number: {s}");
            }
            if (s.Length > 1 && s[0] == '0' && s.All(ch => ch is >= '0' and <= '7') && s.Length <= 22)
            {
                // Go's ParseInt with base 0, which Prometheus tries first, reads a leading 0 as octal; one
                // beyond int64 falls through to ParseFloat, which reads it as decimal.
                try
                {
                    return Convert.ToInt64(s, 8);
                }
                catch (OverflowException)
                {
                }
            }
            if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                return v;
            }
            throw Error(t.Pos, $"error parsing number: {s}");
        }

        private string StringValue(Token t) => decoded[t.Pos];

        private Expr ParsePrimary()
        {
            var t = Cur;
            switch (t.Kind)
            {
                case TokenKind.Number:
                    _i++;
                    return new NumberLiteral(ParseNumber(t)) { Position = new PositionRange(t.Pos, t.End) };
                case TokenKind.Duration:
                    // Prometheus 3 accepts a duration where a number is expected and reads it as seconds.
                    _i++;
                    return new NumberLiteral(DurationToken(t) / 1000.0) { Position = new PositionRange(t.Pos, t.End) };
                case TokenKind.String:
                    _i++;
                    return new StringLiteral(StringValue(t)) { Position = new PositionRange(t.Pos, t.End) };
                case TokenKind.LeftParen:
                    {
                        _i++;
                        var inner = ParseExpr(0);
                        var close = Expect(TokenKind.RightParen, "in paren expression");
                        return new ParenExpr(inner) { Position = new PositionRange(t.Pos, close.End) };
                    }
                case TokenKind.LeftBrace:
                    return ParseSelector(null, t.Pos);
                case TokenKind.Identifier:
                    return ParseIdentifierExpr();
                default:
                    throw Unexpected();
            }
        }

        private Expr ParseIdentifierExpr()
        {
            var t = Cur;
            var next = PeekTok();
            if (AggregatorNames.Contains(t.Text.ToLowerInvariant()) &&
                (next.Kind == TokenKind.LeftParen || (next.Kind == TokenKind.Identifier && next.Text.ToLowerInvariant() is "by" or "without")))
            {
                return ParseAggregation();
            }
            // Most keywords (offset, and, by, ...) double as metric names where an expression starts.
            if (t.Text.ToLowerInvariant() is "bool" or "on" or "ignoring" or "group_left" or "group_right" or "atan2")
            {
                throw Unexpected();
            }
            if (next.Kind == TokenKind.LeftParen)
            {
                return ParseCall();
            }
            _i++;
            return ParseSelector(t.Text, t.Pos);
        }

        private Expr ParseCall()
        {
            var nameTok = tokens[_i++];
            if (!FunctionInfo.All.TryGetValue(nameTok.Text, out var fn))
            {
                throw Error(nameTok.Pos, $"unknown function with name \"{nameTok.Text}\"");
            }
            var args = ParseArgs();
            var close = tokens[_i - 1];
            var pos = new PositionRange(nameTok.Pos, close.End);
            if (args.Count < fn.MinArgs || args.Count > fn.MaxArgs)
            {
                var expected = fn.MaxArgs == int.MaxValue ? $"at least {fn.MinArgs}" : fn.MinArgs == fn.MaxArgs ? $"{fn.MinArgs}" : $"at most {fn.MaxArgs}";
                if (fn.MaxArgs != int.MaxValue && fn.MinArgs != fn.MaxArgs && args.Count < fn.MinArgs)
                {
                    expected = $"at least {fn.MinArgs}";
                }
                throw Error(nameTok.Pos, $"expected {expected} argument(s) in call to \"{fn.Name}\", got {args.Count}");
            }
            for (var i = 0; i < args.Count; i++)
            {
                var want = fn.ArgType(i);
                if (args[i].Type != want)
                {
                    throw Error(args[i].Position.Start, $"expected type {TypeName(want)} in call to function \"{fn.Name}\", got {TypeName(args[i].Type)}");
                }
            }
            return new Call(fn, args) { Position = pos };
        }

        private List<Expr> ParseArgs()
        {
            Expect(TokenKind.LeftParen, "in call");
            var args = new List<Expr>();
            if (Cur.Kind == TokenKind.RightParen)
            {
                _i++;
                return args;
            }
            while (true)
            {
                args.Add(ParseExpr(0));
                if (Cur.Kind == TokenKind.Comma)
                {
                    var comma = tokens[_i++];
                    if (Cur.Kind == TokenKind.RightParen)
                    {
                        throw Error(comma.Pos, "trailing commas not allowed in function call args");
                    }
                    continue;
                }
                Expect(TokenKind.RightParen, "in call");
                return args;
            }
        }

        private Expr ParseAggregation()
        {
            var opTok = tokens[_i++];
            var op = opTok.Text.ToLowerInvariant() switch
            {
                "sum" => AggregateOp.Sum,
                "avg" => AggregateOp.Avg,
                "count" => AggregateOp.Count,
                "min" => AggregateOp.Min,
                "max" => AggregateOp.Max,
                "group" => AggregateOp.Group,
                "stddev" => AggregateOp.Stddev,
                "stdvar" => AggregateOp.Stdvar,
                "topk" => AggregateOp.TopK,
                "bottomk" => AggregateOp.BottomK,
                "count_values" => AggregateOp.CountValues,
                "quantile" => AggregateOp.Quantile,
                "limitk" => AggregateOp.LimitK,
                _ => AggregateOp.LimitRatio,
            };
            IReadOnlyList<string> grouping = [];
            var without = false;
            var hasGrouping = false;
            if (IsWord("by") || IsWord("without"))
            {
                without = IsWord("without");
                _i++;
                grouping = ParseLabelList();
                hasGrouping = true;
            }
            var args = ParseArgs();
            var close = tokens[_i - 1];
            if (IsWord("by") || IsWord("without"))
            {
                if (hasGrouping)
                {
                    throw Unexpected();
                }
                without = IsWord("without");
                _i++;
                grouping = ParseLabelList();
                hasGrouping = true;
                close = tokens[_i - 1];
            }
            if (args.Count == 0)
            {
                throw Error(opTok.Pos, "no arguments for aggregate expression provided");
            }
            var needsParam = op is AggregateOp.TopK or AggregateOp.BottomK or AggregateOp.CountValues or AggregateOp.Quantile or AggregateOp.LimitK or AggregateOp.LimitRatio;
            var want = needsParam ? 2 : 1;
            if (args.Count != want)
            {
                throw Error(opTok.Pos, $"wrong number of arguments for aggregate expression provided, expected {want}, got {args.Count}");
            }
            var inner = args[^1];
            if (inner.Type != PromQlValueType.Vector)
            {
                throw Error(inner.Position.Start, $"expected type instant vector in aggregation expression, got {TypeName(inner.Type)}");
            }
            Expr? param = null;
            if (needsParam)
            {
                param = args[0];
                var pt = op == AggregateOp.CountValues ? PromQlValueType.String : PromQlValueType.Scalar;
                if (param.Type != pt)
                {
                    throw Error(param.Position.Start, $"expected type {TypeName(pt)} in aggregation parameter, got {TypeName(param.Type)}");
                }
            }
            return new AggregateExpr(op, inner, param, grouping, without) { Position = new PositionRange(opTok.Pos, close.End), HasGrouping = hasGrouping };
        }

        private List<string> ParseLabelList()
        {
            Expect(TokenKind.LeftParen, "in grouping opts, expected \"(\"");
            var labels = new List<string>();
            while (Cur.Kind != TokenKind.RightParen)
            {
                if (Cur.Kind == TokenKind.Identifier && !Cur.Text.Contains(':', StringComparison.Ordinal))
                {
                    labels.Add(Cur.Text);
                }
                else if (Cur.Kind == TokenKind.String)
                {
                    labels.Add(StringValue(Cur));
                }
                else
                {
                    throw Unexpected("in grouping opts, expected label");
                }
                _i++;
                if (Cur.Kind == TokenKind.Comma)
                {
                    _i++;
                }
                else if (Cur.Kind != TokenKind.RightParen)
                {
                    throw Unexpected("in grouping opts, expected \")\" or \",\"");
                }
            }
            _i++;
            return labels;
        }

        private VectorSelector ParseSelector(string? name, int start)
        {
            var matchers = new List<LabelMatcher>();
            var end = start + (name?.Length ?? 0);
            if (Cur.Kind == TokenKind.LeftBrace)
            {
                _i++;
                while (Cur.Kind != TokenKind.RightBrace)
                {
                    var labelTok = Cur;
                    string labelName;
                    if (labelTok.Kind == TokenKind.Identifier && !labelTok.Text.Contains(':', StringComparison.Ordinal))
                    {
                        labelName = labelTok.Text;
                    }
                    else if (labelTok.Kind == TokenKind.String)
                    {
                        labelName = StringValue(labelTok);
                    }
                    else
                    {
                        throw Unexpected("in label matching, expected identifier or \"}\"");
                    }
                    _i++;
                    if (labelTok.Kind == TokenKind.String && Cur.Kind is TokenKind.Comma or TokenKind.RightBrace)
                    {
                        // Prometheus 3: a bare quoted string inside braces names the metric.
                        if (name is not null)
                        {
                            throw Error(labelTok.Pos, $"metric name must not be set twice: \"{name}\" or \"{labelName}\"");
                        }
                        name = labelName;
                        matchers.Add(new LabelMatcher(MatcherType.Equal, Labels.MetricName, labelName));
                    }
                    else
                    {
                        var opTok = Cur;
                        MatcherType type;
                        if (opTok.Kind == TokenKind.Assign)
                        {
                            type = MatcherType.Equal;
                        }
                        else if (opTok.Kind == TokenKind.Operator && opTok.Text is "!=" or "=~" or "!~")
                        {
                            type = opTok.Text switch
                            {
                                "!=" => MatcherType.NotEqual,
                                "=~" => MatcherType.Regex,
                                _ => MatcherType.NotRegex,
                            };
                        }
                        else
                        {
                            throw Unexpected("in label matching, expected label matching operator");
                        }
                        _i++;
                        if (Cur.Kind != TokenKind.String)
                        {
                            throw Unexpected("in label matching, expected string");
                        }
                        var value = StringValue(Cur);
                        _i++;
                        try
                        {
                            matchers.Add(new LabelMatcher(type, labelName, type is MatcherType.Regex or MatcherType.NotRegex ? Evaluator.TranslateRe2(value) : value));
                        }
                        catch (ArgumentException ex)
                        {
                            throw Error(opTok.Pos, "invalid regular expression: " + ex.Message);
                        }
                    }
                    if (Cur.Kind == TokenKind.Comma)
                    {
                        _i++;
                    }
                    else if (Cur.Kind != TokenKind.RightBrace)
                    {
                        throw Unexpected("in label matching, expected \",\" or \"}\"");
                    }
                }
                end = Cur.End;
                _i++;
            }
            if (name is not null && !matchers.Exists(m => m.Name == Labels.MetricName && m.Type == MatcherType.Equal && m.Value == name))
            {
                foreach (var m in matchers)
                {
                    if (m.Name == Labels.MetricName)
                    {
                        throw Error(start, $"metric name must not be set twice: \"{name}\" or \"{m.Value}\"");
                    }
                }
                matchers.Insert(0, new LabelMatcher(MatcherType.Equal, Labels.MetricName, name));
            }
            if (!AllowEmptyMatchers && !matchers.Exists(m => !m.MatchesEmpty))
            {
                throw Error(start, "vector selector must contain at least one non-empty matcher");
            }
            return new VectorSelector(name, matchers) { Position = new PositionRange(start, end) };
        }
    }
}
