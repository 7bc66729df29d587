using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// <c>wechat_configs</c> with Alertmanager 0.25's defaults and errors (config/notifiers.go, config.go), and
/// the later <c>api_secret_file</c> / <c>global.wechat_api_secret_file</c>, which this project already
/// accepted before it delivered WeChat.
/// </summary>
internal sealed partial class ConfigParser
{
    private void ParseWeChat(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "wechat");
        if (m is null)
        {
            return;
        }
        var http = HttpClientConfigParser.Parse(m, "http_config");
        var d = new WeChatConfig();
        var cfg = new WeChatConfig
        {
            SendResolved = m.Bool("send_resolved") ?? false,
            HttpConfig = http ?? new HttpClientConfig(),
            ApiSecret = Empty(m.String("api_secret", "config.plain")),
            ApiSecretFile = Empty(m.String("api_secret_file")),
            CorpId = m.String("corp_id") ?? string.Empty,
            Message = m.String("message") ?? d.Message,
            ApiUrl = Url(m, "api_url") ?? string.Empty,
            ToUser = m.String("to_user") ?? d.ToUser,
            ToParty = m.String("to_party") ?? d.ToParty,
            ToTag = m.String("to_tag") ?? d.ToTag,
            AgentId = m.String("agent_id") ?? d.AgentId,
            MessageType = Empty(m.String("message_type")) ?? d.MessageType,
        };
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        if (cfg.MessageType is not ("text" or "markdown"))
        {
            throw _ctx.Error(m.Node, m.KeyPath("message_type"), $"weChat message type \"{cfg.MessageType}\" does not match valid options ^(text|markdown)$");
        }
        InlineOrFile(m, path, "api_secret", cfg.ApiSecret, cfg.ApiSecretFile);
        draft.WeChats.Add((cfg, http is not null, node, path));
    }

    /// <summary>Fills the API URL, secret, corp id and http_config from <c>global</c> as Alertmanager does.</summary>
    private List<WeChatConfig> ApplyWeChatGlobals(ReceiverDraft draft, GlobalConfig g)
    {
        var result = new List<WeChatConfig>();
        foreach (var (cfg, ownHttp, node, path) in draft.WeChats)
        {
            var c = ownHttp ? cfg : cfg with { HttpConfig = g.HttpConfig };
            if (c.ApiUrl.Length == 0)
            {
                c = c with { ApiUrl = g.GetOther("wechat_api_url") ?? new WeChatConfig().ApiUrl };
            }
            if (c.ApiSecret is null && c.ApiSecretFile is null)
            {
                if (g.GetOther("wechat_api_secret") is null && g.GetOther("wechat_api_secret_file") is null)
                {
                    throw _ctx.Error(node, path, "no global Wechat ApiSecret set");
                }
                c = c with { ApiSecret = g.GetOther("wechat_api_secret"), ApiSecretFile = g.GetOther("wechat_api_secret_file") };
            }
            if (c.CorpId.Length == 0)
            {
                c = c with { CorpId = g.GetOther("wechat_api_corp_id") ?? throw _ctx.Error(node, path, "no global Wechat CorpID set") };
            }
            if (!c.ApiUrl.EndsWith('/'))
            {
                // Alertmanager appends "/" to the API URL's path so "gettoken" and "message/send" go below it.
                c = c with { ApiUrl = c.ApiUrl + "/" };
            }
            result.Add(c);
        }
        return result;
    }
}
