using Alerting.Core.Model;
using Alerting.Core.PromQL;

namespace Alerting.Core.Rules;

/// <summary>A Prometheus rule file: <c>groups</c> of rules, as written by the user.</summary>
public sealed record RuleFile(string Path, IReadOnlyList<RuleGroup> Groups);

public sealed record RuleGroup(
    string Name,
    string File,
    TimeSpan Interval,
    int Limit,
    TimeSpan QueryOffset,
    IReadOnlyList<Rule> Rules)
{
    /// <summary>Identity across files, like Prometheus' group key (file;name).</summary>
    public string Key => File + ";" + Name;
}

public abstract record Rule(string ExprText, Expr Expr, IReadOnlyDictionary<string, string> Labels, int Line)
{
    public abstract string Name { get; }
}

public sealed record AlertingRule(
    string Alert,
    string ExprText,
    Expr Expr,
    TimeSpan For,
    TimeSpan KeepFiringFor,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    int Line) : Rule(ExprText, Expr, Labels, Line)
{
    public override string Name => Alert;
}

public sealed record RecordingRule(
    string Record,
    string ExprText,
    Expr Expr,
    IReadOnlyDictionary<string, string> Labels,
    int Line) : Rule(ExprText, Expr, Labels, Line)
{
    public override string Name => Record;
}

/// <summary>Prometheus' alert states; Inactive alerts are kept only to report resolution.</summary>
public enum AlertState
{
    Inactive,
    Pending,
    Firing,
}

/// <summary>
/// One alert instance of an alerting rule and everything needed to continue its life after a restart
/// (persisted per rule group, so <c>for</c> does not start over).
/// </summary>
public sealed record ActiveAlert(
    string Rule,
    Labels Labels,
    Labels Annotations,
    AlertState State,
    double Value,
    DateTimeOffset ActiveAt,
    DateTimeOffset? FiredAt = null,
    DateTimeOffset? ResolvedAt = null,
    DateTimeOffset? LastSentAt = null,
    DateTimeOffset? KeepFiringSince = null,
    DateTimeOffset? ValidUntil = null)
{
    public string Fingerprint => Labels.FingerprintHex();
}

public enum RuleHealth
{
    Unknown,
    Ok,
    Err,
}

public sealed record RuleStatus(string Rule, RuleHealth Health, string? LastError, TimeSpan Duration);
