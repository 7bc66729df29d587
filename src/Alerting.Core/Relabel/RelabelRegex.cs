using System.Text;
using System.Text.RegularExpressions;

namespace Alerting.Core.Relabel;

/// <summary>
/// A relabel regex with Go RE2 semantics where they differ from .NET: anchored as <c>^(?s:re)$</c> (with .NET's \z, because its <c>$</c> also matches before a final newline),
/// <c>(?P&lt;name&gt;...)</c> accepted, and capture groups numbered strictly left to right (.NET numbers named
/// groups after unnamed ones, which would change what <c>$1</c> means).
/// </summary>
public sealed class RelabelRegex
{
    public const string DefaultPattern = "(.*)";

    public static readonly RelabelRegex Default = new(DefaultPattern);

    private readonly Regex _regex;
    private readonly Dictionary<string, int> _groupNumbers;

    public RelabelRegex(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        Pattern = pattern;
        (var translated, _groupNumbers, GroupCount) = Translate(pattern);
        try
        {
            _regex = new Regex(@"\A(?:" + translated + @")\z", RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"invalid regex \"{pattern}\": {ex.Message}", ex);
        }
    }

    /// <summary>The pattern as written in the config (un-anchored).</summary>
    public string Pattern { get; }

    public int GroupCount { get; }

    public bool IsMatch(string input) => _regex.IsMatch(input);

    public Match Match(string input) => _regex.Match(input);

    /// <summary>Go's <c>Regexp.Expand</c> over a successful match of this regex.</summary>
    public string Expand(string template, Match match) => RegexpExpand.Expand(template, match, _groupNumbers);

    /// <summary>Go's <c>ReplaceAllString</c> for an anchored regex: the whole input or nothing is replaced.</summary>
    public string ReplaceAll(string input, string template)
    {
        var m = _regex.Match(input);
        return m.Success ? Expand(template, m) : input;
    }

    public override string ToString() => Pattern;

    private static readonly Dictionary<string, string> PosixClasses = new(StringComparer.Ordinal)
    {
        ["alnum"] = "0-9A-Za-z",
        ["alpha"] = "A-Za-z",
        ["ascii"] = "\\x00-\\x7F",
        ["blank"] = "\\t ",
        ["cntrl"] = "\\x00-\\x1F\\x7F",
        ["digit"] = "0-9",
        ["graph"] = "!-~",
        ["lower"] = "a-z",
        ["print"] = " -~",
        ["punct"] = "!-/:-@\\[-`{-~",
        ["space"] = "\\t\\n\\v\\f\\r ",
        ["upper"] = "A-Z",
        ["word"] = "0-9A-Za-z_",
        ["xdigit"] = "0-9A-Fa-f",
    };

    /// <summary>
    /// Rewrites RE2 syntax into .NET syntax with the same meaning: capturing groups become unnamed so .NET
    /// numbers them in RE2's order (names recorded separately); <c>\d \w \s</c> stay ASCII-only as in RE2;
    /// POSIX classes, <c>\pL</c> and <c>\Q...\E</c> are expanded; a bare <c>$</c> means end of text.
    /// </summary>
    private static (string Pattern, Dictionary<string, int> Names, int Count) Translate(string pattern)
    {
        var sb = new StringBuilder(pattern.Length + 8);
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var group = 0;
        var inClass = false;
        var multiline = pattern.Contains("(?m", StringComparison.Ordinal) || Regex.IsMatch(pattern, @"\(\?[a-zA-Z]*m[a-zA-Z]*[:)]", RegexOptions.None, TimeSpan.FromSeconds(1));
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var e = pattern[i + 1];
                i++;
                switch (e)
                {
                    case 'd':
                        sb.Append(inClass ? "0-9" : "[0-9]");
                        continue;
                    case 'w':
                        sb.Append(inClass ? "0-9A-Za-z_" : "[0-9A-Za-z_]");
                        continue;
                    case 's':
                        sb.Append(inClass ? "\\t\\n\\f\\r " : "[\\t\\n\\f\\r ]");
                        continue;
                    case 'D' when !inClass:
                        sb.Append("[^0-9]");
                        continue;
                    case 'W' when !inClass:
                        sb.Append("[^0-9A-Za-z_]");
                        continue;
                    case 'S' when !inClass:
                        sb.Append("[^\\t\\n\\f\\r ]");
                        continue;
                    case 'p' or 'P' when i + 1 < pattern.Length && pattern[i + 1] != '{':
                        sb.Append('\\').Append(e).Append('{').Append(pattern[i + 1]).Append('}');
                        i++;
                        continue;
                    case 'Q':
                        var end = pattern.IndexOf("\\E", i + 1, StringComparison.Ordinal);
                        var literal = end < 0 ? pattern[(i + 1)..] : pattern[(i + 1)..end];
                        sb.Append(inClass ? literal.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("]", "\\]", StringComparison.Ordinal) : Regex.Escape(literal));
                        i = end < 0 ? pattern.Length : end + 1;
                        continue;
                    default:
                        sb.Append('\\').Append(e);
                        continue;
                }
            }
            if (inClass)
            {
                if (c == '[' && i + 1 < pattern.Length && pattern[i + 1] == ':')
                {
                    var close = pattern.IndexOf(":]", i + 2, StringComparison.Ordinal);
                    if (close > 0)
                    {
                        var name = pattern[(i + 2)..close];
                        var negated = name.StartsWith('^');
                        if (!negated && PosixClasses.TryGetValue(name, out var members))
                        {
                            sb.Append(members);
                            i = close + 1;
                            continue;
                        }
                    }
                }
                if (c == ']')
                {
                    inClass = false;
                }
                else if (c == '[')
                {
                    sb.Append('\\'); // a literal '[' inside a class; .NET would read "[a-[b]]" as subtraction
                }
                sb.Append(c);
                continue;
            }
            if (c == '[')
            {
                inClass = true;
                sb.Append(c);
                // A ']' right after '[' or '[^' is a literal member, not the end of the class.
                if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                {
                    sb.Append('^');
                    i++;
                }
                if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                {
                    sb.Append("\\]");
                    i++;
                }
                continue;
            }
            if (c == '$' && !multiline)
            {
                sb.Append("\\z");
                continue;
            }
            if (c == '(')
            {
                var rest = pattern.AsSpan(i + 1);
                var nameStart = rest.StartsWith("?P<") ? 3 : rest.StartsWith("?<") && !rest.StartsWith("?<=") && !rest.StartsWith("?<!") ? 2 : -1;
                if (nameStart > 0)
                {
                    var close = rest.IndexOf('>');
                    if (close < 0)
                    {
                        throw new FormatException($"invalid regex \"{pattern}\": unterminated group name");
                    }
                    group++;
                    names.TryAdd(rest[nameStart..close].ToString(), group);
                    sb.Append('(');
                    i += close + 1;
                    continue;
                }
                if (rest.IsEmpty || rest[0] != '?')
                {
                    group++;
                }
            }
            sb.Append(c);
        }
        return (sb.ToString(), names, group);
    }
}
