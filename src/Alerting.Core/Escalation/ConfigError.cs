namespace Alerting.Core.Escalation;

/// <summary>
/// A problem in an escalation or on-call file, located so the operator can fix it without guessing:
/// <c>rules/escalation.yml:12:9: policies[0].steps[1].after: not a duration: "5 mins"</c>.
/// </summary>
public sealed class ConfigException(string file, int line, int column, string key, string problem)
    : Exception($"{file}:{line}:{column}: {key}: {problem}")
{
    public string File { get; } = file;

    public int Line { get; } = line;

    public int Column { get; } = column;

    public string Key { get; } = key;

    public string Problem { get; } = problem;
}
