namespace Alerting.Core.Rules;

/// <summary>A rule file problem located the way promtool reports it: file, line, column and the offending key.</summary>
public sealed class RuleFileException(string file, int line, int column, string key, string detail)
    : Exception(line > 0 ? $"{file}: {line}:{column}: {key}: {detail}" : $"{file}: {key}: {detail}")
{
    public string File { get; } = file;

    public int Line { get; } = line;

    public int Column { get; } = column;

    public string Key { get; } = key;

    public string Detail { get; } = detail;
}
