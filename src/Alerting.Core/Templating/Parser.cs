using System.Globalization;

namespace Alerting.Core.Templating;

/// <summary>
/// Go's text/template parser. Produces one tree for the top-level text (named after the file) plus one
/// per <c>define</c>/<c>block</c>; errors read like Go's: <c>template: NAME:LINE: message</c>.
/// </summary>
internal sealed class Parser
{
    private readonly string _parseName;
    private readonly string _text;
    private readonly Func<string, bool> _hasFunction;
    private readonly List<Item> _items;
    private readonly Dictionary<string, TemplateTree> _trees;
    private int _index;
    private Item _last;
    private List<string> _vars = ["$"];
    private int _rangeDepth;
    private int _actionLine;

    private Parser(string parseName, string text, Func<string, bool> hasFunction, Dictionary<string, TemplateTree> trees)
    {
        _parseName = parseName;
        _text = text;
        _hasFunction = hasFunction;
        _items = Lexer.Lex(text);
        _trees = trees;
    }

    /// <summary>Parses <paramref name="text"/>; the returned trees include the top-level one named <paramref name="name"/>.</summary>
    public static Dictionary<string, TemplateTree> Parse(string name, string text, Func<string, bool> hasFunction)
    {
        var trees = new Dictionary<string, TemplateTree>(StringComparer.Ordinal);
        var p = new Parser(name, text, hasFunction, trees);
        var root = p.ParseTop();
        p.Add(new TemplateTree(name, name, text, root));
        return trees;
    }

    private void Add(TemplateTree tree)
    {
        if (!_trees.TryGetValue(tree.Name, out var existing) || existing.IsEmpty)
        {
            _trees[tree.Name] = tree;
            return;
        }
        if (!tree.IsEmpty)
        {
            Errorf($"template: multiple definition of template {GoQuote.Quote(tree.Name)}");
        }
    }

    private Item Next()
    {
        _last = _items[Math.Min(_index, _items.Count - 1)];
        _index++;
        return _last;
    }

    private void Backup(int n = 1) => _index -= n;

    private Item Peek() => _items[Math.Min(_index, _items.Count - 1)];

    private Item NextNonSpace()
    {
        Item t;
        do
        {
            t = Next();
        }
        while (t.Type == ItemType.Space);
        return t;
    }

