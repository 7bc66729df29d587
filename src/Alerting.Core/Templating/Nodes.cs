using System.Text;

namespace Alerting.Core.Templating;

/// <summary>A parsed template: its name, the text it came from (for error positions) and its body.</summary>
internal sealed class TemplateTree(string name, string parseName, string text, ListNode root)
{
    public string Name { get; } = name;
    public string ParseName { get; } = parseName;
    public string Text { get; } = text;
    public ListNode Root { get; } = root;

    /// <summary>Go's <c>parse.IsEmptyTree</c>: only whitespace text, so it does not replace an existing definition.</summary>
    public bool IsEmpty => IsEmptyNode(Root);

    private static bool IsEmptyNode(Node n) => n switch
    {
        ListNode l => l.Nodes.All(IsEmptyNode),
        TextNode t => string.IsNullOrWhiteSpace(t.Text.Trim(' ', '\t', '\r', '\n', '\v', '\f')),
        _ => false,
    };

    /// <summary>
    /// Go's <c>ErrorContext</c>: "name:line:col" (col is the byte offset in the line, 0-based) and the node text
    /// (current Go no longer truncates it).
    /// </summary>
    public (string Location, string Context) ErrorContext(Node n)
    {
        var pos = Math.Min(n.Pos, Text.Length);
        var before = Text[..pos];
        var lastNl = before.LastIndexOf('\n');
        var col = lastNl < 0 ? Encoding.UTF8.GetByteCount(before) : Encoding.UTF8.GetByteCount(before[(lastNl + 1)..]);
        var line = 1 + before.Count(c => c == '\n');
        return ($"{ParseName}:{line}:{col}", n.ToString());
    }
}

internal abstract class Node(int pos)
{
    public int Pos { get; } = pos;

    public abstract override string ToString();
}

internal sealed class ListNode(int pos) : Node(pos)
{
    public List<Node> Nodes { get; } = [];

    public override string ToString() => string.Concat(Nodes.Select(n => n.ToString()));
}

internal sealed class TextNode(int pos, string text) : Node(pos)
{
    public string Text { get; } = text;

    public override string ToString() => Text;
}

internal sealed class PipeNode(int pos, int line) : Node(pos)
{
    public int Line { get; } = line;
    public bool IsAssign { get; set; }
    public List<VariableNode> Decl { get; } = [];
    public List<CommandNode> Cmds { get; } = [];

    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Decl.Count > 0)
        {
            sb.Append(string.Join(", ", Decl.Select(d => d.ToString())));
            sb.Append(IsAssign ? " = " : " := ");
        }
        sb.Append(string.Join(" | ", Cmds.Select(c => c.ToString())));
        return sb.ToString();
    }
}

internal sealed class ActionNode(int pos, int line, PipeNode pipe) : Node(pos)
{
    public int Line { get; } = line;
    public PipeNode Pipe { get; } = pipe;

    public override string ToString() => "{{" + Pipe + "}}";
}

internal sealed class CommandNode(int pos) : Node(pos)
{
    public List<Node> Args { get; } = [];

    public override string ToString() =>
        string.Join(" ", Args.Select(a => a is PipeNode ? "(" + a + ")" : a.ToString()));
}

internal sealed class IdentifierNode(int pos, string ident) : Node(pos)
{
    public string Ident { get; } = ident;

    public override string ToString() => Ident;
}

internal sealed class VariableNode(int pos, string[] ident) : Node(pos)
{
    public string[] Ident { get; } = ident;

    public override string ToString() => string.Join(".", Ident);
}

internal sealed class DotNode(int pos) : Node(pos)
{
    public override string ToString() => ".";
}

internal sealed class NilNode(int pos) : Node(pos)
{
    public override string ToString() => "nil";
}

internal sealed class FieldNode(int pos, string[] ident) : Node(pos)
{
    public string[] Ident { get; } = ident;

    public override string ToString() => string.Concat(Ident.Select(i => "." + i));
}

internal sealed class ChainNode(int pos, Node node) : Node(pos)
{
    public Node Node { get; } = node;
    public List<string> Field { get; } = [];

    public override string ToString() =>
        (Node is PipeNode ? "(" + Node + ")" : Node.ToString()) + string.Concat(Field.Select(f => "." + f));
}

internal sealed class BoolNode(int pos, bool value) : Node(pos)
{
    public bool True { get; } = value;

    public override string ToString() => True ? "true" : "false";
}

internal sealed class NumberNode(int pos, string text) : Node(pos)
{
    public string Text { get; } = text;
    public bool IsInt { get; set; }
    public bool IsUint { get; set; }
    public bool IsFloat { get; set; }
    public long Int64 { get; set; }
    public ulong Uint64 { get; set; }
    public double Float64 { get; set; }

    public override string ToString() => Text;
}

internal sealed class StringNode(int pos, string quoted, string text) : Node(pos)
{
    public string Quoted { get; } = quoted;
    public string Text { get; } = text;

    public override string ToString() => Quoted;
}

internal sealed class EndNode(int pos) : Node(pos)
{
    public override string ToString() => "{{end}}";
}

internal sealed class ElseNode(int pos, int line) : Node(pos)
{
    public int Line { get; } = line;

    public override string ToString() => "{{else}}";
}

internal sealed class BreakNode(int pos, int line) : Node(pos)
{
    public int Line { get; } = line;

    public override string ToString() => "{{break}}";
}

internal sealed class ContinueNode(int pos, int line) : Node(pos)
{
    public int Line { get; } = line;

    public override string ToString() => "{{continue}}";
}

internal enum BranchKind
{
    If,
    Range,
    With,
}

internal sealed class BranchNode(BranchKind kind, int pos, int line, PipeNode pipe, ListNode list, ListNode? elseList) : Node(pos)
{
    public BranchKind Kind { get; } = kind;
    public int Line { get; } = line;
    public PipeNode Pipe { get; } = pipe;
    public ListNode List { get; } = list;
    public ListNode? ElseList { get; } = elseList;

    public override string ToString()
    {
        var name = Kind switch { BranchKind.If => "if", BranchKind.Range => "range", _ => "with" };
        return ElseList is null
            ? $"{{{{{name} {Pipe}}}}}{List}{{{{end}}}}"
            : $"{{{{{name} {Pipe}}}}}{List}{{{{else}}}}{ElseList}{{{{end}}}}";
    }
}

internal sealed class TemplateNode(int pos, int line, string name, PipeNode? pipe) : Node(pos)
{
    public int Line { get; } = line;
    public string Name { get; } = name;
    public PipeNode? Pipe { get; } = pipe;

    public override string ToString() =>
        Pipe is null ? $"{{{{template {GoQuote.Quote(Name)}}}}}" : $"{{{{template {GoQuote.Quote(Name)} {Pipe}}}}}";
}
