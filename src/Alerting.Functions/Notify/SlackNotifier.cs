using System.Text.Json;
using System.Text.Json.Serialization;
using Alerting.Core.Alertmanager;
using Alerting.Core.Templating;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify;

/// <summary>
/// Alertmanager's Slack integration: one attachment rendered from the config's templates, posted to
/// the incoming-webhook URL, byte-compatible with what Alertmanager sends.
/// </summary>
public sealed class SlackNotifier(IHttpClientFactory httpFactory, DeliveryRetrier retrier, ILogger<SlackNotifier> logger) : INotifier
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault };

    public string Kind => "slack";

    public Task SendAsync(Integration integration, Notification notification, TemplateSet templates, CancellationToken ct)
    {
        var data = notification.Data();
        var c = (SlackConfig)integration.Config;
        var errors = new List<string>();
        string T(string? template) => string.IsNullOrEmpty(template) ? string.Empty : TemplateFallback.Render(() => templates.ExecuteText(template, data), template, errors);
        // Alertmanager marks these omitempty: an empty rendering leaves the key out.
        string? O(string? template) => T(template) is { Length: > 0 } v ? v : null;
        var title = T(c.Title);
        if (title.EnumerateRunes().Count() > 1024)
        {
            title = string.Concat(title.EnumerateRunes().Take(1023).Select(r => r.ToString())) + "…";
        }
        var payload = new SlackRequest(
            O(c.Channel),
            O(c.Username),
            O(c.IconEmoji),
            O(c.IconUrl),
            c.LinkNames,
            [
                new SlackAttachment(
                    title.Length > 0 ? title : null,
                    O(c.TitleLink),
                    O(c.Pretext),
                    T(c.Text),
                    T(c.Fallback),
                    T(c.CallbackId),
                    O(c.ImageUrl),
                    O(c.ThumbUrl),
                    T(c.Footer),
                    O(c.Color),
                    c.MrkdwnIn.Count > 0 ? c.MrkdwnIn : null),
            ]);
        TemplateFallback.Report(logger, integration, notification.Receiver, errors);
        var url = c.ApiUrl ?? SecretFile.Read(c.ApiUrlFile) ?? throw new PermanentNotificationException("slack_config has no api_url");
        return HttpDelivery.PostJsonAsync(httpFactory.CreateClient("notify"), retrier, url, JsonSerializer.SerializeToUtf8Bytes(payload, Json), "slack", ct);
    }

    private sealed record SlackRequest(
        [property: JsonPropertyName("channel")] string? Channel,
        [property: JsonPropertyName("username")] string? Username,
        [property: JsonPropertyName("icon_emoji")] string? IconEmoji,
        [property: JsonPropertyName("icon_url")] string? IconUrl,
        [property: JsonPropertyName("link_names")] bool LinkNames,
        [property: JsonPropertyName("attachments")] IReadOnlyList<SlackAttachment> Attachments);

    private sealed record SlackAttachment(
        [property: JsonPropertyName("title")] string? Title,
        [property: JsonPropertyName("title_link")] string? TitleLink,
        [property: JsonPropertyName("pretext")] string? Pretext,
        [property: JsonPropertyName("text"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string Text,
        [property: JsonPropertyName("fallback"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string Fallback,
        [property: JsonPropertyName("callback_id"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string CallbackId,
        [property: JsonPropertyName("image_url")] string? ImageUrl,
        [property: JsonPropertyName("thumb_url")] string? ThumbUrl,
        [property: JsonPropertyName("footer"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string Footer,
        [property: JsonPropertyName("color")] string? Color,
        [property: JsonPropertyName("mrkdwn_in")] IReadOnlyList<string>? MrkdwnIn);
}
