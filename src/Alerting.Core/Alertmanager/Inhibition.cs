using Alerting.Core.Model;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// One <c>inhibit_rules</c> entry. Legacy <c>source_match</c>/<c>source_match_re</c> (and the target
/// equivalents) are folded into the matcher lists, as Alertmanager does when it builds the rule.
/// </summary>
public sealed record InhibitRule(
    IReadOnlyList<LabelMatcher> SourceMatchers,
    IReadOnlyList<LabelMatcher> TargetMatchers,
    IReadOnlyList<string> Equal)
{
    public int Line { get; init; }
}

/// <summary>
/// Alertmanager's inhibition: a target alert is muted when some firing source alert matches a rule's
/// source side, the target matches its target side, and both agree on every <c>equal</c> label (a label
/// missing on both sides counts as equal). When the target also matches the source side, sources that
/// also match the target side are ignored so an alert never inhibits itself or its peers.
/// </summary>
public sealed class Inhibitor
{
    private readonly IReadOnlyList<InhibitRule> _rules;

    public Inhibitor(IEnumerable<InhibitRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = rules.ToArray();
    }

    public bool IsInhibited(Labels target, IEnumerable<Labels> firingSources) => InhibitedBy(target, firingSources) is not null;

    /// <summary>The first source alert that inhibits <paramref name="target"/>, or null.</summary>
    public Labels? InhibitedBy(Labels target, IEnumerable<Labels> firingSources)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(firingSources);
        var sources = firingSources as IReadOnlyCollection<Labels> ?? firingSources.ToArray();
        foreach (var rule in _rules)
        {
            if (!AllMatch(rule.TargetMatchers, target))
            {
                continue;
            }
            var excludeTwoSided = AllMatch(rule.SourceMatchers, target);
            foreach (var source in sources)
            {
                if (!AllMatch(rule.SourceMatchers, source))
                {
                    continue;
                }
                if (!rule.Equal.All(n => source[n] == target[n]))
                {
                    continue;
                }
                if (excludeTwoSided && AllMatch(rule.TargetMatchers, source))
                {
                    continue;
                }
                return source;
            }
        }
        return null;
    }

    private static bool AllMatch(IReadOnlyList<LabelMatcher> matchers, Labels labels)
    {
        foreach (var m in matchers)
        {
            if (!m.Matches(labels))
            {
                return false;
            }
        }
        return true;
    }
}
