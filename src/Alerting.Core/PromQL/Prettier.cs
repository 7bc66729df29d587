using System.Text;

namespace Alerting.Core.PromQL;

/// <summary>
/// Prometheus 2.42's <c>parser.Prettify</c>, which <c>/api/v1/format_query</c> answers: a node whose one-line
/// form is longer than 100 bytes is split, its children one level (two spaces) deeper on lines of their own;
/// shorter nodes stay on one line. Per node type as prettier.go: an aggregation opens <c>op by (...) (</c>
/// with its parameter and operand below; a binary operation puts the operator (with <c>bool</c> and its
/// matching clause) on its own line between its operands; a call and a parenthesis put their contents
/// between the brackets; a unary operator sticks to its operand's first line; a subquery keeps its
/// <c>[range:step]</c> after its inner expression; selectors and literals are never split. Two 2.42 quirks
/// are kept because its answers are the reference: a subquery short enough for one line gets no
/// indentation, and the length is Go's, bytes of UTF-8.
/// </summary>
public static class Prettier
{
    private const int MaxCharactersPerLine = 100;
    private const string IndentUnit = "  ";

    public static string Prettify(Expr expr)
    {
        ArgumentNullException.ThrowIfNull(expr);
        return Pretty(expr, 0);
    }

    private static string Pretty(Expr expr, int level)
    {
        var indent = Indent(level);
        switch (expr)
        {
            case SubqueryExpr s:
                return NeedsSplit(s) ? Pretty(s.Inner, level) + s.RangeText() : s.ToString();
            case UnaryExpr u:
                // The operand's own indentation goes: the operator carries it.
                return indent + u.Op + Pretty(u.Operand, level).Trim();
            case AggregateExpr or BinaryExpr or Call or ParenExpr when !NeedsSplit(expr):
                return indent + expr;
            case AggregateExpr a:
                var sb = new StringBuilder(indent).Append(a.OperatorText()).Append("(\n");
                if (a.Param is not null)
                {
                    sb.Append(Pretty(a.Param, level + 1)).Append(",\n");
                }
                return sb.Append(Pretty(a.Inner, level + 1)).Append('\n').Append(indent).Append(')').ToString();
            case BinaryExpr b:
                return Pretty(b.Lhs, level + 1) + "\n" + indent + b.OperatorText() + "\n" + Pretty(b.Rhs, level + 1);
            case Call c:
                return indent + c.Function.Name + "(\n" + string.Join(",\n", c.Args.Select(a => Pretty(a, level + 1))) + "\n" + indent + ")";
            case ParenExpr p:
                return indent + "(\n" + Pretty(p.Inner, level + 1) + "\n" + indent + ")";
            default:
                // Selectors and literals.
                return indent + expr;
        }
    }

    private static bool NeedsSplit(Expr expr) => Encoding.UTF8.GetByteCount(expr.ToString()) > MaxCharactersPerLine;

    private static string Indent(int level) => string.Concat(Enumerable.Repeat(IndentUnit, level));
}
