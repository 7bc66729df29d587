using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Functions.Notify.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.Discord;

/// <summary>
/// Alertmanager 0.25's Discord integration: one <c>POST</c> to the channel webhook with an empty
/// <c>content</c> and one embed (title truncated to Discord's 256 runes, description to 4096, colour red while
/// any alert fires and green once all resolved). Webhooks cannot edit by group, so there is no update.
/// 429 and 5xx are retried by the shared pipeline, anything else is permanent.
/// </summary>
public sealed class DiscordNotifier(NotifyHttpClients clients, ILogger<DiscordNotifier> logger) : Notifier<DiscordConfig>
{
    public const int MaxTitleRunes = 256;
    public const int MaxDescriptionRunes = 4096;
    public const int ColorFiring = 0x992D22;
    public const int ColorResolved = 0x2ECC71;

    public override string Kind => "discord";

    protected override async Task<DeliveryReceipt?> SendAsync(DiscordConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var templater = new Templater(notification.Templates, notification.Data());
        var body = Message(config, templater);
        templater.Report(logger, integration.Id, notification.Receiver);
        await NotifyRequests.PostJsonAsync(clients.For(config.HttpConfig), config.WebhookUrl, body, Kind, ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>The webhook body Alertmanager 0.25 posts (Go's json.Encoder: one line and a newline).</summary>
    public static string Message(DiscordConfig c, Templater t)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(t);
        var embed = new JsonObject
        {
            ["title"] = Truncate.InRunes(t.Text(c.Title), MaxTitleRunes),
            ["description"] = Truncate.InRunes(t.Text(c.Message), MaxDescriptionRunes),
            ["color"] = t.Data.Status == "resolved" ? ColorResolved : ColorFiring,
        };
        var message = new JsonObject { ["content"] = string.Empty, ["embeds"] = new JsonArray(embed) };
        return message.ToJsonString(NotifyRequests.Json) + "\n";
    }
}
