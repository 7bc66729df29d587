using System.Globalization;
using System.Text;
using Alerting.Core.Model;

namespace Alerting.Core.PromQL;

/// <summary>The PromQL value types an expression can produce, as the parser's type checker sees them.</summary>
public enum PromQlValueType
{
    None,
    Scalar,
    Vector,
    Matrix,
    String,
}

/// <summary>Position of a node in the query text (0-based offset) so errors can point at it.</summary>
public readonly record struct PositionRange(int Start, int End);

/// <summary>A parsed PromQL expression. <see cref="ToString"/> prints it back as PromQL.</summary>
public abstract class Expr
{
    public PositionRange Position { get; init; }

    public abstract PromQlValueType Type { get; }

    public abstract override string ToString();

    /// <summary>A number as PromQL prints it (Inf, -Inf, NaN, shortest round-trip digits).</summary>
    public static string FormatNumber(double v)
    {
        if (double.IsPositiveInfinity(v))
        {
            return "Inf";
        }
        if (double.IsNegativeInfinity(v))
        {
            return "-Inf";
        }
        if (double.IsNaN(v))
        {
            return "NaN";
        }
        return v.ToString("R", CultureInfo.InvariantCulture);
    }

    internal static string FormatDuration(long ms) => PromDuration.Format(ms);
}

public sealed class NumberLiteral(double value) : Expr
{
    public double Value { get; } = value;

    public override PromQlValueType Type => PromQlValueType.Scalar;

    public override string ToString() => FormatNumber(Value);
}

public sealed class StringLiteral(string value) : Expr
{
    public string Value { get; } = value;

    public override PromQlValueType Type => PromQlValueType.String;

    public override string ToString() => "\"" + Labels.Escape(Value) + "\"";
}

/// <summary>Where an <c>@</c> modifier pins evaluation: a fixed time or the query's start/end.</summary>
public enum AtKind
{
    None,
    Timestamp,
    Start,
    End,
}

public sealed class VectorSelector : Expr
{
    public VectorSelector(string? name, IReadOnlyList<LabelMatcher> matchers)
    {
        Name = name;
        Matchers = matchers;
    }

    public string? Name { get; }

    public IReadOnlyList<LabelMatcher> Matchers { get; }

    public long OffsetMs { get; internal set; }

    public AtKind At { get; internal set; }

    public long AtMs { get; internal set; }

    public override PromQlValueType Type => PromQlValueType.Vector;

    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Name is not null)
        {
            sb.Append(Name);
        }
        var shown = new List<string>();
        foreach (var m in Matchers)
        {
            if (Name is not null && m.Name == Labels.MetricName && m.Type == MatcherType.Equal)
            {
                continue;
            }
            shown.Add(m.ToString());
        }
        if (shown.Count > 0 || Name is null)
        {
            // As Prometheus 2.42 prints a selector (format_query, the rules API's query): matchers sorted as text, joined by ",".
            shown.Sort(StringComparer.Ordinal);
            sb.Append('{').Append(string.Join(",", shown)).Append('}');
        }
        AppendModifiers(sb, At, AtMs, OffsetMs);
        return sb.ToString();
    }

    internal static void AppendModifiers(StringBuilder sb, AtKind at, long atMs, long offsetMs)
    {
        switch (at)
        {
            case AtKind.Timestamp:
                sb.Append(" @ ").Append((atMs / 1000.0).ToString("0.000", CultureInfo.InvariantCulture));
                break;
            case AtKind.Start:
                sb.Append(" @ start()");
                break;
            case AtKind.End:
                sb.Append(" @ end()");
                break;
        }
        if (offsetMs != 0)
        {
            sb.Append(" offset ").Append(FormatDuration(offsetMs));
        }
    }
}

public sealed class MatrixSelector(VectorSelector vector, long rangeMs) : Expr
{
    public VectorSelector Vector { get; } = vector;

    public long RangeMs { get; } = rangeMs;

