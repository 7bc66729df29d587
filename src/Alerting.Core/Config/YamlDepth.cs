namespace Alerting.Core.Config;

/// <summary>
/// YamlDotNet's scanner recurses once per nested flow collection (<c>[[[[...</c>) and overflows the
/// stack, which no catch can stop, somewhere past ten thousand levels on a worker thread's stack. go-yaml
/// refuses deep documents with "exceeded max depth"; every loader checks first, with a lower bound that
/// no configuration comes near.
/// </summary>
public static class YamlDepth
{
    public const int Max = 1000;

    /// <summary>The first position (1-based line and column) where flow nesting passes <see cref="Max"/>, or null.</summary>
    public static (int Line, int Column)? FindTooDeep(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var depth = 0;
        var line = 1;
        var column = 0;
        var quote = '\0';
        var comment = false;
        foreach (var c in yaml)
        {
            column++;
            if (c == '\n')
            {
                line++;
                column = 0;
                comment = false;
                continue;
            }
            if (comment)
            {
                continue;
            }
            if (quote != '\0')
            {
                quote = c == quote ? '\0' : quote;
                continue;
            }
            switch (c)
            {
                case '"' or '\'':
                    quote = c;
                    break;
                case '#':
                    comment = true;
                    break;
                case '[' or '{':
                    if (++depth > Max)
                    {
                        return (line, column);
                    }
                    break;
                case ']' or '}':
                    depth = Math.Max(0, depth - 1);
                    break;
                default:
                    break;
            }
        }
        return null;
    }
}
