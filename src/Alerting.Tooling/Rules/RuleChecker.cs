using System.Text;
using Alerting.Core.Model;

using Alerting.Core.Rules;

using Alerting.Core.PromQL;

namespace Alerting.Tooling.Rules;

/// <summary>A rule name (alert or record) defined more than once with the same labels.</summary>
public sealed record DuplicateRule(string Metric, Labels Labels);

/// <summary><c>promtool check rules</c>: the same report, streams and exit codes.</summary>
public static class RuleChecker
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int LintFailure = 3;

    /// <summary>
    /// Checks each file, writing "Checking FILE" and "  SUCCESS: N rules found" to <paramref name="stdout"/>
    /// and "  FAILED:" plus the errors to <paramref name="stderr"/>. Duplicate rules are a lint finding:
    /// reported, but only fatal (exit 3) with <paramref name="lintFatal"/>.
    /// </summary>
    public static int CheckFiles(IEnumerable<(string Name, string Text)> files, bool lintDuplicates, bool lintFatal, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var failed = false;
        var hasErrors = false;
        foreach (var (name, text) in files)
        {
            stdout.WriteLine("Checking " + name);
            var check = RuleFileLoader.CheckText(text, name);
            var lint = check.Ok && lintDuplicates ? LintMessage(FindDuplicates(check.Rules!)) : null;
            if (!check.Ok || lint is not null)
            {
                stderr.WriteLine("  FAILED:");
                foreach (var e in check.Errors)
                {
                    stderr.WriteLine(e);
                }
                if (lint is not null)
                {
                    stderr.WriteLine(lint);
                }
                failed = true;
                hasErrors |= !check.Ok;
            }
            else
            {
                stdout.WriteLine($"  SUCCESS: {check.RuleCount} rules found");
            }
            stdout.WriteLine();
        }
        if (failed && hasErrors)
        {
            return Failure;
        }
        return failed && lintFatal ? LintFailure : Success;
    }

    /// <summary>promtool's checkDuplicates: rules sorted by name then labels; each repeated pair reported once.</summary>
    public static IReadOnlyList<DuplicateRule> FindDuplicates(RuleFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var rules = file.Groups
            .SelectMany(g => g.Rules)
            .Select(r => new DuplicateRule(r.Name, Labels.From(r.Labels)))
            .ToList();
        var duplicates = new List<DuplicateRule>();
        if (rules.Count < 2)
        {
            return duplicates;
        }
        rules.Sort(Compare);
        var last = rules[0];
        for (var i = 1; i < rules.Count; i++)
        {
            if (Compare(last, rules[i]) == 0 && (duplicates.Count == 0 || Compare(last, duplicates[^1]) != 0))
            {
                duplicates.Add(rules[i]);
            }
            last = rules[i];
        }
        return duplicates;
    }

    private static int Compare(DuplicateRule a, DuplicateRule b)
    {
        var c = string.CompareOrdinal(a.Metric, b.Metric);
        return c != 0 ? c : LabelOps.Compare(a.Labels, b.Labels);
    }

    private static string? LintMessage(IReadOnlyList<DuplicateRule> duplicates)
    {
        if (duplicates.Count == 0)
        {
            return null;
        }
        var sb = new StringBuilder($"lint error {duplicates.Count} duplicate rule(s) found.\n");
        foreach (var d in duplicates)
        {
            sb.Append("Metric: ").Append(d.Metric).Append("\nLabel(s):\n");
            foreach (var l in d.Labels)
            {
                sb.Append('\t').Append(l.Name).Append(": ").Append(l.Value).Append('\n');
            }
        }
        return sb.Append("Might cause inconsistency while recording expressions").ToString();
    }
}
