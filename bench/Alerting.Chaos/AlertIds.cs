using System.Text.RegularExpressions;

namespace Alerting.Chaos;

/// <summary>Finds a chaos alert's messages by its id.</summary>
public static class AlertIds
{
    /// <summary>
    /// Whether a message names the alert id as a word: "a0011" (an acknowledged alert's id) is valid hex, and a
    /// plain substring test found it inside other groups' dedup_keys and fingerprints, counting their messages as its copies.
    /// </summary>
    public static bool Named(string? text, string id) =>
        text is not null && Regex.IsMatch(text, $@"\b{Regex.Escape(id)}\b", RegexOptions.CultureInvariant);
}
