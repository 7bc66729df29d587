using System.Text.Json.Serialization;
using Alerting.Core.Model;

namespace Alerting.Functions.Pipeline;

/// <summary>
/// An alert in Alertmanager's v2 API shape (<c>POST /api/v2/alerts</c>): what Prometheus sends, what
/// our evaluator sends, and what travels on the "alerts" queue.
/// </summary>
public sealed record AlertMessage(
    [property: JsonConverter(typeof(LabelsJsonConverter))] Labels Labels,
    [property: JsonConverter(typeof(AnnotationsJsonConverter))] Labels? Annotations,
    DateTimeOffset? StartsAt,
    DateTimeOffset? EndsAt,
    [property: JsonPropertyName("generatorURL")] string? GeneratorUrl)
{
    public static AlertMessage From(Alert a) => new(a.Labels, a.Annotations, a.StartsAt, a.EndsAt, a.GeneratorUrl);
}

/// <summary>Message on the "alerts" queue: alerts to route, and where they came from (for logs and audit).</summary>
public sealed record AlertBatchMessage(IReadOnlyList<AlertMessage> Alerts, string Source);

/// <summary>
/// Message on the "notifications" queue: flush one aggregation group. The token must equal the group's
/// current flush token, so duplicates and superseded flushes are ignored.
/// </summary>
public sealed record FlushGroupMessage(string GroupId, string Token, DateTimeOffset NotBefore);

/// <summary>
/// Message on the "escalations" queue: run the chain of an incident (kind "step"; the token must equal the
/// incident's chain token) or bring its Slack and PagerDuty messages up to date ("sync").
/// </summary>
public sealed record EscalationMessage(string AlertId, string Kind, string Token, DateTimeOffset NotBefore)
{
    public const string Step = "step";
    public const string Sync = "sync";
}
