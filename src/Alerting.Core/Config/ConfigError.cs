namespace Alerting.Core.Config;

/// <summary>
/// One problem in a configuration file, located so a user can fix it without guessing:
/// <c>rules/escalation.yml:12:9: policies[0].steps[1].after: not a valid duration string: "5 mins"</c>.
/// <see cref="Message"/> is the reference tool's own wording where one exists (what amtool or promtool
/// would print), so it can be compared with them; <see cref="ToString"/> adds the location.
/// </summary>
public sealed record ConfigError(string File, int Line, int Column, string KeyPath, string Message)
{
    public override string ToString()
    {
        var where = Line > 0 ? $"{File}:{Line}:{Column}" : File;
        return KeyPath.Length > 0 ? $"{where}: {KeyPath}: {Message}" : $"{where}: {Message}";
    }
}

/// <summary>A configuration file that does not load; <see cref="Error"/> says where and why.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(ConfigError error)
        : base((error ?? throw new ArgumentNullException(nameof(error))).ToString()) => Error = error;

    public ConfigException(string file, int line, int column, string keyPath, string detail)
        : this(new ConfigError(file, line, column, keyPath, detail))
    {
    }

    public ConfigException()
        : this(new ConfigError(string.Empty, 0, 0, string.Empty, "invalid configuration"))
    {
    }

    public ConfigException(string message)
        : this(new ConfigError(string.Empty, 0, 0, string.Empty, message))
    {
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException) => Error = new ConfigError(string.Empty, 0, 0, string.Empty, message);

    public ConfigError Error { get; }

    public string File => Error.File;

    /// <summary>1-based line, 0 when the problem is not tied to one spot (e.g. an empty file).</summary>
    public int Line => Error.Line;

    public int Column => Error.Column;

    /// <summary>The dotted path of the offending key, e.g. <c>receivers[2].slack_configs[0].api_url</c>.</summary>
    public string Key => Error.KeyPath;

    /// <summary>The problem without its location, in the reference tool's words where one exists.</summary>
    public string Detail => Error.Message;
}
