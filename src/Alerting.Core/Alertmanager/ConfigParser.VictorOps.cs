using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary><c>victorops_configs</c> with Alertmanager 0.25's defaults and errors (config/notifiers.go, config/config.go).</summary>
internal sealed partial class ConfigParser
{
    /// <summary>Payload fields the notifier sets itself, which <c>custom_fields</c> may not name.</summary>
    private static readonly string[] VictorOpsReservedFields = ["routing_key", "message_type", "state_message", "entity_display_name", "monitoring_tool", "entity_id", "entity_state"];

    private void ParseVictorOps(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "victorops");
        if (m is null)
        {
            return;
        }
        var http = HttpClientConfigParser.Parse(m, "http_config");
        var custom = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v, _) in m.StringMap("custom_fields") ?? [])
        {
            custom[k] = v;
        }
        var d = new VictorOpsConfig();
        var cfg = new VictorOpsConfig
        {
            SendResolved = m.Bool("send_resolved") ?? true,
            HttpConfig = http ?? new HttpClientConfig(),
            ApiKey = Empty(m.String("api_key", "config.plain")),
            ApiKeyFile = Empty(m.String("api_key_file")),
            ApiUrl = Url(m, "api_url") ?? string.Empty,
            RoutingKey = m.String("routing_key") ?? string.Empty,
            MessageType = m.String("message_type") ?? d.MessageType,
            StateMessage = m.String("state_message") ?? d.StateMessage,
            EntityDisplayName = m.String("entity_display_name") ?? d.EntityDisplayName,
            MonitoringTool = m.String("monitoring_tool") ?? d.MonitoringTool,
            CustomFields = custom,
        };
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        if (cfg.RoutingKey.Length == 0)
        {
            throw _ctx.Error(m.Node, path, "missing Routing key in VictorOps config");
        }
        InlineOrFile(m, path, "api_key", cfg.ApiKey, cfg.ApiKeyFile);
        foreach (var reserved in VictorOpsReservedFields)
        {
            if (custom.ContainsKey(reserved))
            {
                throw _ctx.Error(m.Node, m.KeyPath("custom_fields"), $"victorOps config contains custom field {reserved} which cannot be used as it conflicts with the fixed/static fields");
            }
        }
        draft.VictorOps.Add((cfg, http is not null, node, path));
    }

    /// <summary>Fills the API URL, api key and http_config from <c>global</c> as Alertmanager 0.25 does.</summary>
    private List<VictorOpsConfig> ApplyVictorOpsGlobals(ReceiverDraft draft, GlobalConfig g)
    {
        var result = new List<VictorOpsConfig>();
        foreach (var (cfg, ownHttp, node, path) in draft.VictorOps)
        {
            var c = ownHttp ? cfg : cfg with { HttpConfig = g.HttpConfig };
            if (c.ApiUrl.Length == 0)
            {
                c = c with { ApiUrl = g.GetOther("victorops_api_url") ?? new VictorOpsConfig().ApiUrl };
            }
            if (!c.ApiUrl.EndsWith('/'))
            {
                // The notifier appends "{api_key}/{routing_key}" below the URL's path.
                c = c with { ApiUrl = c.ApiUrl + "/" };
            }
            if (c.ApiKey is null && c.ApiKeyFile is null)
            {
                if (g.GetOther("victorops_api_key") is null && g.GetOther("victorops_api_key_file") is null)
                {
                    throw _ctx.Error(node, path, "no global VictorOps API Key set");
                }
                c = c with { ApiKey = g.GetOther("victorops_api_key"), ApiKeyFile = g.GetOther("victorops_api_key_file") };
            }
            result.Add(c);
        }
        return result;
    }
}
