using System.Text.RegularExpressions;

namespace Alerting.Core.Scrape.Config;

/// <summary>
/// file_sd path rules: a glob '*' only in the last path element, and only .json/.yml/.yaml files,
/// matched relative to the directory of the config that named them.
/// </summary>
public static class FileSdPatterns
{
    private static readonly Regex Valid = new(@"\A[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)\z", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private static readonly Regex RulePath = new(@"\A[^*]*(\*[^/]*)?\z", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    public static bool IsValid(string pattern) => Valid.IsMatch(pattern);

    /// <summary>Prometheus' check of a <c>rule_files</c> entry: a glob only in the last path element.</summary>
    public static bool IsValidRulePath(string pattern) => RulePath.IsMatch(pattern);

    /// <summary>Whether <paramref name="fileName"/> (a bare file name) matches the last element of <paramref name="pattern"/>.</summary>
    public static bool MatchesFileName(string pattern, string fileName)
    {
        var last = Path.GetFileName(pattern);
        var rx = "\\A" + Regex.Escape(last).Replace("\\*", "[^/]*", StringComparison.Ordinal) + "\\z";
        return Regex.IsMatch(fileName, rx, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    /// <summary>The directory part of a pattern, resolved against the config file's directory.</summary>
    public static string Directory(string pattern, string configDirectory) =>
        Path.GetDirectoryName(Path.IsPathRooted(pattern) ? pattern : Path.Combine(configDirectory, pattern)) ?? configDirectory;
}
