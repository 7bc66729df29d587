using System.Security.Cryptography;
using System.Text;
using Alerting.Core.Model;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// Which alerts can inhibit others: those matching the source side of some <c>inhibit_rules</c> entry.
/// Only they need to be consulted when a flush decides what is inhibited, so they are kept in an index
/// of their own instead of scanning every alert; <see cref="Key"/> names the rule set the index was
/// built for, so an index built under other rules is never read.
/// </summary>
public static class InhibitSources
{
    public static bool IsSource(IReadOnlyList<InhibitRule> rules, Labels labels)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(labels);
        foreach (var rule in rules)
        {
            if (rule.SourceMatchers.All(m => m.Matches(labels)))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A short stable name for the source sides of <paramref name="rules"/> (empty when there are no rules).</summary>
    public static string Key(IReadOnlyList<InhibitRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (rules.Count == 0)
        {
            return string.Empty;
        }
        var text = string.Join('\n', rules.Select(r => string.Join(',', r.SourceMatchers.Select(m => m.ToString()))));
        return "s" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }
}
