using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// <c>pushover_configs</c> with Alertmanager 0.25's defaults and errors (config/notifiers.go), and the later
/// releases' <c>user_key_file</c>, <c>token_file</c>, <c>device</c>, <c>ttl</c> and <c>monospace</c> with
/// their errors, which this project already accepted before it delivered Pushover.
/// </summary>
internal sealed partial class ConfigParser
{
    private void ParsePushover(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "pushover");
        if (m is null)
        {
            return;
        }
        var http = HttpClientConfigParser.Parse(m, "http_config");
        var d = new PushoverConfig();
        var cfg = new PushoverConfig
        {
            SendResolved = m.Bool("send_resolved") ?? true,
            HttpConfig = http ?? new HttpClientConfig(),
            UserKey = Empty(m.String("user_key", "config.plain")),
            UserKeyFile = Empty(m.String("user_key_file")),
            Token = Empty(m.String("token", "config.plain")),
            TokenFile = Empty(m.String("token_file")),
            Title = m.String("title") ?? d.Title,
            Message = m.String("message") ?? d.Message,
            Url = m.String("url") ?? d.Url,
            UrlTitle = m.String("url_title") ?? string.Empty,
            Device = m.String("device") ?? string.Empty,
            Sound = m.String("sound") ?? string.Empty,
            Priority = m.String("priority") ?? d.Priority,
            Retry = m.Duration("retry") ?? d.Retry,
            Expire = m.Duration("expire") ?? d.Expire,
            Ttl = m.Duration("ttl") ?? TimeSpan.Zero,
            Html = m.Bool("html") ?? false,
            Monospace = m.Bool("monospace") ?? false,
        };
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        void Fail(string detail) => throw _ctx.Error(m.Node, path, detail);
        if (cfg.UserKey is null && cfg.UserKeyFile is null)
        {
            Fail("missing user key in Pushover config");
        }
        if (cfg.UserKey is not null && cfg.UserKeyFile is not null)
        {
            Fail("at most one of user_key & user_key_file must be configured");
        }
        if (cfg.Token is null && cfg.TokenFile is null)
        {
            Fail("missing token in Pushover config");
        }
        if (cfg.Token is not null && cfg.TokenFile is not null)
        {
            Fail("at most one of token & token_file must be configured");
        }
        if (cfg.Html && cfg.Monospace)
        {
            Fail("at most one of monospace & html must be configured");
        }
        draft.Pushovers.Add((cfg, http is not null));
    }
}
