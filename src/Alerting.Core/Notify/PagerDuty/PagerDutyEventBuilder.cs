using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Alerting.Core.Notify.PagerDuty;

/// <summary>
/// Turns an alert group into Events API v2 events. The group's dedup key ties trigger, acknowledge and
/// resolve together so PagerDuty keeps one incident per group, as Alertmanager's PagerDuty notifier does.
/// </summary>
public sealed class PagerDutyEventBuilder
{
    public const int MaxSummary = 1024;
    public const int MaxDedupKey = 255;

    public string Client { get; init; } = "Alerting.Functions";

    public string? ClientUrl { get; init; }

    /// <summary>Label whose common value becomes <c>payload.component</c>.</summary>
    public string ComponentLabel { get; init; } = "job";

    /// <summary>Label whose common value becomes <c>payload.group</c>.</summary>
    public string GroupLabel { get; init; } = "service";

    /// <summary>Severity for alerts whose <c>severity</c> label is missing or not one of PagerDuty's four.</summary>
    public string DefaultSeverity { get; init; } = "error";

    /// <summary>
    /// A dedup key for a group key of any length: the hex SHA-256 of it (64 chars, under PagerDuty's
    /// 255 limit), stable across instances and restarts.
    /// </summary>
    public static string DedupKeyFor(string groupKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(groupKey)));

    public PagerDutyEvent Trigger(string routingKey, AlertGroupSnapshot group, string? dedupKey = null)
    {
        var common = group.CommonLabels;
        var firing = group.Firing;
        var summary = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"[FIRING:{firing.Count}] {group.AlertName}");
        var text = group.Annotation("summary");
        if (text is not null)
        {
            summary.Append(" - ").Append(text);
        }

        var details = new JsonObject
        {
            ["firing"] = Describe(firing),
            ["resolved"] = Describe(group.Resolved),
            ["num_firing"] = firing.Count,
            ["num_resolved"] = group.Resolved.Count,
            ["group_id"] = group.GroupId,
        };
        var labels = new JsonObject();
        foreach (var l in common)
        {
            labels[l.Name] = l.Value;
        }
        details["common_labels"] = labels;

        var links = new List<PagerDutyLink>();
        if (group.Annotation("runbook_url") is { } runbook)
        {
            links.Add(new PagerDutyLink(runbook, "Runbook"));
        }
        var source = group.Alerts.Select(a => a.GeneratorUrl).FirstOrDefault(u => !string.IsNullOrEmpty(u));
        if (source is not null)
        {
            links.Add(new PagerDutyLink(source, "Source"));
        }
        var images = new List<PagerDutyImage>();
        if (group.Annotation("image_url") is { } image)
        {
            images.Add(new PagerDutyImage(image, null, group.AlertName));
        }

        var startedAt = group.Alerts.Count > 0 ? group.Alerts.Min(a => a.StartsAt) : group.At;
        return new PagerDutyEvent
        {
            RoutingKey = routingKey,
            EventAction = "trigger",
            DedupKey = dedupKey ?? DedupKeyFor(group.GroupId),
            Payload = new PagerDutyPayload
            {
                Summary = Truncate(summary.ToString(), MaxSummary),
                Source = common.Get("instance") ?? Client,
                Severity = MapSeverity(group.Severity),
                Timestamp = startedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                Component = common.Get(ComponentLabel),
                Group = common.Get(GroupLabel),
                Class = group.AlertName.Length > 0 ? group.AlertName : null,
                CustomDetails = details,
            },
            Links = links.Count > 0 ? links : null,
            Images = images.Count > 0 ? images : null,
            Client = Client,
            ClientUrl = ClientUrl,
        };
    }

    public static PagerDutyEvent Acknowledge(string routingKey, string dedupKey) =>
        new() { RoutingKey = routingKey, EventAction = "acknowledge", DedupKey = dedupKey };

    public static PagerDutyEvent Resolve(string routingKey, string dedupKey) =>
        new() { RoutingKey = routingKey, EventAction = "resolve", DedupKey = dedupKey };

    /// <summary>Our severity label values mapped onto PagerDuty's four.</summary>
    public string MapSeverity(string severity) => severity.ToLowerInvariant() switch
    {
        "critical" or "page" or "sev1" or "sev-1" => "critical",
        "error" or "high" => "error",
        "warning" or "warn" or "sev2" or "sev-2" => "warning",
        "info" or "sev3" or "sev-3" or "none" => "info",
        _ => DefaultSeverity,
    };

    private static string Describe(IReadOnlyList<Model.Alert> alerts)
    {
        var sb = new StringBuilder();
        foreach (var a in alerts)
        {
            sb.Append(a.Labels.ToString());
            if ((a.Annotations.Get("description") ?? a.Annotations.Get("summary")) is { } d)
            {
                sb.Append(": ").Append(d);
            }
            sb.Append('\n');
        }
        return sb.ToString().TrimEnd('\n');
    }

    private static string Truncate(string text, int max) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}
