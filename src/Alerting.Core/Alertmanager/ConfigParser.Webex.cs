using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary><c>webex_configs</c> with Alertmanager 0.25's defaults and errors (config/notifiers.go, config/config.go).</summary>
internal sealed partial class ConfigParser
{
    private void ParseWebex(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "webex");
        if (m is null)
        {
            return;
        }
        var http = HttpClientConfigParser.Parse(m, "http_config");
        var d = new WebexConfig();
        var cfg = new WebexConfig
        {
            SendResolved = m.Bool("send_resolved") ?? true,
            HttpConfig = http ?? new HttpClientConfig(),
            ApiUrl = Url(m, "api_url") ?? string.Empty,
            RoomId = m.String("room_id") ?? string.Empty,
            Message = m.String("message") ?? d.Message,
        };
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        if (cfg.RoomId.Length == 0)
        {
            throw _ctx.Error(m.Node, path, "missing room_id on webex_config");
        }
        // 0.25 asks only that an authorization block exists (an empty one passes); the bot token goes there.
        if (http?.Authorization is null)
        {
            throw _ctx.Error(m.Node, path, "missing webex_configs.http_config.authorization");
        }
        draft.Webexes.Add(cfg);
    }

    /// <summary>The API URL from <c>global.webex_api_url</c> when unset (http_config is always the integration's own: it must hold the token).</summary>
    private static List<WebexConfig> ApplyWebexGlobals(ReceiverDraft draft, GlobalConfig g) =>
        draft.Webexes.Select(c => c.ApiUrl.Length > 0 ? c : c with { ApiUrl = g.GetOther("webex_api_url") ?? new WebexConfig().ApiUrl }).ToList();
}