    public override PromQlValueType Type => PromQlValueType.Matrix;

    public override string ToString()
    {
        var inner = new VectorSelector(Vector.Name, Vector.Matchers).ToString();
        var sb = new StringBuilder(inner).Append('[').Append(FormatDuration(RangeMs)).Append(']');
        VectorSelector.AppendModifiers(sb, Vector.At, Vector.AtMs, Vector.OffsetMs);
        return sb.ToString();
    }
}

public sealed class SubqueryExpr(Expr inner, long rangeMs, long stepMs) : Expr
{
    public Expr Inner { get; } = inner;

    public long RangeMs { get; } = rangeMs;

    /// <summary>0 means "the engine's default step" (the query step, or 1 minute for instant queries).</summary>
    public long StepMs { get; } = stepMs;

    public long OffsetMs { get; internal set; }

    public AtKind At { get; internal set; }

    public long AtMs { get; internal set; }

    public override PromQlValueType Type => PromQlValueType.Matrix;

    public override string ToString() => Inner + RangeText();

    /// <summary><c>[range:step]</c> and the modifiers, as printed after the inner expression.</summary>
    public string RangeText()
    {
        var sb = new StringBuilder().Append('[').Append(FormatDuration(RangeMs)).Append(':');
        if (StepMs != 0)
        {
            sb.Append(FormatDuration(StepMs));
        }
        sb.Append(']');
        VectorSelector.AppendModifiers(sb, At, AtMs, OffsetMs);
        return sb.ToString();
    }
}

public sealed class ParenExpr(Expr inner) : Expr
{
    public Expr Inner { get; } = inner;

    public override PromQlValueType Type => Inner.Type;

    public override string ToString() => "(" + Inner + ")";
}

public sealed class UnaryExpr(char op, Expr operand) : Expr
{
    /// <summary>'-' or '+'.</summary>
    public char Op { get; } = op;

    public Expr Operand { get; } = operand;

    public override PromQlValueType Type => Operand.Type;

    public override string ToString() => Op + Operand.ToString();
}

public enum BinaryOp
{
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Atan2,
    Eql,
    Neq,
    Gtr,
    Lss,
    Gte,
    Lte,
    And,
    Or,
    Unless,
}

public enum Cardinality
{
    OneToOne,
    ManyToOne,
    OneToMany,
    ManyToMany,
}

/// <summary>The <c>on</c>/<c>ignoring</c> and <c>group_left</c>/<c>group_right</c> clause of a binary operation.</summary>
public sealed class VectorMatching
{
    public Cardinality Card { get; internal set; }

    /// <summary>True for <c>on(...)</c>, false for <c>ignoring(...)</c> or no clause.</summary>
    public bool On { get; internal set; }

    public IReadOnlyList<string> MatchingLabels { get; internal set; } = [];

    public IReadOnlyList<string> Include { get; internal set; } = [];

    internal bool Explicit { get; set; }
}

public sealed class BinaryExpr(BinaryOp op, Expr lhs, Expr rhs) : Expr
{
    public BinaryOp Op { get; } = op;

    public Expr Lhs { get; } = lhs;

    public Expr Rhs { get; } = rhs;

    public bool ReturnBool { get; internal set; }

    public VectorMatching? Matching { get; internal set; }

    public override PromQlValueType Type =>
        Lhs.Type == PromQlValueType.Scalar && Rhs.Type == PromQlValueType.Scalar ? PromQlValueType.Scalar : PromQlValueType.Vector;

    public static string OpText(BinaryOp op) => op switch
    {
        BinaryOp.Add => "+",
        BinaryOp.Sub => "-",
        BinaryOp.Mul => "*",
        BinaryOp.Div => "/",
        BinaryOp.Mod => "%",
        BinaryOp.Pow => "^",
        BinaryOp.Atan2 => "atan2",
        BinaryOp.Eql => "==",
        BinaryOp.Neq => "!=",
        BinaryOp.Gtr => ">",
        BinaryOp.Lss => "<",
        BinaryOp.Gte => ">=",
        BinaryOp.Lte => "<=",
        BinaryOp.And => "and",
        BinaryOp.Or => "or",
        BinaryOp.Unless => "unless",
        _ => "?",
    };

