using System.Text.RegularExpressions;

namespace Alerting.Core.Model;

public enum MatcherType
{
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

/// <summary>
/// A label matcher as PromQL selectors and Alertmanager matchers both use it: regexes are fully
/// anchored (<c>^(?:re)$</c>) and a missing label matches as the empty string.
/// </summary>
public sealed record LabelMatcher
{
    private readonly Regex? _regex;

    public LabelMatcher(MatcherType type, string name, string value)
    {
        Type = type;
        Name = name;
        Value = value;
        if (type is MatcherType.Regex or MatcherType.NotRegex)
        {
            // Go's RE2 and .NET differ in corners: .NET's $ also matches before a final '\n', so (?!\n)
            // makes it an exact end (written this way, not \z, so a pattern's own syntax errors keep their
            // kind); Singleline makes '.' match '\n' as RE2's (?s) that Prometheus enables for matchers.
            _regex = new Regex("^(?:" + TranslateRe2(value) + @")(?!\n)$", RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>RE2 syntax .NET spells differently: named groups <c>(?P&lt;name&gt;...)</c>.</summary>
    public static string TranslateRe2(string pattern) => pattern.Replace("(?P<", "(?<", StringComparison.Ordinal);

    public MatcherType Type { get; }

    public string Name { get; }

    public string Value { get; }

    public bool Matches(string value) => Type switch
    {
        MatcherType.Equal => value == Value,
        MatcherType.NotEqual => value != Value,
        MatcherType.Regex => _regex!.IsMatch(value),
        MatcherType.NotRegex => !_regex!.IsMatch(value),
        _ => false,
    };

    public bool Matches(Labels labels) => Matches(labels[Name]);

    /// <summary>True when the matcher accepts the empty string, i.e. also matches series lacking the label.</summary>
    public bool MatchesEmpty => Matches(string.Empty);

    public static string OperatorText(MatcherType type) => type switch
    {
        MatcherType.Equal => "=",
        MatcherType.NotEqual => "!=",
        MatcherType.Regex => "=~",
        MatcherType.NotRegex => "!~",
        _ => "?",
    };

    public override string ToString() => $"{Name}{OperatorText(Type)}\"{Labels.Escape(Value)}\"";
}
