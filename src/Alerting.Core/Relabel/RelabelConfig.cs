using Alerting.Core.Model;

namespace Alerting.Core.Relabel;

/// <summary>Every Prometheus relabel action.</summary>
public enum RelabelAction
{
    Replace,
    Keep,
    Drop,
    KeepEqual,
    DropEqual,
    HashMod,
    LabelMap,
    LabelDrop,
    LabelKeep,
    Lowercase,
    Uppercase,
}

/// <summary>
/// One <c>relabel_configs</c> / <c>metric_relabel_configs</c> entry with Prometheus' defaults. Build with
/// object initialisers, then call <see cref="Validate"/> (the YAML loader does) to get Prometheus' errors.
/// </summary>
public sealed record RelabelConfig
{
    public const string DefaultSeparator = ";";
    public const string DefaultReplacement = "$1";

    public IReadOnlyList<string> SourceLabels { get; init; } = [];

    public string Separator { get; init; } = DefaultSeparator;

    public RelabelRegex Regex { get; init; } = RelabelRegex.Default;

    public ulong Modulus { get; init; }

    public string TargetLabel { get; init; } = string.Empty;

    public string Replacement { get; init; } = DefaultReplacement;

    public RelabelAction Action { get; init; } = RelabelAction.Replace;

    public static RelabelAction ParseAction(string text) => text.ToLowerInvariant() switch
    {
        "replace" => RelabelAction.Replace,
        "keep" => RelabelAction.Keep,
        "drop" => RelabelAction.Drop,
        "keepequal" => RelabelAction.KeepEqual,
        "dropequal" => RelabelAction.DropEqual,
        "hashmod" => RelabelAction.HashMod,
        "labelmap" => RelabelAction.LabelMap,
        "labeldrop" => RelabelAction.LabelDrop,
        "labelkeep" => RelabelAction.LabelKeep,
        "lowercase" => RelabelAction.Lowercase,
        "uppercase" => RelabelAction.Uppercase,
        _ => throw new FormatException($"unknown relabel action \"{text}\""),
    };

    public static string ActionName(RelabelAction action) => action.ToString().ToLowerInvariant();

    /// <summary>Throws <see cref="FormatException"/> with Prometheus' message for a config it would reject.</summary>
    public void Validate()
    {
        var name = ActionName(Action);
        if (Action == RelabelAction.HashMod && Modulus == 0)
        {
            throw new FormatException("relabel configuration for hashmod requires non-zero modulus");
        }
        if (Action is RelabelAction.Replace or RelabelAction.HashMod or RelabelAction.Lowercase or RelabelAction.Uppercase
                or RelabelAction.KeepEqual or RelabelAction.DropEqual
            && TargetLabel.Length == 0)
        {
            throw new FormatException($"relabel configuration for {name} action requires 'target_label' value");
        }
        if (Action is RelabelAction.Replace or RelabelAction.Lowercase or RelabelAction.Uppercase
                or RelabelAction.KeepEqual or RelabelAction.DropEqual
            && !IsValidRelabelTarget(TargetLabel))
        {
            throw new FormatException($"\"{TargetLabel}\" is invalid 'target_label' for {name} action");
        }
        if (Action is RelabelAction.Lowercase or RelabelAction.Uppercase or RelabelAction.KeepEqual or RelabelAction.DropEqual
            && Replacement != DefaultReplacement)
        {
            throw new FormatException($"'replacement' can not be set for {name} action");
        }
        if (Action == RelabelAction.LabelMap && !IsValidRelabelTarget(Replacement))
        {
            throw new FormatException($"\"{Replacement}\" is invalid 'replacement' for {name} action");
        }
        if (Action == RelabelAction.HashMod && !PromNames.IsValidLabelName(TargetLabel))
        {
            throw new FormatException($"\"{TargetLabel}\" is invalid 'target_label' for {name} action");
        }
        if (Action is RelabelAction.KeepEqual or RelabelAction.DropEqual
            && (Regex.Pattern != RelabelRegex.DefaultPattern || Modulus != 0 || Separator != DefaultSeparator || Replacement != DefaultReplacement))
        {
            throw new FormatException($"{name} action requires only 'source_labels' and `target_label`, and no other fields");
        }
        if (Action is RelabelAction.LabelDrop or RelabelAction.LabelKeep
            && (SourceLabels.Count != 0 || Modulus != 0 || Separator != DefaultSeparator || TargetLabel.Length != 0 || Replacement != DefaultReplacement))
        {
            throw new FormatException($"{name} action requires only 'regex', and no other fields");
        }
    }

    /// <summary>
    /// Prometheus' check for a target label that may hold <c>$1</c>/<c>${name}</c> references:
    /// one or more of a letter/'_' or a reference, then word characters.
    /// </summary>
    internal static bool IsValidRelabelTarget(string s) => RelabelTargetPattern.IsMatch(s);

    private static readonly System.Text.RegularExpressions.Regex RelabelTargetPattern = new(
        @"\A(?:(?:[a-zA-Z_]|\$(?:\{[a-zA-Z0-9_]+\}|[a-zA-Z0-9_]+))+[a-zA-Z0-9_]*)+\z",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant,
        TimeSpan.FromSeconds(1));
}
