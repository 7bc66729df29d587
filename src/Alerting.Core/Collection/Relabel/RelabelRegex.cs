using System.Text;
using System.Text.RegularExpressions;

namespace Alerting.Core.Collection.Relabel;

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
    public string Expand(string template, Match match) => GoTemplate.Expand(template, match, _groupNumbers);

    /// <summary>Go's <c>ReplaceAllString</c> for an anchored regex: the whole input or nothing is replaced.</summary>
    public string ReplaceAll(string input, string template)
    {
        var m = _regex.Match(input);
        return m.Success ? Expand(template, m) : input;
    }

    public override string ToString() => Pattern;

    /// <summary>
    /// Rewrites every capturing group to an unnamed one so .NET numbers groups in the same order RE2
    /// does, and records the names separately.
    /// </summary>
    private static (string Pattern, Dictionary<string, int> Names, int Count) Translate(string pattern)
    {
        var sb = new StringBuilder(pattern.Length + 8);
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var group = 0;
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                sb.Append(c).Append(pattern[i + 1]);
                i++;
                continue;
            }
            if (inClass)
            {
                if (c == ']')
                {
                    inClass = false;
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
                    sb.Append(']');
                    i++;
                }
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
