using Alerting.Core.Config;


namespace Alerting.Core.Alertmanager;

/// <summary>The <c>global</c> block.</summary>
internal sealed partial class ConfigParser
{
    // ---------------------------------------------------------------- global

    private (GlobalConfig, YamlMap?) ParseGlobal(YamlMap root)
    {
        var m = YamlMap.Open(_ctx, root.Get("global"), "global");
        if (m is null)
        {
            return (new GlobalConfig(), null);
        }
        var other = new Dictionary<string, string>(GlobalConfig.OtherDefaults, StringComparer.Ordinal);
        foreach (var key in GlobalConfig.OtherKeys)
        {
            var secret = key is "opsgenie_api_key" or "victorops_api_key" or "wechat_api_secret" or "telegram_bot_token" or "rocketchat_token" or "rocketchat_token_id";
            var v = m.String(key, secret ? "config.plain" : "string");
            if (v is null)
            {
                continue;
            }
            // A shown (masked) config loads back: the secret URL reads as the token.
            if (GlobalConfig.OtherUrlKeys.Contains(key) && !(key == "mattermost_webhook_url" && v == ConfigSecrets.Token))
            {
                CheckUrl(m, key, v);
            }
            other[key] = v;
        }
        var g = new GlobalConfig
        {
            ResolveTimeout = m.Duration("resolve_timeout") ?? TimeSpan.FromMinutes(5),
            HttpConfig = HttpClientConfigParser.Parse(m, "http_config") ?? new HttpClientConfig(),
            SmtpFrom = m.String("smtp_from"),
            SmtpHello = m.String("smtp_hello") ?? "localhost",
            SmtpSmarthost = HostPort(m, "smtp_smarthost"),
            SmtpAuthUsername = m.String("smtp_auth_username"),
            SmtpAuthPassword = m.String("smtp_auth_password", "config.plain"),
            SmtpAuthPasswordFile = m.String("smtp_auth_password_file"),
            SmtpAuthSecret = m.String("smtp_auth_secret", "config.plain"),
            SmtpAuthSecretFile = m.String("smtp_auth_secret_file"),
            SmtpAuthIdentity = m.String("smtp_auth_identity"),
            SmtpRequireTls = m.Bool("smtp_require_tls") ?? true,
            SmtpTlsConfig = HttpClientConfigParser.ParseTls(m, "smtp_tls_config"),
            SlackApiUrl = SecretUrl(m, "slack_api_url"),
            SlackApiUrlFile = m.String("slack_api_url_file"),
            SlackAppToken = m.String("slack_app_token"),
            SlackAppTokenFile = m.String("slack_app_token_file"),
            SlackAppUrl = Url(m, "slack_app_url") ?? SlackConfig.ChatPostMessageUrl,
            PagerDutyUrl = Url(m, "pagerduty_url") ?? "https://events.pagerduty.com/v2/enqueue",
            Other = other,
        };
        m.Done();
        return (g, m);
    }
}
