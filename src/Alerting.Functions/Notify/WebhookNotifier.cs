using System.Net.Http.Headers;
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
        var h = c.HttpConfig;
        AuthenticationHeaderValue? auth = null;
        if ((h.BearerToken ?? SecretFile.Read(h.BearerTokenFile)) is { Length: > 0 } bearer)
        {
            auth = new AuthenticationHeaderValue("Bearer", bearer);
        }
        else if (h.AuthorizationType is { } type && (h.AuthorizationCredentials ?? SecretFile.Read(h.AuthorizationCredentialsFile)) is { } credentials)
        {
            auth = new AuthenticationHeaderValue(type, credentials);
        }
        else if (!string.IsNullOrEmpty(h.BasicAuthUsername))
        {
            var password = h.BasicAuthPassword ?? SecretFile.Read(h.BasicAuthPasswordFile) ?? string.Empty;
            auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(h.BasicAuthUsername + ":" + password)));
        }
        return HttpDelivery.PostJsonAsync(httpFactory.CreateClient("notify"), retrier, url, JsonSerializer.SerializeToUtf8Bytes(payload), "webhook", ct, auth);
    }
}