    public static bool IsComparison(BinaryOp op) => op is BinaryOp.Eql or BinaryOp.Neq or BinaryOp.Gtr or BinaryOp.Lss or BinaryOp.Gte or BinaryOp.Lte;

    public static bool IsSetOp(BinaryOp op) => op is BinaryOp.And or BinaryOp.Or or BinaryOp.Unless;

    public override string ToString()
    {
        return new StringBuilder().Append(Lhs).Append(' ').Append(OperatorText()).Append(' ').Append(Rhs).ToString();
    }

    /// <summary>The operator with its <c>bool</c> and matching clauses, as printed between the operands.</summary>
    public string OperatorText()
    {
        var sb = new StringBuilder(OpText(Op));
        if (ReturnBool)
        {
            sb.Append(" bool");
        }
        if (Matching is { } m && (m.Explicit || m.Card is Cardinality.ManyToOne or Cardinality.OneToMany))
        {
            sb.Append(m.On ? " on (" : " ignoring (").Append(string.Join(", ", m.MatchingLabels)).Append(')');
            if (m.Card is Cardinality.ManyToOne or Cardinality.OneToMany)
            {
                sb.Append(m.Card == Cardinality.ManyToOne ? " group_left (" : " group_right (").Append(string.Join(", ", m.Include)).Append(')');
            }
        }
        return sb.ToString();
    }
}

public enum AggregateOp
{
    Sum,
    Avg,
    Count,
    Min,
    Max,
    Group,
    Stddev,
    Stdvar,
    TopK,
    BottomK,
    CountValues,
    Quantile,
    LimitK,
    LimitRatio,
}

public sealed class AggregateExpr(AggregateOp op, Expr inner, Expr? param, IReadOnlyList<string> grouping, bool without) : Expr
{
    public AggregateOp Op { get; } = op;

    public Expr Inner { get; } = inner;

    public Expr? Param { get; } = param;

    public IReadOnlyList<string> Grouping { get; } = grouping;

    public bool Without { get; } = without;

    /// <summary>True when <c>by</c>/<c>without</c> was written (even with an empty list).</summary>
    public bool HasGrouping { get; init; }

    public override PromQlValueType Type => PromQlValueType.Vector;

    public static string OpName(AggregateOp op) => op switch
    {
        AggregateOp.TopK => "topk",
        AggregateOp.BottomK => "bottomk",
        AggregateOp.CountValues => "count_values",
        AggregateOp.LimitK => "limitk",
        AggregateOp.LimitRatio => "limit_ratio",
        _ => op.ToString().ToLowerInvariant(),
    };

    /// <summary>The operator with its <c>by</c>/<c>without</c> clause, as printed before the opening parenthesis.</summary>
    public string OperatorText()
    {
        var sb = new StringBuilder(OpName(Op));
        if (HasGrouping || Grouping.Count > 0)
        {
            sb.Append(Without ? " without (" : " by (").Append(string.Join(", ", Grouping)).Append(") ");
        }
        return sb.ToString();
    }

    public override string ToString()
    {
        var sb = new StringBuilder(OperatorText());
        sb.Append('(');
        if (Param is not null)
        {
            sb.Append(Param).Append(", ");
        }
        return sb.Append(Inner).Append(')').ToString();
    }
}

public sealed class Call(FunctionInfo function, IReadOnlyList<Expr> args) : Expr
{
    public FunctionInfo Function { get; } = function;

    public IReadOnlyList<Expr> Args { get; } = args;

    public override PromQlValueType Type => Function.ReturnType;

    public override string ToString() => Function.Name + "(" + string.Join(", ", Args) + ")";
}
