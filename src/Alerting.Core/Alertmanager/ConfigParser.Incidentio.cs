using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary><c>incidentio_configs</c> with Alertmanager 0.29's keys, defaults and errors (notify/incidentio config).</summary>
internal sealed partial class ConfigParser
{
    private void ParseIncidentio(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "incidentio");
        if (m is null)
        {
            return;
        }
        var http = HttpClientConfigParser.Parse(m, "http_config");
        var cfg = new IncidentioConfig
        {
            SendResolved = m.Bool("send_resolved") ?? true,
            HttpConfig = http ?? new HttpClientConfig(),
            Url = Url(m, "url"),
            UrlFile = Empty(m.String("url_file")),
            AlertSourceToken = Empty(m.String("alert_source_token", "config.plain")),
            AlertSourceTokenFile = Empty(m.String("alert_source_token_file")),
            MaxAlerts = m.Int("max_alerts", "uint64") ?? 0,
            Timeout = m.Duration("timeout"),
        };
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        void Fail(string detail) => throw _ctx.Error(m.Node, path, detail);
        if (cfg.Url is null && cfg.UrlFile is null)
        {
            Fail("one of url or url_file must be configured");
        }
        if (cfg.Url is not null && cfg.UrlFile is not null)
        {
            Fail("at most one of url & url_file must be configured");
        }
        if (cfg.AlertSourceToken is not null && cfg.AlertSourceTokenFile is not null)
        {
            Fail("at most one of alert_source_token & alert_source_token_file must be configured");
        }
        var token = cfg.AlertSourceToken is not null || cfg.AlertSourceTokenFile is not null;
        if (http?.Authorization is not null && token)
        {
            Fail("cannot specify alert_source_token or alert_source_token_file when using http_config.authorization");
        }
        // Only an http_config block without authorization demands a token; no block at all passes (and takes global's).
        if (http is not null && http.Authorization is null && !token)
        {
            Fail("at least one of alert_source_token, alert_source_token_file or http_config.authorization must be configured");
        }
        draft.Incidentios.Add((cfg, http is not null));
    }
}
