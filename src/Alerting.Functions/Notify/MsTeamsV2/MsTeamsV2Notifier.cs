using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Functions.Notify.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.MsTeamsV2;

/// <summary>
/// Alertmanager's Teams Workflows integration (<c>msteamsv2</c>, Alertmanager 0.28): one POST per
/// notification to the workflow's webhook URL (read from <c>webhook_url_file</c> per send when given) of a
/// <c>message</c> with one Adaptive Card 1.2 attachment: a heading TextBlock with the title, coloured
/// <c>Attention</c> while any alert fires and <c>Good</c> once all resolved, then a TextBlock with the text.
/// A workflow cannot edit a posted card, so there is no update. 5xx (and 429, which Teams documents for
/// throttling) are retried by the shared pipeline, anything else is permanent.
/// </summary>
/// <remarks>
/// The card is 0.28's to the byte, including its misspelt <c>"weigth"</c> key (Teams ignores it, so the
/// title is not bold) and no <c>wrap</c> on the text block; later releases write <c>"weight"</c> and wrap
/// the text.
/// </remarks>
public sealed class MsTeamsV2Notifier(NotifyHttpClients clients, ILogger<MsTeamsV2Notifier> logger) : Notifier<MsTeamsV2Config>
{
    public const string ColorFiring = "Attention";
    public const string ColorResolved = "Good";

    public override string Kind => "msteamsv2";

    protected override async Task<DeliveryReceipt?> SendAsync(MsTeamsV2Config config, Integration integration, Notification notification, CancellationToken ct)
    {
        var templater = new Templater(notification.Templates, notification.Data());
        var body = Message(config, templater);
        templater.Report(logger, integration.Id, notification.Receiver);
        var url = config.WebhookUrl ?? NotifySecrets.ReadFile(config.WebhookUrlFile, "msteamsv2: read webhook_url_file");
        await NotifyRequests.PostJsonAsync(clients.For(config.HttpConfig), url, body, Kind, ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>The message Alertmanager 0.28 posts, in its field order (Go's json.Encoder: one line and a newline).</summary>
    public static string Message(MsTeamsV2Config c, Templater t)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(t);
        var title = t.Text(c.Title);
        var text = t.Text(c.Text);
        var heading = new JsonObject { ["type"] = "TextBlock", ["text"] = title, ["weigth"] = "Bolder", ["size"] = "Medium", ["wrap"] = true, ["style"] = "heading" };
        heading["color"] = t.Data.Status == "resolved" ? ColorResolved : ColorFiring;
        var message = new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray(new JsonObject
            {
                ["contentType"] = "application/vnd.microsoft.card.adaptive",
                ["contentUrl"] = null,
                ["content"] = new JsonObject
                {
                    ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
                    ["type"] = "AdaptiveCard",
                    ["version"] = "1.2",
                    ["body"] = new JsonArray(heading, new JsonObject { ["type"] = "TextBlock", ["text"] = text }),
                    ["msteams"] = new JsonObject { ["width"] = "full" },
                },
            }),
        };
        return message.ToJsonString(NotifyRequests.Json) + "\n";
    }
}
