namespace Alerting.Core.Scrape.Config;

/// <summary>A configuration error that names the file, the 1-based line and column, and the offending key.</summary>
public sealed class ScrapeConfigException : FormatException
{
    public ScrapeConfigException(string file, int line, int column, string key, string reason)
        : base($"{file}:{line}:{column}: {key}: {reason}")
    {
        File = file;
        Line = line;
        Column = column;
        Key = key;
        Reason = reason;
    }

    public ScrapeConfigException()
        : this("<config>", 0, 0, string.Empty, "invalid configuration")
    {
    }

    public ScrapeConfigException(string message)
        : this("<config>", 0, 0, string.Empty, message)
    {
    }

    public ScrapeConfigException(string message, Exception inner)
        : base(message, inner)
    {
        File = "<config>";
        Key = string.Empty;
        Reason = message;
    }

    public string File { get; }

    public int Line { get; }

    public int Column { get; }

    /// <summary>The YAML path of the key, e.g. <c>scrape_configs[0].relabel_configs[1].action</c>.</summary>
    public string Key { get; }

    public string Reason { get; }
}
