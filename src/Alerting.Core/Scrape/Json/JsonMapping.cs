using Alerting.Core.Model;

namespace Alerting.Core.Scrape.Json;

/// <summary>How a string (or any value) at a JSON path becomes a series.</summary>
public enum JsonMetricKind
{
    /// <summary>Numbers as is, booleans 0/1, strings via the value map, else ISO-8601 timestamps, else info.</summary>
    Auto,

    /// <summary>A numeric value is required (numbers, booleans, value-mapped strings); anything else is skipped.</summary>
    Gauge,

    /// <summary>An ISO-8601 string as Unix seconds, so <c>time() - x_timestamp</c> gives its age.</summary>
    Timestamp,

    /// <summary><c>&lt;name&gt;_info{value="..."} 1</c> (label name configurable).</summary>
    Info,

    /// <summary><c>&lt;name&gt;{&lt;label&gt;="..."} 1</c>: the string as a label on a series of the rule's own name.</summary>
    Label,
}

/// <summary>What to do with strings that no rule claims and no value map knows, in map-all mode.</summary>
public enum JsonStringMode
{
    Info,
    Ignore,
}

/// <summary>
/// One explicit mapping. <see cref="Path"/> is dot-separated keys; <c>*</c> matches any one key or array
/// index and its match becomes the label named at the same position in <see cref="WildcardLabels"/>.
/// </summary>
public sealed record JsonMetricRule
{
    public required string Path { get; init; }

    /// <summary>Metric name without the mapping prefix; default is the path's non-wildcard keys joined by '_'.</summary>
    public string? Name { get; init; }

    public JsonMetricKind Kind { get; init; } = JsonMetricKind.Auto;

    /// <summary>String → number for this path (overrides the mapping-wide map).</summary>
    public IReadOnlyDictionary<string, double>? ValueMap { get; init; }

    /// <summary>The label that carries the string for <see cref="JsonMetricKind.Info"/> and <see cref="JsonMetricKind.Label"/>.</summary>
    public string? Label { get; init; }

    public IReadOnlyList<string> WildcardLabels { get; init; } = [];

    /// <summary>Constant labels added to this rule's series.</summary>
    public Labels Labels { get; init; } = Labels.Empty;

    public string Help { get; init; } = string.Empty;
}

/// <summary>
/// A declarative JSON → series mapping (the <c>json_exporter</c> key of a scrape config). With
/// <see cref="MapAll"/> every leaf of the document becomes a series named by its flattened path, so a
/// document such as seed 002's <c>get_metrics()</c> maps with no rules at all; rules refine single paths.
/// </summary>
public sealed record JsonMapping
{
    /// <summary>The status words seed 002's alert fields use, mapped the way its Grafana panels read them.</summary>
    public static readonly IReadOnlyDictionary<string, double> DefaultValueMap = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["OK"] = 0,
        ["WARNING"] = 1,
        ["CRITICAL"] = 2,
    };

    public string Prefix { get; init; } = string.Empty;

    public bool MapAll { get; init; }

    public IReadOnlyList<JsonMetricRule> Metrics { get; init; } = [];

    /// <summary>
    /// Labels put on every series, read from scalar paths of the document (e.g. seed 002's
    /// <c>{coordinator_instance: this_instance}</c>); those paths are not mapped to series themselves.
    /// </summary>
    public IReadOnlyDictionary<string, string> LabelsFromPaths { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Path patterns (same syntax as rule paths) left out of map-all.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    public IReadOnlyDictionary<string, double> ValueMap { get; init; } = DefaultValueMap;

    public JsonStringMode Strings { get; init; } = JsonStringMode.Info;

    /// <summary>Naive ISO-8601 strings (no offset, as Python's <c>isoformat()</c> writes) are taken as this offset.</summary>
    public TimeSpan AssumedOffset { get; init; } = TimeSpan.Zero;
}
