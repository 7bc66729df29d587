using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Alerting.Core.Acknowledgement;
using Alerting.Core.Model;

namespace Alerting.Core.Notify.Slack;

/// <summary>Who moved the alert group out of "firing", shown on the updated message.</summary>
public sealed record SlackStatusChange(AlertStatus Status, string By, DateTimeOffset At);

/// <summary>
/// Builds the Block Kit message for an alert group and its updated forms after acknowledge/resolve.
/// Everything stays within Slack's documented limits (header 150 chars, section text 3000, button
/// text 75, 50 blocks) by truncating, because Slack rejects the whole message otherwise.
/// </summary>
public sealed class SlackMessageBuilder
{
    public const string AcknowledgeActionId = "alert_acknowledge";
    public const string UnacknowledgeActionId = "alert_unacknowledge";
    public const string ResolveActionId = "alert_resolve";
    public const string RunbookActionId = "alert_runbook";
    public const string ActionsBlockId = "alert_actions";

    /// <summary>Alerts listed one by one; the rest are summarised, so big groups do not hit the block limit.</summary>
    public int MaxAlertsListed { get; init; } = 10;

    /// <summary>Message for a group as it is now (firing, or resolved by itself).</summary>
    public SlackMessage Build(AlertGroupSnapshot group) => Build(group, change: null);

