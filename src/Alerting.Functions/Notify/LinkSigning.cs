using System.Text;
using Alerting.Core.Acknowledgement;
using Alerting.Functions.Options;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Notify;

/// <summary>The deployment's signer for one-click links, or none when no signing key is configured.</summary>
public sealed class LinkSigning(IOptions<AlertingOptions> options, TimeProvider time)
{
    public const string AcknowledgeAction = "acknowledge";

    public SignedLinkSigner? Signer =>
        Encoding.UTF8.GetByteCount(options.Value.LinkSigningKey) >= 32
            ? new SignedLinkSigner(Encoding.UTF8.GetBytes(options.Value.LinkSigningKey), time)
            : null;

    /// <summary>
    /// The emailed Acknowledge link; it opens a confirmation page whose button does the acknowledge. For an
    /// escalation delivery the link is derived from it (issued at its due time, nonce from its id), so every
    /// redelivery of the step sends the same text.
    /// </summary>
    public string? AcknowledgeUrl(string alertId, EscalationDelivery? delivery = null) =>
        Signer?.CreateUrl($"{options.Value.ExternalUrl.TrimEnd('/')}/api/links/{AcknowledgeAction}", alertId, AcknowledgeAction, options.Value.LinkValidity, delivery?.DueAt, delivery?.Id);
}
