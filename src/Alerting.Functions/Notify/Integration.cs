using Alerting.Core.Alertmanager;

namespace Alerting.Functions.Notify;

/// <summary>
/// One delivery target of a receiver (its n-th slack_config, email_config, ...). The id is stable for a
/// given config so the notification log can say what this target was last told.
/// </summary>
public sealed record Integration(string Id, string Kind, bool SendResolved, object Config)
{
    public static IReadOnlyList<Integration> For(Receiver receiver)
    {
        var result = new List<Integration>();
        result.AddRange(receiver.EmailConfigs.Select((c, i) => new Integration($"email-{i}", "email", c.SendResolved, c)));
        result.AddRange(receiver.SlackConfigs.Select((c, i) => new Integration($"slack-{i}", "slack", c.SendResolved, c)));
        result.AddRange(receiver.WebhookConfigs.Select((c, i) => new Integration($"webhook-{i}", "webhook", c.SendResolved, c)));
        result.AddRange(receiver.PagerDutyConfigs.Select((c, i) => new Integration($"pagerduty-{i}", "pagerduty", c.SendResolved, c)));
        return result;
    }
}
