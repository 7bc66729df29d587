using Alerting.Core.Alertmanager;
using Alerting.Functions.Notify.Http;

namespace Alerting.Functions.Notify.Webhook;

/// <summary>Alertmanager's generic webhook: the version 4 JSON, truncated to max_alerts when set.</summary>
public sealed class WebhookNotifier(NotifyHttpClients clients) : Notifier<WebhookConfig>
{
    public override string Kind => "webhook";

    protected override async Task<DeliveryReceipt?> SendAsync(WebhookConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var body = notification.Data(config.MaxAlerts).ToWebhookJson() + "\n";
        var url = config.Url ?? HttpClientConfigs.ReadSecret(config.UrlFile)?.Trim() ?? throw new PermanentNotificationException("webhook_config has no url");
        await NotifyRequests.PostJsonAsync(clients.For(config.HttpConfig, config.Timeout), url, body, Kind, ct).ConfigureAwait(false);
        return null;
    }
}
