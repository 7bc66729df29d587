using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary><c>discord_configs</c> as Alertmanager 0.25 reads them: <c>webhook_url</c>, <c>title</c>, <c>message</c> (later releases' keys are unknown to it).</summary>
internal sealed partial class ConfigParser
{
    private void ParseDiscord(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "discord");
        if (m is null)
        {
            return;
        }
        var http = HttpClientConfigParser.Parse(m, "http_config");
        var d = new DiscordConfig();
        var url = SecretUrl(m, "webhook_url");
        var cfg = new DiscordConfig
        {
            SendResolved = m.Bool("send_resolved") ?? true,
            HttpConfig = http ?? new HttpClientConfig(),
            WebhookUrl = url ?? string.Empty,
            Title = m.String("title") ?? d.Title,
            Message = m.String("message") ?? d.Message,
        };
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        if (url is null)
        {
            throw _ctx.Error(m.Node, path, "no discord webhook URL provided");
        }
        draft.Discords.Add((cfg, http is not null));
    }
}
