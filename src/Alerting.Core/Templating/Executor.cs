using System.Collections;
using System.Reflection;
using System.Text;

namespace Alerting.Core.Templating;

/// <summary>Executes parsed trees with Go's text/template semantics (exec.go).</summary>
internal sealed class Executor(TemplateSet set, Func<string, TemplateTree?> lookup, bool html = false)
{
    private const int MaxDepth = 1000;

    /// <summary>Marks "no value passed down the pipeline" (Go's missingVal), distinct from nil.</summary>
    private static readonly object Missing = new();

    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    private readonly StringBuilder _out = new();
    private readonly List<(string Name, object? Value)> _vars = [];
    private TemplateTree _tree = null!;
    private Node? _node;
    private int _depth;
    private bool _inHtmlComment;

    public string Run(TemplateTree tree, object? data)
    {
        _tree = tree;
        _vars.Add(("$", data));
        Walk(data, tree.Root);
        return _out.ToString();
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Errorf(string message)
    {
        var name = _tree.Name;
        if (_node is null)
        {
            throw new TemplateExecutionException($"template: {name}: {message}");
        }
        var (location, context) = _tree.ErrorContext(_node);
        throw new TemplateExecutionException($"template: {location}: executing {GoQuote.Quote(name)} at <{context}>: {message}");
    }

    private void At(Node n) => _node = n;

    private int Mark() => _vars.Count;

    private void Pop(int mark) => _vars.RemoveRange(mark, _vars.Count - mark);

    private void SetVar(string name, object? value)
    {
        for (var i = _vars.Count - 1; i >= 0; i--)
        {
            if (_vars[i].Name == name)
            {
                _vars[i] = (name, value);
                return;
            }
        }
        Errorf($"undefined variable: {name}");
    }

    private void SetTopVar(int n, object? value) => _vars[^n] = (_vars[^n].Name, value);

    private object? VarValue(string name)
    {
        for (var i = _vars.Count - 1; i >= 0; i--)
        {
            if (_vars[i].Name == name)
            {
                return _vars[i].Value;
            }
        }
        Errorf($"undefined variable: {name}");
        return null;
    }

    private Flow Walk(object? dot, Node node)
    {
        At(node);
        switch (node)
        {
            case ActionNode a:
                var val = EvalPipeline(dot, a.Pipe);
                if (a.Pipe.Decl.Count == 0)
                {
                    PrintValue(a, val);
                }
                return Flow.Normal;
            case BreakNode:
                return Flow.Break;
            case ContinueNode:
                return Flow.Continue;
            case BranchNode { Kind: BranchKind.Range } r:
                return WalkRange(dot, r);
            case BranchNode b:
                return WalkIfOrWith(dot, b);
            case ListNode l:
                foreach (var n in l.Nodes)
                {
                    var flow = Walk(dot, n);
                    if (flow != Flow.Normal)
                    {
                        return flow;
                    }
                }
                return Flow.Normal;
            case TemplateNode t:
                WalkTemplate(dot, t);
                return Flow.Normal;
            case TextNode text:
                _out.Append(html ? HtmlEscaping.StripComments(text.Text, ref _inHtmlComment) : text.Text);
                return Flow.Normal;
            default:
                Errorf($"unknown node: {node}");
                return Flow.Normal;
        }
    }

    private Flow WalkIfOrWith(object? dot, BranchNode b)
    {
        var mark = Mark();
        try
        {
            var val = EvalPipeline(dot, b.Pipe);
            if (GoValues.IsTrue(val))
            {
                return Walk(b.Kind == BranchKind.With ? val : dot, b.List);
            }
            if (b.ElseList is not null)
            {
                return Walk(dot, b.ElseList);
            }
            return Flow.Normal;
        }
        finally
        {
            Pop(mark);
        }
    }

    private Flow WalkRange(object? dot, BranchNode r)
    {
        At(r);
        var outer = Mark();
        try
        {
            var val = EvalPipeline(dot, r.Pipe);
            var mark = Mark();

            bool OneIteration(object? index, object? elem)
            {
                if (r.Pipe.Decl.Count > 0)
                {
                    if (r.Pipe.IsAssign)
                    {
                        SetVar(r.Pipe.Decl[0].Ident[0], r.Pipe.Decl.Count > 1 ? index : elem);
                    }
                    else
                    {
                        SetTopVar(1, elem);
                    }
                }
                if (r.Pipe.Decl.Count > 1)
                {
                    if (r.Pipe.IsAssign)
                    {
                        SetVar(r.Pipe.Decl[1].Ident[0], elem);
                    }
                    else
                    {
                        SetTopVar(2, index);
                    }
                }
                try
                {
                    return Walk(elem, r.List) != Flow.Break;
                }
                finally
                {
                    Pop(mark);
                }
            }

            var any = false;
            switch (GoValues.Kind(val))
            {
                case GoKind.Slice:
                    var list = GoValues.AsList(val!);
                    for (var i = 0; i < list.Count; i++)
                    {
                        any = true;
                        if (!OneIteration((long)i, list[i]))
                        {
                            break;
                        }
                    }
                    break;
                case GoKind.Map:
                    foreach (var kv in GoValues.AsMap(val!)!.Sorted)
                    {
                        any = true;
                        if (!OneIteration(kv.Key, kv.Value))
                        {
                            break;
                        }
                    }
                    break;
                case GoKind.Int:
                case GoKind.Uint:
                    var n = GoValues.Kind(val) == GoKind.Int ? GoValues.ToInt64(val!) : (long)GoValues.ToUInt64(val!);
                    if (r.Pipe.Decl.Count > 1)
                    {
                        Errorf("can't use " + GoFmt.Value(val) + " to iterate over more than one variable");
                    }
                    for (long i = 0; i < n; i++)
                    {
                        any = true;
                        if (!OneIteration(i, i))
                        {
                            break;
                        }
                    }
                    break;
                case GoKind.Invalid:
                    break;
                default:
                    Errorf($"range can't iterate over {GoFmt.Value(val)}");
                    break;
            }
            if (!any && r.ElseList is not null)
            {
                return Walk(dot, r.ElseList);
            }
            return Flow.Normal;
        }
        finally
        {
            Pop(outer);
        }
    }

    private void WalkTemplate(object? dot, TemplateNode t)
    {
        At(t);
        var tree = lookup(t.Name);
        if (tree is null)
        {
            Errorf($"template {GoQuote.Quote(t.Name)} not defined");
        }
        if (_depth >= MaxDepth)
        {
            Errorf($"exceeded maximum template depth ({MaxDepth})");
        }
        var newDot = t.Pipe is null ? null : EvalPipeline(dot, t.Pipe);
        var savedTree = _tree;
        var savedVars = _vars.ToArray();
        _vars.Clear();
        _vars.Add(("$", newDot));
        _tree = tree;
        _depth++;
        try
        {
            Walk(newDot, tree.Root);
        }
        finally
        {
            _depth--;
            _tree = savedTree;
            _vars.Clear();
            _vars.AddRange(savedVars);
        }
    }

    private object? EvalPipeline(object? dot, PipeNode pipe)
    {
        At(pipe);
        var value = Missing;
        foreach (var cmd in pipe.Cmds)
        {
            value = EvalCommand(dot, cmd, value);
        }
        foreach (var v in pipe.Decl)
        {
            if (pipe.IsAssign)
            {
                SetVar(v.Ident[0], value);
            }
            else
            {
                _vars.Add((v.Ident[0], value));
            }
        }
        return value;
    }

    private void NotAFunction(List<Node> args, object? final)
    {
        if (args.Count > 1 || !ReferenceEquals(final, Missing))
        {
            Errorf($"can't give argument to non-function {args[0]}");
        }
    }

    private object? EvalCommand(object? dot, CommandNode cmd, object? final)
    {
        var first = cmd.Args[0];
        switch (first)
        {
            case FieldNode f:
                At(f);
                return EvalFieldChain(dot, dot, f, f.Ident, cmd.Args, final);
            case ChainNode c:
                return EvalChainNode(dot, c, cmd.Args, final);
            case IdentifierNode id:
                return EvalFunction(dot, id, cmd, cmd.Args, final);
            case PipeNode p:
                NotAFunction(cmd.Args, final);
                return EvalPipeline(dot, p);
            case VariableNode v:
                return EvalVariableNode(dot, v, cmd.Args, final);
        }
        At(first);
        NotAFunction(cmd.Args, final);
        switch (first)
        {
            case BoolNode b:
                return b.True;
            case DotNode:
                return dot;
            case NilNode:
                Errorf("nil is not a command");
                break;
            case NumberNode n:
                return IdealConstant(n);
            case StringNode s:
                return s.Text;
        }
        Errorf($"can't evaluate command {GoQuote.Quote(first.ToString()!)}");
        return null;
    }

    private object? IdealConstant(NumberNode n)
    {
        At(n);
        var t = n.Text;
        var isHex = t.TrimStart('+', '-').StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (n.IsFloat && !isHex && !t.StartsWith('\'') && t.IndexOfAny(['.', 'e', 'E', 'p', 'P']) >= 0)
        {
            return n.Float64;
        }
        if (n.IsInt)
        {
            return n.Int64;
        }
        if (n.IsUint)
        {
            Errorf($"{t} overflows int");
        }
        return n.Float64;
    }

    private object? EvalChainNode(object? dot, ChainNode chain, List<Node> args, object? final)
    {
        At(chain);
        if (chain.Node is NilNode)
        {
            Errorf($"indirection through explicit nil in {chain}");
        }
        var pipe = EvalArg(dot, chain.Node);
        return EvalFieldChain(dot, pipe, chain, [.. chain.Field], args, final);
    }

    private object? EvalVariableNode(object? dot, VariableNode v, List<Node> args, object? final)
    {
        At(v);
        var value = VarValue(v.Ident[0]);
        if (v.Ident.Length == 1)
        {
            NotAFunction(args, final);
            return value;
        }
        return EvalFieldChain(dot, value, v, v.Ident[1..], args, final);
    }

    private object? EvalFieldChain(object? dot, object? receiver, Node node, string[] ident, List<Node> args, object? final)
    {
        var n = ident.Length;
        for (var i = 0; i < n - 1; i++)
        {
            receiver = EvalField(dot, ident[i], node, [], Missing, receiver);
        }
        return EvalField(dot, ident[n - 1], node, args, final, receiver);
    }

    private object? EvalField(object? dot, string fieldName, Node node, List<Node> args, object? final, object? receiver)
    {
        if (receiver is null)
        {
            if (set.MissingKey == MissingKeyMode.Error)
            {
                Errorf($"nil data; no entry for key {GoQuote.Quote(fieldName)}");
            }
            return null;
        }
        if (GoTimeMethods.Has(receiver, fieldName))
        {
            return CallTimeMethod(dot, receiver, node, fieldName, args, final);
        }
        var member = receiver is Model.Labels ? null : GoValues.FindMember(receiver, fieldName);
        var hasArgs = args.Count > 1 || !ReferenceEquals(final, Missing);
        if (member is MethodInfo method)
        {
            return CallMethod(dot, receiver, method, node, fieldName, args, final);
        }
        if (member is PropertyInfo prop)
        {
            if (hasArgs)
            {
                Errorf($"{fieldName} has arguments but cannot be invoked as function");
            }
            return prop.GetValue(receiver);
        }
        if (GoValues.AsMap(receiver) is { } map)
        {
            if (hasArgs)
            {
                Errorf($"{fieldName} is not a method but has arguments");
            }
            var (found, value) = map.Lookup(fieldName);
            if (found)
            {
                return value;
            }
            switch (set.MissingKey)
            {
                case MissingKeyMode.Zero:
                    return map.Zero;
                case MissingKeyMode.Error:
                    Errorf($"map has no entry for key {GoQuote.Quote(fieldName)}");
                    break;
            }
            return null;
        }
        Errorf($"can't evaluate field {fieldName} in type {GoValues.TypeName(receiver)}");
        return null;
    }

    private object? CallTimeMethod(object? dot, object receiver, Node node, string name, List<Node> args, object? final)
    {
        var argValues = new List<object?>();
        for (var i = 1; i < args.Count; i++)
        {
            argValues.Add(EvalArg(dot, args[i]));
        }
        if (!ReferenceEquals(final, Missing))
        {
            argValues.Add(final);
        }
        At(node);
        try
        {
            return GoTimeMethods.Invoke(receiver, name, argValues.ToArray());
        }
        catch (TemplateArgumentException e)
        {
            Errorf(e.Message);
            return null;
        }
    }

    private object? CallMethod(object? dot, object receiver, MethodInfo method, Node node, string name, List<Node> args, object? final)
    {
        var ps = method.GetParameters();
        var given = Math.Max(args.Count - 1, 0) + (ReferenceEquals(final, Missing) ? 0 : 1);
        if (given != ps.Length)
        {
            Errorf($"wrong number of args for {name}: want {ps.Length} got {given}");
        }
        var converted = new object?[ps.Length];
        for (var i = 1; i < args.Count; i++)
        {
            var t = ps[i - 1].ParameterType;
            if (args[i] is StringNode or NumberNode or BoolNode && !Literal(args[i], t))
            {
                At(args[i]);
                var expected = t == typeof(string) ? "string" : t == typeof(bool) ? "bool" : t == typeof(double) ? "float" : t == typeof(long) || t == typeof(int) ? "integer" : null;
                Errorf(expected is null ? $"can't handle {args[i]} for arg of type {GoTypeOf(t)}" : $"expected {expected}; found {args[i]}");
            }
            converted[i - 1] = ConvertArg(EvalArg(dot, args[i]), t);
        }
        if (!ReferenceEquals(final, Missing))
        {
            converted[^1] = ConvertArg(final, ps[^1].ParameterType);
        }
        try
        {
            return method.Invoke(receiver, converted);
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            At(node);
            Errorf($"error calling {name}: {inner.Message}");
            return null;
        }
    }

    private object? ConvertArg(object? v, Type t)
    {
        if (v is null)
        {
            if (!t.IsValueType || Nullable.GetUnderlyingType(t) is not null)
            {
                return null;
            }
            Errorf($"invalid value; expected {GoTypeOf(t)}");
        }
        if (t.IsInstanceOfType(v))
        {
            return v;
        }
        var kind = GoValues.Kind(v);
        if (t == typeof(double) && kind is GoKind.Int or GoKind.Float)
        {
            return kind == GoKind.Int ? (double)GoValues.ToInt64(v) : GoValues.ToDouble(v);
        }
        if ((t == typeof(long) || t == typeof(int)) && kind == GoKind.Int)
        {
            return Convert.ChangeType(GoValues.ToInt64(v), t, System.Globalization.CultureInfo.InvariantCulture);
        }
        if (t.IsAssignableFrom(typeof(string[])) && v is IEnumerable e && v is not string)
        {
            var strings = new List<string>();
            foreach (var item in e)
            {
                if (item is not string s)
                {
                    Errorf($"wrong type for value; expected {GoTypeOf(t)}; got {GoValues.TypeName(v)}");
                    return null;
                }
                strings.Add(s);
            }
            return strings.ToArray();
        }
        Errorf($"wrong type for value; expected {GoTypeOf(t)}; got {GoValues.TypeName(v)}");
        return null;
    }

    private static bool Literal(Node n, Type t) => n switch
    {
        StringNode => t.IsAssignableFrom(typeof(string)),
        BoolNode => t.IsAssignableFrom(typeof(bool)),
        NumberNode num => t.IsAssignableFrom(typeof(long)) || t.IsAssignableFrom(typeof(double)) || (num.IsInt && t == typeof(int)),
        _ => true,
    };

    private static string GoTypeOf(Type t)
    {
        if (t == typeof(string))
        {
            return "string";
        }
        if (t == typeof(double))
        {
            return "float64";
        }
        if (t == typeof(long) || t == typeof(int))
        {
            return "int";
        }
        if (t == typeof(bool))
        {
            return "bool";
        }
        if (t.IsAssignableFrom(typeof(string[])))
        {
            return "[]string";
        }
        return t.GetCustomAttribute<GoTypeNameAttribute>()?.Name ?? t.Name;
    }

    private object? EvalFunction(object? dot, IdentifierNode id, CommandNode cmd, List<Node> args, object? final)
    {
        At(id);
        var name = id.Ident;
        if (!set.TryGetFunction(name, out var fn))
        {
            Errorf($"{GoQuote.Quote(name)} is not a defined function");
        }
        var sig = GoFunction.SignatureOf(fn);
        var explicitArgs = Math.Max(args.Count - 1, 0);
        var hasFinal = !ReferenceEquals(final, Missing);
        var numIn = explicitArgs + (hasFinal ? 1 : 0);
        var numFixed = sig.Variadic ? sig.Parameters.Count - 1 : sig.Parameters.Count;
        if (sig.Variadic && numIn < numFixed)
        {
            Errorf($"wrong number of args for {name}: want at least {numFixed} got {explicitArgs}");
        }
        else if (!sig.Variadic && numIn != sig.Parameters.Count)
        {
            Errorf($"wrong number of args for {name}: want {sig.Parameters.Count} got {numIn}");
        }
        GoParamType ParamAt(int i) => i < numFixed ? sig.Parameters[i] : sig.Parameters[^1];

        var isBuiltin = Builtins.Functions.TryGetValue(name, out var builtin) && ReferenceEquals(builtin, fn);
        if (isBuiltin && name is "and" or "or")
        {
            object? v = null;
            for (var i = 1; i < args.Count; i++)
            {
                v = EvalTypedArg(dot, ParamAt(i - 1), args[i]);
                if (GoValues.IsTrue(v) == (name == "or"))
                {
                    return v;
                }
            }
            if (hasFinal)
            {
                v = final;
            }
            return v;
        }
        var argValues = new object?[numIn];
        for (var i = 1; i < args.Count; i++)
        {
            argValues[i - 1] = EvalTypedArg(dot, ParamAt(i - 1), args[i]);
        }
        if (hasFinal)
        {
            argValues[^1] = ValidateType(final, ParamAt(numIn - 1));
        }
        try
        {
            return fn(argValues);
        }
        catch (TemplateArgumentException e)
        {
            At(cmd);
            Errorf(e.Message);
            return null;
        }
        catch (TemplateExecutionException)
        {
            throw;
        }
        catch (Exception e)
        {
            At(cmd);
            Errorf($"error calling {name}: {e.Message}");
            return null;
        }
    }

    /// <summary>Go's evalArg for a typed parameter: literals must match the type's kind, other values are validated.</summary>
    private object? EvalTypedArg(object? dot, GoParamType type, Node n)
    {
        At(n);
        switch (n)
        {
            case NilNode:
                if (type.Nilable && !ReferenceEquals(type, GoParamType.Value))
                {
                    return null;
                }
                Errorf($"cannot assign nil to {type.Name}");
                return null;
            case BoolNode or NumberNode or StringNode:
                switch (type.Literal)
                {
                    case GoParamType.LiteralKind.Any:
                        return EvalArg(dot, n);
                    case GoParamType.LiteralKind.String when n is StringNode str:
                        return str.Text;
                    case GoParamType.LiteralKind.String:
                        Errorf($"expected string; found {n}");
                        break;
                    case GoParamType.LiteralKind.Bool when n is BoolNode b:
                        return b.True;
                    case GoParamType.LiteralKind.Bool:
                        Errorf($"expected bool; found {n}");
                        break;
                    case GoParamType.LiteralKind.Int when n is NumberNode { IsInt: true } i:
                        return i.Int64;
                    case GoParamType.LiteralKind.Int:
                        Errorf($"expected integer; found {n}");
                        break;
                    case GoParamType.LiteralKind.Float when n is NumberNode { IsFloat: true } f:
                        return f.Float64;
                    case GoParamType.LiteralKind.Float:
                        Errorf($"expected float; found {n}");
                        break;
                }
                Errorf($"can't handle {n} for arg of type {type.Name}");
                return null;
            default:
                return ValidateType(EvalArg(dot, n), type);
        }
    }

    private object? ValidateType(object? value, GoParamType type)
    {
        if (value is null)
        {
            if (type.Nilable)
            {
                return null;
            }
            // A zero interface value (missingkey=zero on a map of interfaces) is typed in Go; a missing one is not.
            Errorf(set.MissingKey == MissingKeyMode.Zero
                ? $"wrong type for value; expected {type.Name}; got interface {{}}"
                : $"invalid value; expected {type.Name}");
        }
        if (type.TryConvert(value!, out var converted))
        {
            return converted;
        }
        Errorf($"wrong type for value; expected {type.Name}; got {GoValues.TypeName(value)}");
        return null;
    }

    private object? EvalArg(object? dot, Node n)
    {
        At(n);
        switch (n)
        {
            case DotNode:
                return dot;
            case NilNode:
                return null;
            case FieldNode f:
                return EvalFieldChain(dot, dot, f, f.Ident, [n], Missing);
            case VariableNode v:
                return EvalVariableNode(dot, v, [], Missing);
            case PipeNode p:
                return EvalPipeline(dot, p);
            case IdentifierNode id:
                return EvalFunction(dot, id, new CommandNode(id.Pos) { Args = { id } }, [id], Missing);
            case ChainNode c:
                return EvalChainNode(dot, c, [], Missing);
            case BoolNode b:
                return b.True;
            case NumberNode num:
                return IdealConstant(num);
            case StringNode s:
                return s.Text;
        }
        Errorf($"can't handle {n} for arg");
        return null;
    }

    private void PrintValue(ActionNode n, object? v)
    {
        At(n);
        if (html)
        {
            if (GoValues.Kind(v) == GoKind.Func)
            {
                Errorf($"can't print {n} of type {GoValues.TypeName(v)}");
            }
            var last = n.Pipe.Cmds[^1].Args[0] as IdentifierNode;
            _out.Append(HtmlEscaping.Escape(_out, ReferenceEquals(v, Missing) ? null : v, last?.Ident));
            return;
        }
        if (v is null || ReferenceEquals(v, Missing))
        {
            _out.Append("<no value>");
            return;
        }
        if (GoValues.Kind(v) == GoKind.Func)
        {
            Errorf($"can't print {n} of type {GoValues.TypeName(v)}");
        }
        _out.Append(GoFmt.Value(v));
    }
}
