using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// <c>msteamsv2_configs</c> (Teams Workflows) with the defaults and errors of Alertmanager 0.28, the first
/// release that has them (config/notifiers.go, config.go). Alertmanager 0.25 does not know the key.
/// </summary>
internal sealed partial class ConfigParser
{
    private void ParseMsTeamsV2(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "msteamsv2");
        if (m is null)
        {
            return;
        }
        var http = HttpClientConfigParser.Parse(m, "http_config");
        var d = new MsTeamsV2Config();
        var cfg = new MsTeamsV2Config
        {
            SendResolved = m.Bool("send_resolved") ?? true,
            HttpConfig = http ?? new HttpClientConfig(),
            WebhookUrl = SecretUrl(m, "webhook_url"),
            WebhookUrlFile = Empty(m.String("webhook_url_file")),
            Title = m.String("title") ?? d.Title,
            Text = m.String("text") ?? d.Text,
        };
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        InlineOrFile(m, path, "webhook_url", cfg.WebhookUrl, cfg.WebhookUrlFile, required: true);
        draft.MsTeamsV2.Add((cfg, http is not null));
    }
}