    /// <summary>
    /// The message after an operator action, for <c>chat.update</c>: the Acknowledge button goes away
    /// (replaced by Unacknowledge/Resolve while acknowledged) and the message says who did what when.
    /// </summary>
    public SlackMessage Build(AlertGroupSnapshot group, SlackStatusChange? change)
    {
        // The button value is how a click finds its group again; a truncated id would acknowledge the wrong thing.
        if (group.GroupId.Length is 0 or > SlackLimits.ButtonValue)
        {
            throw new ArgumentException($"Group id must be 1-{SlackLimits.ButtonValue} characters to fit a Slack button value.", nameof(group));
        }
        var status = change?.Status ?? (group.IsResolved ? AlertStatus.Resolved : AlertStatus.Firing);
        var title = Title(group, status);
        var blocks = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "header",
                ["text"] = PlainText(Truncate(title, SlackLimits.HeaderText)),
            },
            Section(SummaryText(group, status, change)),
        };

        var actions = Actions(group, status);
        if (actions.Count > 0)
        {
            blocks.Add(new JsonObject { ["type"] = "actions", ["block_id"] = ActionsBlockId, ["elements"] = actions });
        }

        var detail = new JsonArray();
        foreach (var alert in group.Alerts.Take(MaxAlertsListed))
        {
            detail.Add(Section(AlertText(alert, group.At)));
        }
        if (group.Alerts.Count > MaxAlertsListed)
        {
            detail.Add(Context($"…and {group.Alerts.Count - MaxAlertsListed} more alerts in this group"));
        }
        detail.Add(Context($"Group `{Escape(group.GroupId)}`"));

        var attachments = new JsonArray
        {
            new JsonObject
            {
                ["color"] = Colour(group, status),
                ["fallback"] = Truncate(title, SlackLimits.SectionText),
                ["blocks"] = detail,
            },
        };
        return new SlackMessage(Truncate(title, SlackLimits.MessageText), blocks, attachments);
    }

    public static string Colour(AlertGroupSnapshot group, AlertStatus status) => status switch
    {
        AlertStatus.Resolved => "#2EB67D",
        AlertStatus.Acknowledged or AlertStatus.Snoozed or AlertStatus.Silenced => "#8D8D8D",
        _ => AlertGroupSnapshot.SeverityRank(group.Severity) switch
        {
            0 or 1 => "#E01E5A",
            2 => "#ECB22E",
            3 => "#36C5F0",
            _ => "#E01E5A",
        },
    };

    private static string Title(AlertGroupSnapshot group, AlertStatus status)
    {
        var state = status switch
        {
            AlertStatus.Resolved => "RESOLVED",
            AlertStatus.Acknowledged => "ACKNOWLEDGED",
            AlertStatus.Snoozed => "SNOOZED",
            AlertStatus.Silenced => "SILENCED",
            _ => "FIRING",
        };
        var count = status == AlertStatus.Resolved ? group.Alerts.Count : group.Firing.Count;
        var name = group.AlertName.Length > 0 ? group.AlertName : "alert";
        return string.Create(CultureInfo.InvariantCulture, $"[{state}:{count}] {name}");
    }

    private static string SummaryText(AlertGroupSnapshot group, AlertStatus status, SlackStatusChange? change)
    {
        var sb = new StringBuilder();
        if (group.Severity.Length > 0)
        {
            sb.Append("*Severity:* ").Append(Escape(group.Severity)).Append('\n');
        }
        var summary = group.Annotation("summary") ?? group.Annotation("description");
        if (summary is not null)
        {
            sb.Append("*Summary:* ").Append(Escape(summary)).Append('\n');
        }
        if (change is not null)
        {
            var verb = change.Status switch
            {
                AlertStatus.Acknowledged => "Acknowledged",
                AlertStatus.Resolved => "Resolved",
                AlertStatus.Snoozed => "Snoozed",
                AlertStatus.Silenced => "Silenced",
                _ => "Re-opened",
            };
            sb.Append(':').Append(change.Status == AlertStatus.Resolved ? "white_check_mark" : "eyes").Append(": *")
              .Append(verb).Append("* by ").Append(Escape(change.By)).Append(" at ")
              .Append(change.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
        }
        else if (status == AlertStatus.Firing)
        {
            sb.Append("*Status:* firing, not acknowledged");
        }
        else
        {
            sb.Append("*Status:* resolved");
        }
        return sb.ToString().TrimEnd('\n');
    }

    private static JsonArray Actions(AlertGroupSnapshot group, AlertStatus status)
    {
        var elements = new JsonArray();
        switch (status)
        {
            case AlertStatus.Firing:
                elements.Add(Button("Acknowledge", AcknowledgeActionId, group.GroupId, "primary"));
                break;
            case AlertStatus.Acknowledged:
                elements.Add(Button("Resolve", ResolveActionId, group.GroupId, "primary"));
                elements.Add(Button("Unacknowledge", UnacknowledgeActionId, group.GroupId, style: null));
                break;
            default:
                break;
        }
        var runbook = group.Annotation("runbook_url");
        if (runbook is not null && Uri.TryCreate(runbook, UriKind.Absolute, out var uri) &&
            (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) &&
            runbook.Length <= SlackLimits.ButtonUrl)
        {
            var button = Button("Runbook", RunbookActionId, group.GroupId, style: null);
            button["url"] = runbook;
            elements.Add(button);
        }
        return elements;
    }

    private static JsonObject Button(string text, string actionId, string value, string? style)
    {
        var button = new JsonObject
        {
            ["type"] = "button",
            ["text"] = PlainText(text),
            ["action_id"] = actionId,
            ["value"] = value,
        };
        if (style is not null)
        {
            button["style"] = style;
        }
        return button;
    }

    private static string AlertText(Alert alert, DateTimeOffset at)
    {
        var sb = new StringBuilder();
        var state = alert.IsResolvedAt(at) ? "resolved" : "firing";
        sb.Append('*').Append(Escape(alert.Labels.Get("alertname") ?? "alert")).Append("* (").Append(state).Append(")\n");
        var text = alert.Annotations.Get("description") ?? alert.Annotations.Get("summary");
        if (text is not null)
        {
            sb.Append(Escape(text)).Append('\n');
        }
        sb.Append(string.Join(", ", alert.Labels.Where(l => l.Name != "alertname").Select(l => $"`{Escape(l.Name)}={Escape(l.Value)}`")));
        sb.Append("\nSince ").Append(alert.StartsAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    private static JsonObject Section(string mrkdwn) => new()
    {
        ["type"] = "section",
        ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Truncate(mrkdwn, SlackLimits.SectionText) },
    };

    private static JsonObject Context(string mrkdwn) => new()
    {
        ["type"] = "context",
        ["elements"] = new JsonArray { new JsonObject { ["type"] = "mrkdwn", ["text"] = Truncate(mrkdwn, SlackLimits.ContextText) } },
    };

    private static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text, ["emoji"] = true };

    /// <summary>Slack's mrkdwn needs only these three escaped; everything else is literal.</summary>
    public static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);

    internal static string Truncate(string text, int max) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}