    private Item PeekNonSpace()
    {
        var t = NextNonSpace();
        Backup();
        return t;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Errorf(string message) =>
        throw new TemplateParseException($"template: {_parseName}:{_last.Line}: {message}");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Unexpected(Item token, string context)
    {
        if (token.Type == ItemType.Error)
        {
            var extra = "";
            if (_actionLine != 0 && _actionLine != token.Line)
            {
                extra = $" in action started at {_parseName}:{_actionLine}";
                if (token.Val.EndsWith(" action", StringComparison.Ordinal))
                {
                    extra = extra[" in action".Length..];
                }
            }
            _last = token;
            Errorf(token + extra);
        }
        _last = token;
        Errorf($"unexpected {token} in {context}");
    }

    private Item Expect(ItemType expected, string context)
    {
        var t = NextNonSpace();
        if (t.Type != expected)
        {
            Unexpected(t, context);
        }
        return t;
    }

    private ListNode ParseTop()
    {
        var root = new ListNode(Peek().Pos);
        while (Peek().Type != ItemType.Eof)
        {
            if (Peek().Type == ItemType.LeftDelim)
            {
                var save = _index;
                Next();
                if (NextNonSpace().Type == ItemType.Define)
                {
                    ParseDefinition();
                    continue;
                }
                _index = save;
            }
            var n = TextOrAction();
            if (n is EndNode or ElseNode)
            {
                Errorf($"unexpected {n}");
            }
            root.Nodes.Add(n);
        }
        return root;
    }

    private void ParseDefinition()
    {
        const string context = "define clause";
        var nameTok = NextNonSpace();
        if (nameTok.Type is not (ItemType.String or ItemType.RawString))
        {
            Unexpected(nameTok, context);
        }
        var name = UnquoteOrFail(nameTok.Val);
        Expect(ItemType.RightDelim, context);
        var savedVars = _vars;
        _vars = ["$"];
        var (list, end) = ItemList();
        _vars = savedVars;
        if (end is not EndNode)
        {
            Errorf($"unexpected {end} in {context}");
        }
        Add(new TemplateTree(name, _parseName, _text, list));
    }

    /// <summary>
    /// Go bounds nested parentheses at 10000 ("max expression depth exceeded") and relies on growing
    /// stacks for nested blocks; our parser recurses on a fixed stack, where an overflow kills the process,
    /// so blocks and parentheses together may nest this deep.
    /// </summary>
    private const int MaxNesting = 400;

    private int _nesting;

    private void Enter()
    {
        if (++_nesting > MaxNesting)
        {
            Errorf("max expression depth exceeded");
        }
    }

    private (ListNode List, Node End) ItemList()
    {
        Enter();
        try
        {
            return ItemListInner();
        }
        finally
        {
            _nesting--;
        }
    }

    private (ListNode List, Node End) ItemListInner()
    {
        var list = new ListNode(Peek().Pos);
        while (PeekNonSpace().Type != ItemType.Eof)
        {
            var n = TextOrAction();
            if (n is EndNode or ElseNode)
            {
                return (list, n);
            }
            list.Nodes.Add(n);
        }
        Errorf("unexpected EOF");
        return default;
    }

    private Node TextOrAction()
    {
        var token = NextNonSpace();
        switch (token.Type)
        {
            case ItemType.Text:
                return new TextNode(token.Pos, token.Val);
            case ItemType.LeftDelim:
                _actionLine = token.Line;
                try
                {
                    return Action();
                }
                finally
                {
                    _actionLine = 0;
                }
            default:
                Unexpected(token, "input");
                return null!;
        }
    }

    private Node Action()
    {
        var token = NextNonSpace();
        switch (token.Type)
        {
            case ItemType.Block:
                return BlockControl();
            case ItemType.Break:
                return BreakOrContinue(token, "break");
            case ItemType.Continue:
                return BreakOrContinue(token, "continue");
            case ItemType.Else:
                return ElseControl();
            case ItemType.End:
                Expect(ItemType.RightDelim, "end");
                return new EndNode(token.Pos);
            case ItemType.If:
                return ParseControl(BranchKind.If, "if");
            case ItemType.Range:
                return ParseControl(BranchKind.Range, "range");
            case ItemType.Template:
                return TemplateControl();
            case ItemType.With:
                return ParseControl(BranchKind.With, "with");
        }
        Backup();
        var t = Peek();
        return new ActionNode(t.Pos, t.Line, Pipeline("command", ItemType.RightDelim));
    }

    private Node BreakOrContinue(Item token, string word)
    {
        if (_rangeDepth == 0)
        {
            Errorf($"{{{{{word}}}}} outside {{{{range}}}}");
        }
        var next = NextNonSpace();
        if (next.Type != ItemType.RightDelim)
        {
            Unexpected(next, $"{{{{{word}}}}}");
        }
        return word == "break" ? new BreakNode(token.Pos, token.Line) : new ContinueNode(token.Pos, token.Line);
    }

    private Node ElseControl()
    {
        var peek = PeekNonSpace();
        if (peek.Type is ItemType.If or ItemType.With)
        {
            return new ElseNode(peek.Pos, peek.Line);
        }
        var token = Expect(ItemType.RightDelim, "else");
        return new ElseNode(token.Pos, token.Line);
    }

    private Node ParseControl(BranchKind kind, string context)
    {
        var mark = _vars.Count;
        try
        {
            var pipe = Pipeline(context, ItemType.RightDelim);
            if (kind == BranchKind.Range)
            {
                _rangeDepth++;
            }
            var (list, next) = ItemList();
            if (kind == BranchKind.Range)
            {
                _rangeDepth--;
            }
            ListNode? elseList = null;
            if (next is ElseNode)
            {
                if ((kind == BranchKind.If && Peek().Type == ItemType.If) || (kind == BranchKind.With && Peek().Type == ItemType.With))
                {
                    // "{{else if ...}}" / "{{else with ...}}" nests a new control that consumes the shared {{end}}.
                    Next();
                    elseList = new ListNode(next.Pos);
                    elseList.Nodes.Add(ParseControl(kind, context));
                }
                else
                {
                    (elseList, next) = ItemList();
                    if (next is not EndNode)
                    {
                        Errorf($"expected end; found {next}");
                    }
                }
            }
            return new BranchNode(kind, pipe.Pos, pipe.Line, pipe, list, elseList);
        }
        finally
        {
            _vars.RemoveRange(mark, _vars.Count - mark);
        }
    }

    private Node TemplateControl()
    {
        const string context = "template clause";
        var token = NextNonSpace();
        var name = ParseTemplateName(token, context);
        PipeNode? pipe = null;
        if (NextNonSpace().Type != ItemType.RightDelim)
        {
            Backup();
            pipe = Pipeline(context, ItemType.RightDelim);
        }
        return new TemplateNode(token.Pos, token.Line, name, pipe);
    }

    private Node BlockControl()
    {
        const string context = "block clause";
        var token = NextNonSpace();
        var name = ParseTemplateName(token, context);
        var pipe = Pipeline(context, ItemType.RightDelim);
        var savedVars = _vars;
        var savedRange = _rangeDepth;
        _vars = ["$"];
        _rangeDepth = 0;
        var (list, end) = ItemList();
        _vars = savedVars;
        _rangeDepth = savedRange;
        if (end is not EndNode)
        {
            Errorf($"unexpected {end} in {context}");
        }
        Add(new TemplateTree(name, _parseName, _text, list));
        return new TemplateNode(token.Pos, token.Line, name, pipe);
    }

    private string ParseTemplateName(Item token, string context)
    {
        if (token.Type is ItemType.String or ItemType.RawString)
        {
            return UnquoteOrFail(token.Val);
        }
        Unexpected(token, context);
        return "";
    }

    private string UnquoteOrFail(string quoted)
    {
        try
        {
            return GoQuote.Unquote(quoted);
        }
        catch (FormatException e)
        {
            Errorf(e.Message);
            return "";
        }
    }

    private PipeNode Pipeline(string context, ItemType end)
    {
        Enter();
        try
        {
            return PipelineInner(context, end);
        }
        finally
        {
            _nesting--;
        }
    }

    private PipeNode PipelineInner(string context, ItemType end)
    {
        var token = PeekNonSpace();
        var pipe = new PipeNode(token.Pos, token.Line);
    decls:
        var v = PeekNonSpace();
        if (v.Type == ItemType.Variable)
        {
            while (Peek().Type == ItemType.Space)
            {
                Next();
            }
            var vIndex = _index;
            Next();
            var tokenAfterVariable = Peek();
            var next = PeekNonSpace();
            if (next.Type is ItemType.Assign or ItemType.Declare)
            {
                pipe.IsAssign = next.Type == ItemType.Assign;
                NextNonSpace();
                pipe.Decl.Add(new VariableNode(v.Pos, [v.Val]));
                _vars.Add(v.Val);
            }
            else if (next.Type == ItemType.Char && next.Val == ",")
            {
                NextNonSpace();
                pipe.Decl.Add(new VariableNode(v.Pos, [v.Val]));
                _vars.Add(v.Val);
                if (context == "range" && pipe.Decl.Count < 2)
                {
                    if (PeekNonSpace().Type is ItemType.Variable or ItemType.RightDelim or ItemType.RightParen)
                    {
                        goto decls;
                    }
                    Errorf("range can only initialize variables");
                }
                Errorf($"too many declarations in {context}");
            }
            else if (tokenAfterVariable.Type == ItemType.Space)
            {
                // Not a declaration: rewind to the variable so it is parsed as an operand.
                _index = vIndex;
            }
            else
            {
                Backup();
            }
        }
        while (true)
        {
            var t = NextNonSpace();
            if (t.Type == end)
            {
                CheckPipeline(pipe, context);
                return pipe;
            }
            switch (t.Type)
            {
                case ItemType.Bool:
                case ItemType.CharConstant:
                case ItemType.Dot:
                case ItemType.Field:
                case ItemType.Identifier:
                case ItemType.Number:
                case ItemType.Nil:
                case ItemType.RawString:
                case ItemType.String:
                case ItemType.Variable:
                case ItemType.LeftParen:
                    Backup();
                    pipe.Cmds.Add(Command());
                    break;
                default:
                    Unexpected(t, context);
                    break;
            }
        }
    }

    private void CheckPipeline(PipeNode pipe, string context)
    {
        if (pipe.Cmds.Count == 0)
        {
            Errorf($"missing value for {context}");
        }
        for (var i = 1; i < pipe.Cmds.Count; i++)
        {
            if (pipe.Cmds[i].Args[0] is BoolNode or DotNode or NilNode or NumberNode or StringNode)
            {
                Errorf($"non executable command in pipeline stage {i + 1}");
            }
        }
    }

    private CommandNode Command()
    {
        var cmd = new CommandNode(PeekNonSpace().Pos);
        while (true)
        {
            PeekNonSpace();
            var operand = Operand();
            if (operand is not null)
            {
                cmd.Args.Add(operand);
            }
            var token = Next();
            if (token.Type == ItemType.Space)
            {
                continue;
            }
            if (token.Type is ItemType.RightDelim or ItemType.RightParen)
            {
                Backup();
            }
            else if (token.Type != ItemType.Pipe)
            {
                Unexpected(token, "operand");
            }
            break;
        }
        if (cmd.Args.Count == 0)
        {
            Errorf("empty command");
        }
        return cmd;
    }

    private Node? Operand()
    {
        var node = Term();
        if (node is null)
        {
            return null;
        }
        if (Peek().Type == ItemType.Field)
        {
            var chain = new ChainNode(Peek().Pos, node);
            while (Peek().Type == ItemType.Field)
            {
                chain.Field.Add(Next().Val[1..]);
            }
            switch (node)
            {
                case FieldNode f:
                    // Go positions the merged node at the first chained field.
                    return new FieldNode(chain.Pos, [.. f.Ident, .. chain.Field]);
                case VariableNode v:
                    return new VariableNode(chain.Pos, [.. v.Ident, .. chain.Field]);
                case BoolNode or StringNode or NumberNode or NilNode or DotNode:
                    Errorf($"unexpected . after term {GoQuote.Quote(node.ToString()!)}");
                    break;
            }
            return chain;
        }
        return node;
    }

    private Node? Term()
    {
        var token = NextNonSpace();
        switch (token.Type)
        {
            case ItemType.Identifier:
                if (!_hasFunction(token.Val))
                {
                    Errorf($"function {GoQuote.Quote(token.Val)} not defined");
                }
                return new IdentifierNode(token.Pos, token.Val);
            case ItemType.Dot:
                return new DotNode(token.Pos);
            case ItemType.Nil:
                return new NilNode(token.Pos);
            case ItemType.Variable:
                return UseVar(token);
            case ItemType.Field:
                return new FieldNode(token.Pos, [token.Val[1..]]);
            case ItemType.Bool:
                return new BoolNode(token.Pos, token.Val == "true");
            case ItemType.CharConstant:
            case ItemType.Number:
                return NewNumber(token);
            case ItemType.LeftParen:
                return Pipeline("parenthesized pipeline", ItemType.RightParen);
            case ItemType.String:
            case ItemType.RawString:
                return new StringNode(token.Pos, token.Val, UnquoteOrFail(token.Val));
        }
        Backup();
        return null;
    }

    private VariableNode UseVar(Item token)
    {
        var parts = token.Val.Split('.');
        if (!_vars.Contains(parts[0]))
        {
            Errorf($"undefined variable {GoQuote.Quote(parts[0])}");
        }
        return new VariableNode(token.Pos, parts);
    }

    private NumberNode NewNumber(Item token)
    {
        var text = token.Val;
        var n = new NumberNode(token.Pos, text);
        if (token.Type == ItemType.CharConstant)
        {
            string ch;
            try
            {
                ch = GoQuote.Unquote(text);
            }
            catch (FormatException)
            {
                Errorf($"malformed character constant: {text}");
                return n;
            }
            var r = char.ConvertToUtf32(ch, 0);
            n.IsInt = n.IsUint = n.IsFloat = true;
            n.Int64 = r;
            n.Uint64 = (ulong)r;
            n.Float64 = r;
            return n;
        }
        if (text.EndsWith('i'))
        {
            Errorf($"illegal number syntax: {GoQuote.Quote(text)}");
        }
        var looksFloat = !IsHex(text) && text.IndexOfAny(['.', 'e', 'E']) >= 0;
        if (!looksFloat)
        {
            try
            {
                n.Int64 = Lexer.ParseGoInt(text);
                n.IsInt = true;
                if (n.Int64 >= 0)
                {
                    n.IsUint = true;
                    n.Uint64 = (ulong)n.Int64;
                }
            }
            catch (Exception e) when (e is OverflowException or FormatException or ArgumentException)
            {
                if (!text.StartsWith('-') && ulong.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var u))
                {
                    n.IsUint = true;
                    n.Uint64 = u;
                }
            }
        }
        if (n.IsInt)
        {
            n.IsFloat = true;
            n.Float64 = n.Int64;
        }
        else if (n.IsUint)
        {
            n.IsFloat = true;
            n.Float64 = n.Uint64;
        }
        else if (double.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var f))
        {
            if (!looksFloat)
            {
                Errorf($"integer overflow: {GoQuote.Quote(text)}");
            }
            n.IsFloat = true;
            n.Float64 = f;
            if (!n.IsInt && Math.Abs(f) < 9.2e18 && (double)(long)f == f)
            {
                n.IsInt = true;
                n.Int64 = (long)f;
            }
            if (!n.IsUint && f >= 0 && f < 1.8e19 && (double)(ulong)f == f)
            {
                n.IsUint = true;
                n.Uint64 = (ulong)f;
            }
        }
        if (!n.IsInt && !n.IsUint && !n.IsFloat)
        {
            Errorf($"illegal number syntax: {GoQuote.Quote(text)}");
        }
        return n;

        static bool IsHex(string s)
        {
            var t = s.TrimStart('+', '-');
            return t.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        }
    }
}
