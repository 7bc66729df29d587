using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// <c>mattermost_configs</c> with the keys, defaults and errors of Alertmanager 0.30, the first release that
/// has them (config/notifiers.go); 0.25 does not know the key. The global <c>mattermost_webhook_url(_file)</c>
/// (a later release's, as is the error when no URL is set anywhere) is inherited when the integration names
/// no URL, since the global section accepts it.
/// </summary>
internal sealed partial class ConfigParser
{
    private void ParseMattermost(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "mattermost");
        if (m is null)
        {
            return;
        }
        var http = HttpClientConfigParser.Parse(m, "http_config");
        var d = new MattermostConfig();
        var attachments = new List<MattermostAttachment>();
        foreach (var (an, ap) in m.Items("attachments", "[]*config.MattermostAttachment"))
        {
            if (ParseMattermostAttachment(an, ap) is { } a)
            {
                attachments.Add(a);
            }
        }
        string card = string.Empty;
        if (m.Map("props", "config.MattermostProps") is { } props)
        {
            card = props.String("card") ?? string.Empty;
            props.Done();
        }
        MattermostPriority? priority = null;
        if (m.Map("priority", "config.MattermostPriority") is { } p)
        {
            priority = new MattermostPriority(p.String("priority") ?? string.Empty, p.Bool("requested_ack") ?? false, p.Bool("persistent_notifications") ?? false);
            p.Done();
        }
        var cfg = new MattermostConfig
        {
            SendResolved = m.Bool("send_resolved") ?? true,
            HttpConfig = http ?? new HttpClientConfig(),
            WebhookUrl = SecretUrl(m, "webhook_url"),
            WebhookUrlFile = Empty(m.String("webhook_url_file")),
            Channel = m.String("channel") ?? d.Channel,
            Username = m.String("username") ?? d.Username,
            Text = m.String("text") ?? d.Text,
            IconUrl = m.String("icon_url") ?? d.IconUrl,
            IconEmoji = m.String("icon_emoji") ?? d.IconEmoji,
            Attachments = attachments,
            Type = m.String("type") ?? d.Type,
            Card = card,
            Priority = priority,
        };
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        InlineOrFile(m, path, "webhook_url", cfg.WebhookUrl, cfg.WebhookUrlFile);
        draft.Mattermosts.Add((cfg, http is not null, m.Node, path));
    }

    private MattermostAttachment? ParseMattermostAttachment(YamlNode node, string path)
    {
        var a = YamlMap.Open(_ctx, node, path, "config.MattermostAttachment");
        if (a is null)
        {
            return null;
        }
        var fields = new List<MattermostField>();
        foreach (var (fn, fp) in a.Items("fields", "[]*config.MattermostField"))
        {
            var f = YamlMap.Open(_ctx, fn, fp);
            if (f is null)
            {
                continue;
            }
            var field = new MattermostField(f.String("title") ?? string.Empty, f.String("value") ?? string.Empty, f.Bool("short"));
            f.Done();
            if (!f.HadTypeErrors && field.Title.Length == 0)
            {
                throw _ctx.Error(fn, fp + ".title", "missing title in Mattermost field configuration");
            }
            if (!f.HadTypeErrors && field.Value.Length == 0)
            {
                throw _ctx.Error(fn, fp + ".value", "missing value in Mattermost field configuration");
            }
            fields.Add(field);
        }
        var attachment = new MattermostAttachment
        {
            Fallback = a.String("fallback") ?? string.Empty,
            Color = a.String("color") ?? string.Empty,
            Pretext = a.String("pretext") ?? string.Empty,
            Text = a.String("text") ?? string.Empty,
            AuthorName = a.String("author_name") ?? string.Empty,
            AuthorLink = a.String("author_link") ?? string.Empty,
            AuthorIcon = a.String("author_icon") ?? string.Empty,
            Title = a.String("title") ?? string.Empty,
            TitleLink = a.String("title_link") ?? string.Empty,
            Fields = fields,
            ThumbUrl = a.String("thumb_url") ?? string.Empty,
            Footer = a.String("footer") ?? string.Empty,
            FooterIcon = a.String("footer_icon") ?? string.Empty,
            ImageUrl = a.String("image_url") ?? string.Empty,
        };
        a.Done();
        return attachment;
    }

    private List<MattermostConfig> ApplyMattermostGlobals(ReceiverDraft draft, GlobalConfig g)
    {
        var result = new List<MattermostConfig>();
        foreach (var (cfg, ownHttp, node, path) in draft.Mattermosts)
        {
            var c = ownHttp ? cfg : cfg with { HttpConfig = g.HttpConfig };
            if (c.WebhookUrl is null && c.WebhookUrlFile is null)
            {
                if (g.GetOther("mattermost_webhook_url") is null && g.GetOther("mattermost_webhook_url_file") is null)
                {
                    // The message of the release that added the global URL (Alertmanager's conformance data expects it).
                    throw _ctx.Error(node, path, "no global Mattermost Webhook URL set either inline or in a file");
                }
                c = c with { WebhookUrl = g.GetOther("mattermost_webhook_url"), WebhookUrlFile = g.GetOther("mattermost_webhook_url_file") };
            }
            result.Add(c);
        }
        return result;
    }
}
