using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// <c>rocketchat_configs</c> with the keys, defaults and errors of Alertmanager 0.28, the first release that
/// has them (config/notifiers.go, config.go); 0.25 does not know the key. Token and token id come from the
/// integration or from <c>global.rocketchat_token(_id)(_file)</c>, the API URL from <c>global.rocketchat_api_url</c>.
/// </summary>
internal sealed partial class ConfigParser
{
    private void ParseRocketchat(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "rocketchat");
        if (m is null)
        {
            return;
        }
        var http = HttpClientConfigParser.Parse(m, "http_config");
        var d = new RocketchatConfig();
        var fields = new List<RocketchatField>();
        foreach (var (fn, fp) in m.Items("fields", "[]*config.RocketchatAttachmentField"))
        {
            if (YamlMap.Open(_ctx, fn, fp, "config.RocketchatAttachmentField") is { } f)
            {
                fields.Add(new RocketchatField(f.String("title") ?? string.Empty, f.String("value") ?? string.Empty, f.Bool("short")));
                f.Done();
            }
        }
        var actions = new List<RocketchatAction>();
        foreach (var (an, ap) in m.Items("actions", "[]*config.RocketchatAttachmentAction"))
        {
            if (YamlMap.Open(_ctx, an, ap, "config.RocketchatAttachmentAction") is { } a)
            {
                // Go's yaml lower-cases untagged field names; only text, url and msg reach the message.
                a.String("type");
                a.String("imageurl");
                a.Bool("iswebview");
                a.String("webviewheightratio");
                a.Bool("msginchatwindow");
                a.String("msgprocessingtype");
                actions.Add(new RocketchatAction(a.String("text") ?? string.Empty, a.String("url") ?? string.Empty, a.String("msg") ?? string.Empty));
                a.Done();
            }
        }
        var url = m.String("api_url") is { Length: > 0 } ? Url(m, "api_url") : null;
        var cfg = new RocketchatConfig
        {
            SendResolved = m.Bool("send_resolved") ?? false,
            HttpConfig = http ?? new HttpClientConfig(),
            ApiUrl = url ?? string.Empty,
            TokenId = Empty(m.String("token_id", "config.plain")),
            TokenIdFile = Empty(m.String("token_id_file")),
            Token = Empty(m.String("token", "config.plain")),
            TokenFile = Empty(m.String("token_file")),
            Channel = m.String("channel") ?? d.Channel,
            Color = m.String("color") ?? d.Color,
            Title = m.String("title") ?? d.Title,
            TitleLink = m.String("title_link") ?? d.TitleLink,
            Text = m.String("text") ?? d.Text,
            Fields = fields,
            ShortFields = m.Bool("short_fields") ?? false,
            Emoji = m.String("emoji") ?? d.Emoji,
            IconUrl = m.String("icon_url") ?? d.IconUrl,
            ImageUrl = m.String("image_url") ?? d.ImageUrl,
            ThumbUrl = m.String("thumb_url") ?? d.ThumbUrl,
            LinkNames = m.Bool("link_names") ?? false,
            Actions = actions,
        };
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        InlineOrFile(m, path, "token", cfg.Token, cfg.TokenFile);
        InlineOrFile(m, path, "token_id", cfg.TokenId, cfg.TokenIdFile);
        draft.Rocketchats.Add((cfg, http is not null, m.Node, path));
    }

    private List<RocketchatConfig> ApplyRocketchatGlobals(ReceiverDraft draft, GlobalConfig g)
    {
        var result = new List<RocketchatConfig>();
        foreach (var (cfg, ownHttp, node, path) in draft.Rocketchats)
        {
            var c = ownHttp ? cfg : cfg with { HttpConfig = g.HttpConfig };
            if (c.ApiUrl.Length == 0)
            {
                c = c with { ApiUrl = g.GetOther("rocketchat_api_url") ?? RocketchatConfig.DefaultApiUrl };
            }
            if (c.TokenId is null && c.TokenIdFile is null)
            {
                if (g.GetOther("rocketchat_token_id") is null && g.GetOther("rocketchat_token_id_file") is null)
                {
                    throw _ctx.Error(node, path, "no global Rocketchat TokenID set either inline or in a file");
                }
                c = c with { TokenId = g.GetOther("rocketchat_token_id"), TokenIdFile = g.GetOther("rocketchat_token_id_file") };
            }
            if (c.Token is null && c.TokenFile is null)
            {
                if (g.GetOther("rocketchat_token") is null && g.GetOther("rocketchat_token_file") is null)
                {
                    throw _ctx.Error(node, path, "no global Rocketchat Token set either inline or in a file");
                }
                c = c with { Token = g.GetOther("rocketchat_token"), TokenFile = g.GetOther("rocketchat_token_file") };
            }
            result.Add(c);
        }
        return result;
    }
}
