namespace Alerting.Core.Alertmanager;

/// <summary>
/// A configuration that Alertmanager would refuse. <see cref="Detail"/> is Alertmanager's own wording
/// (what <c>amtool check-config</c> prints after "FAILED:"), while <see cref="Exception.Message"/> adds
/// the file, line and key so a user can find the offending spot without amtool.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string file, int line, int column, string key, string detail)
        : base(FormatMessage(file, line, column, key, detail))
    {
        File = file;
        Line = line;
        Column = column;
        Key = key;
        Detail = detail;
    }

    public ConfigException()
        : this(string.Empty, 0, 0, string.Empty, "invalid configuration")
    {
    }

    public ConfigException(string message)
        : this(string.Empty, 0, 0, string.Empty, message)
    {
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = string.Empty;
        Key = string.Empty;
        Detail = message;
    }

    public string File { get; }

    /// <summary>1-based line, 0 when the problem is not tied to one spot (e.g. an empty file).</summary>
    public int Line { get; }

    public int Column { get; }

    /// <summary>The dotted path of the offending key, e.g. <c>receivers[2].slack_configs[0].api_url</c>.</summary>
    public string Key { get; }

    public string Detail { get; }

    private static string FormatMessage(string file, int line, int column, string key, string detail)
    {
        var where = line > 0 ? $"{file}:{line}:{column}" : file;
        return key.Length > 0 ? $"{where}: {key}: {detail}" : $"{where}: {detail}";
    }
}
