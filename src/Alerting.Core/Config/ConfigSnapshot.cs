using Alerting.Core.Alertmanager;
using Alerting.Core.Escalation;
using Alerting.Core.OnCall;
using Alerting.Core.Rules;
using Alerting.Core.Scrape.Config;
using Alerting.Core.Templating;

namespace Alerting.Core.Config;

/// <summary>Where the files the app reads are; null (or no rule globs) means the part is not configured.</summary>
public sealed record ConfigPaths(
    string? Scrape,
    IReadOnlyList<string> RuleFiles,
    string? Alertmanager,
    string? DefaultTemplates,
    string? Escalation,
    string? OnCall);

/// <summary>
/// Every file the app reads, loaded together: one immutable, versioned view that a handler takes once and
/// uses throughout, so routing, flushing and escalation never see two different configurations. A part
/// whose latest load failed keeps its last good value and says why in its error (rule files one by one).
/// </summary>
public sealed record ConfigSnapshot
{
    public static readonly ConfigSnapshot Empty = new();

    /// <summary>1 for the first load, then one more for each reload that changed anything.</summary>
    public long Version { get; init; }

    public DateTimeOffset LoadedAt { get; init; }

    /// <summary>The files' identities (path, size, write time) this snapshot was loaded from.</summary>
    public string Stamp { get; init; } = string.Empty;

    public CollectionConfig? Scrape { get; init; }

    public ConfigError? ScrapeError { get; init; }

    public IReadOnlyList<RuleFile> RuleFiles { get; init; } = [];

    /// <summary>Rule files that did not load (each keeps its last good version in <see cref="RuleFiles"/> if it had one).</summary>
    public IReadOnlyList<ConfigError> RuleFileErrors { get; init; } = [];

    public AlertmanagerConfig? Alertmanager { get; init; }

    /// <summary>Alertmanager's default templates plus the files <c>templates:</c> names.</summary>
    public TemplateSet? Templates { get; init; }

    public ConfigError? AlertmanagerError { get; init; }

    public EscalationPolicySet? Escalation { get; init; }

    public ConfigError? EscalationError { get; init; }

    public OnCallConfig? OnCall { get; init; }

    public ConfigError? OnCallError { get; init; }

    /// <summary>Every part that did not load this time.</summary>
    public IEnumerable<ConfigError> Problems =>
        new[] { ScrapeError, AlertmanagerError, EscalationError, OnCallError }.OfType<ConfigError>().Concat(RuleFileErrors);
}
