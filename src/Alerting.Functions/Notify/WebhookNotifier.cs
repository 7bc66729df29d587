using System.Text.Json;
using Alerting.Core.Alertmanager;
using Alerting.Core.Templating;

namespace Alerting.Functions.Notify;

/// <summary>Alertmanager's generic webhook: the version 4 JSON, truncated to max_alerts when set.</summary>
public sealed class WebhookNotifier(IHttpClientFactory httpFactory, DeliveryRetrier retrier) : INotifier
{
    public string Kind => "webhook";

    public Task SendAsync(Integration integration, Notification notification, TemplateSet templates, CancellationToken ct)
    {
        var c = (WebhookConfig)integration.Config;
        var payload = notification.Data(c.MaxAlerts);
        var url = c.Url ?? SecretFile.Read(c.UrlFile) ?? throw new PermanentNotificationException("webhook_config has no url");
        var auth = HttpClientConfigs.AuthorizationHeader(c.HttpConfig);
        return HttpDelivery.PostJsonAsync(httpFactory.CreateClient("notify"), retrier, url, JsonSerializer.SerializeToUtf8Bytes(payload), "webhook", ct, auth);
    }
}
