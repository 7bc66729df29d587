using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary><c>msteams_configs</c> with upstream Alertmanager's defaults and errors (config/notifiers.go, 0.26+).</summary>
internal sealed partial class ConfigParser
{
    private void ParseMsTeams(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "msteams");
        if (m is null)
        {
            return;
        }
        var http = HttpClientConfigParser.Parse(m, "http_config");
        var d = new MsTeamsConfig();
        var cfg = new MsTeamsConfig
        {
            SendResolved = m.Bool("send_resolved") ?? true,
            HttpConfig = http ?? new HttpClientConfig(),
            WebhookUrl = SecretUrl(m, "webhook_url"),
            WebhookUrlFile = Empty(m.String("webhook_url_file")),
            Title = m.String("title") ?? d.Title,
            Summary = m.String("summary") ?? d.Summary,
            Text = m.String("text") ?? d.Text,
        };
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        InlineOrFile(m, path, "webhook_url", cfg.WebhookUrl, cfg.WebhookUrlFile, required: true);
        draft.MsTeams.Add((cfg, http is not null));
    }
}
