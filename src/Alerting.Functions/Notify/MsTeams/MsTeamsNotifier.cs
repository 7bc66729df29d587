using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Functions.Notify.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.MsTeams;

/// <summary>
/// Alertmanager's Microsoft Teams integration (an incoming webhook taking a legacy MessageCard): one POST of
/// <c>@context</c>, <c>type</c>, <c>title</c>, <c>summary</c>, <c>text</c> and <c>themeColor</c> (red while any
/// alert fires, green once all resolved) to the webhook URL, read from <c>webhook_url_file</c> per send when
/// given. Incoming webhooks cannot edit a posted card, so there is no update. 429 and 5xx are retried by the
/// shared pipeline, anything else is permanent.
/// </summary>
public sealed class MsTeamsNotifier(NotifyHttpClients clients, ILogger<MsTeamsNotifier> logger) : Notifier<MsTeamsConfig>
{
    public const string ColorFiring = "8C1A1A";
    public const string ColorResolved = "2DC72D";

    public override string Kind => "msteams";

    protected override async Task<DeliveryReceipt?> SendAsync(MsTeamsConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var templater = new Templater(notification.Templates, notification.Data());
        var body = Card(config, templater);
        templater.Report(logger, integration.Id, notification.Receiver);
        var url = config.WebhookUrl ?? NotifySecrets.ReadFile(config.WebhookUrlFile, "msteams: read webhook_url_file");
        await NotifyRequests.PostJsonAsync(clients.For(config.HttpConfig), url, body, Kind, ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>The MessageCard Alertmanager posts, in its field order (Go's json.Encoder: one line and a newline).</summary>
    public static string Card(MsTeamsConfig c, Templater t)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(t);
        var card = new JsonObject
        {
            ["@context"] = "http://schema.org/extensions",
            // Alertmanager writes "type", not MessageCard's "@type"; Teams accepts it, so we send what it sends.
            ["type"] = "MessageCard",
            ["title"] = t.Text(c.Title),
            ["summary"] = t.Text(c.Summary),
            ["text"] = t.Text(c.Text),
            ["themeColor"] = t.Data.Status == "resolved" ? ColorResolved : ColorFiring,
        };
        return card.ToJsonString(NotifyRequests.Json) + "\n";
    }
}
