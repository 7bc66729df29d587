using Alerting.Core.Alertmanager;

namespace Alerting.Core.Notify.Sms;

/// <summary>
/// An SMS to one on-call person through Azure Communication Services. Alertmanager has no SMS receiver, so
/// this integration is only built for an escalation step that pages a person with an <c>sms:</c> contact.
/// </summary>
public sealed record SmsConfig : IntegrationConfig
{
    public override string Kind => "sms";

    public override bool SendResolved { get; init; }

    /// <summary>The person's number, E.164.</summary>
    public required string To { get; init; }

    /// <summary>The sender: a number (E.164) or short code the ACS resource owns.</summary>
    public required string From { get; init; }

    public required AcsConnectionString Connection { get; init; }

    public bool EnableDeliveryReport { get; init; }

    public int MaxSegments { get; init; } = SmsText.DefaultMaxSegments;
}
