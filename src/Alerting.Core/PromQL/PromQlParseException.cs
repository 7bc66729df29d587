namespace Alerting.Core.PromQL;

/// <summary>
/// A syntax or type error in a PromQL expression. The message reads like Prometheus':
/// <c>1:14: parse error: unexpected ...</c>, with 1-based line and column.
/// </summary>
public sealed class PromQlParseException : Exception
{
    public PromQlParseException()
    {
    }

    public PromQlParseException(string message)
        : base(message)
    {
    }

    public PromQlParseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    private PromQlParseException(int line, int column, string detail)
        : base($"{line}:{column}: parse error: {detail}")
    {
        Line = line;
        Column = column;
        Detail = detail;
    }

    public int Line { get; }

    public int Column { get; }

    /// <summary>The message without the position prefix.</summary>
    public string Detail { get; } = string.Empty;

    internal static PromQlParseException At(string input, int pos, string detail)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < pos && i < input.Length; i++)
        {
            if (input[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        return new PromQlParseException(line, pos - lineStart + 1, detail);
    }
}

/// <summary>A failure while evaluating a well-formed query, e.g. many-to-many vector matching.</summary>
public sealed class PromQlEvaluationException : Exception
{
    public PromQlEvaluationException()
    {
    }

    public PromQlEvaluationException(string message)
        : base(message)
    {
    }

    public PromQlEvaluationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
