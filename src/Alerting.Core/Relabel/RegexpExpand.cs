using System.Text;
using System.Text.RegularExpressions;

namespace Alerting.Core.Relabel;

/// <summary>
/// Go's <c>regexp.Expand</c> template language: <c>$name</c> or <c>${name}</c> where a name is the longest
/// run of letters, digits and '_' (so <c>$1x</c> is the group named "1x", not group 1 then "x"), <c>$$</c>
/// is a literal '$', unknown or unmatched groups expand to nothing, and a malformed reference keeps its '$'.
/// </summary>
public static class RegexpExpand
{
    public static string Expand(string template, Match match, IReadOnlyDictionary<string, int> groupNames)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(match);
        if (template.IndexOf('$') < 0)
        {
            return template;
        }
        var sb = new StringBuilder(template.Length + 16);
        var i = 0;
        while (i < template.Length)
        {
            var dollar = template.IndexOf('$', i);
            if (dollar < 0)
            {
                sb.Append(template, i, template.Length - i);
                break;
            }
            sb.Append(template, i, dollar - i);
            i = dollar + 1;
            if (i < template.Length && template[i] == '$')
            {
                sb.Append('$');
                i++;
                continue;
            }
            if (!TryExtract(template, i, out var name, out var num, out var next))
            {
                sb.Append('$');
                continue;
            }
            i = next;
            var groupNumber = num >= 0 ? num : groupNames.TryGetValue(name, out var g) ? g : -1;
            if (groupNumber >= 0 && groupNumber < match.Groups.Count && match.Groups[groupNumber].Success)
            {
                sb.Append(match.Groups[groupNumber].Value);
            }
        }
        return sb.ToString();
    }

    /// <summary>Reads a name or {name} at <paramref name="start"/>; num is its group number or -1 for a named group.</summary>
    private static bool TryExtract(string s, int start, out string name, out int num, out int next)
    {
        name = string.Empty;
        num = -1;
        next = start;
        if (start >= s.Length)
        {
            return false;
        }
        var brace = s[start] == '{';
        var i = brace ? start + 1 : start;
        var nameStart = i;
        while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] == '_'))
        {
            i++;
        }
        if (i == nameStart)
        {
            return false;
        }
        name = s[nameStart..i];
        if (brace)
        {
            if (i >= s.Length || s[i] != '}')
            {
                return false;
            }
            i++;
        }
        next = i;
        num = 0;
        foreach (var c in name)
        {
            if (c is < '0' or > '9' || num >= 100_000_000)
            {
                num = -1;
                break;
            }
            num = (num * 10) + (c - '0');
        }
        if (name.Length > 1 && name[0] == '0')
        {
            num = -1; // Go: leading zeros make it a name, not a number.
        }
        return true;
    }
}
