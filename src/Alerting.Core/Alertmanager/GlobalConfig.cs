using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// The <c>global:</c> block with Alertmanager's defaults. Values for integrations we do not deliver
/// (OpsGenie, WeChat, ...) are kept in <see cref="Other"/> so receivers can inherit them for validation.
/// </summary>
public sealed record GlobalConfig
{
    public TimeSpan ResolveTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public HttpClientConfig HttpConfig { get; init; } = new();

    public string? SmtpFrom { get; init; }

    public string SmtpHello { get; init; } = "localhost";

    public string? SmtpSmarthost { get; init; }

    public string? SmtpAuthUsername { get; init; }

    public string? SmtpAuthPassword { get; init; }

    public string? SmtpAuthPasswordFile { get; init; }

    public string? SmtpAuthSecret { get; init; }

    public string? SmtpAuthSecretFile { get; init; }

    public string? SmtpAuthIdentity { get; init; }

    public bool SmtpRequireTls { get; init; } = true;

    public TlsConfig? SmtpTlsConfig { get; init; }

    public string? SlackApiUrl { get; init; }

    public string? SlackApiUrlFile { get; init; }

    public string? SlackAppToken { get; init; }

    public string? SlackAppTokenFile { get; init; }

    public string SlackAppUrl { get; init; } = SlackConfig.ChatPostMessageUrl;

    public string PagerDutyUrl { get; init; } = "https://events.pagerduty.com/v2/enqueue";

    /// <summary>Other <c>global</c> keys (opsgenie_api_key, wechat_api_url, ...) with Alertmanager's defaults applied.</summary>
    public IReadOnlyDictionary<string, string> Other { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    internal static readonly IReadOnlyDictionary<string, string> OtherDefaults = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["opsgenie_api_url"] = "https://api.opsgenie.com/",
        ["wechat_api_url"] = "https://qyapi.weixin.qq.com/cgi-bin/",
        ["victorops_api_url"] = "https://alert.victorops.com/integrations/generic/20131114/alert/",
        ["telegram_api_url"] = "https://api.telegram.org",
        ["webex_api_url"] = "https://webexapis.com/v1/messages",
        ["rocketchat_api_url"] = "https://open.rocket.chat/",
    };

    /// <summary>Keys of <c>global</c> that only matter to integrations we accept but do not deliver.</summary>
    internal static readonly string[] OtherKeys =
    [
        "opsgenie_api_url", "opsgenie_api_key", "opsgenie_api_key_file",
        "wechat_api_url", "wechat_api_secret", "wechat_api_secret_file", "wechat_api_corp_id",
        "victorops_api_url", "victorops_api_key", "victorops_api_key_file",
        "telegram_api_url", "telegram_bot_token", "telegram_bot_token_file",
        "webex_api_url",
        "rocketchat_api_url", "rocketchat_token", "rocketchat_token_file", "rocketchat_token_id", "rocketchat_token_id_file",
        "mattermost_webhook_url", "mattermost_webhook_url_file",
        "jira_api_url",
    ];

    /// <summary>Keys whose value must be an http(s) URL.</summary>
    internal static readonly HashSet<string> OtherUrlKeys = new(StringComparer.Ordinal)
    {
        "opsgenie_api_url", "wechat_api_url", "victorops_api_url", "telegram_api_url", "webex_api_url",
        "rocketchat_api_url", "mattermost_webhook_url", "jira_api_url",
    };

    public string? GetOther(string key) => Other.TryGetValue(key, out var v) && v.Length > 0 ? v : null;
}
