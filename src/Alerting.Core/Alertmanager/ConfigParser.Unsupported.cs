using System.Globalization;
using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// Integrations Alertmanager supports but we do not deliver (SNS, ...): validated
/// with Alertmanager's rules so a file is accepted or rejected as upstream would, then listed as unsupported.
/// </summary>
internal sealed partial class ConfigParser
{
    /// <summary>
    /// Integrations we validate but do not deliver, with the keys Alertmanager knows for each (current
    /// releases; every one also accepts <c>send_resolved</c> and <c>http_config</c>).
    /// </summary>
    private static readonly Dictionary<string, string[]> UnsupportedKinds = new(StringComparer.Ordinal)
    {
        ["pushover_configs"] = ["user_key", "user_key_file", "token", "token_file", "title", "message", "url", "url_title", "device", "sound", "priority", "retry", "expire", "ttl", "html", "monospace"],
        ["victorops_configs"] = ["api_key", "api_key_file", "api_url", "routing_key", "message_type", "state_message", "entity_display_name", "monitoring_tool", "custom_fields"],
        ["wechat_configs"] = ["api_secret", "api_secret_file", "api_url", "corp_id", "message", "message_type", "agent_id", "to_user", "to_party", "to_tag"],
        ["sns_configs"] = ["api_url", "sigv4", "topic_arn", "phone_number", "target_arn", "subject", "message", "attributes"],
        ["webex_configs"] = ["api_url", "room_id", "message"],
        ["msteamsv2_configs"] = ["webhook_url", "webhook_url_file", "title", "text"],
        ["rocketchat_configs"] = ["api_url", "channel", "token", "token_file", "token_id", "token_id_file", "color", "emoji", "icon_url", "text", "title", "title_link", "fields", "short_fields", "image_url", "thumb_url", "link_names", "actions"],
        ["mattermost_configs"] = ["webhook_url", "webhook_url_file", "channel", "username", "text", "title", "title_link", "icon_url", "icon_emoji", "attachments", "props", "priority"],
        ["jira_configs"] = ["api_url", "api_type", "project", "issue_type", "summary", "description", "labels", "priority", "custom_fields", "reopen_transition", "resolve_transition", "wont_fix_resolution", "reopen_duration", "fields"],
        ["incidentio_configs"] = ["url", "url_file", "alert_source_token", "alert_source_token_file", "max_alerts", "timeout"],
    };

    private static readonly Dictionary<string, string> GoTypeNames = new(StringComparer.Ordinal)
    {
        ["pushover_configs"] = "PushoverConfig",
        ["victorops_configs"] = "VictorOpsConfig",
        ["wechat_configs"] = "WechatConfig",
        ["sns_configs"] = "SNSConfig",
        ["webex_configs"] = "WebexConfig",
        ["msteamsv2_configs"] = "MSTeamsV2Config",
        ["rocketchat_configs"] = "RocketchatConfig",
        ["mattermost_configs"] = "MattermostConfig",
        ["jira_configs"] = "JiraConfig",
        ["incidentio_configs"] = "IncidentioConfig",
    };

    /// <summary>Keys holding lists or maps; everything else in an unsupported integration is a scalar.</summary>
    private static readonly HashSet<string> StructuredKeys = new(StringComparer.Ordinal)
    {
        "sigv4", "attributes", "custom_fields", "fields", "attachments", "props", "labels",
    };

    /// <summary>Keys of Go's <c>Secret</c> type, whose type errors name <c>config.plain</c>.</summary>
    private static readonly HashSet<string> SecretKeys = new(StringComparer.Ordinal)
    {
        "api_key", "token", "user_key", "api_secret", "bot_token", "token_id", "alert_source_token",
    };

    private static readonly HashSet<string> BoolKeys = new(StringComparer.Ordinal)
    {
        "update_alerts", "html", "monospace", "short_fields", "link_names",
    };

    private static readonly HashSet<string> DurationKeys = new(StringComparer.Ordinal) { "retry", "expire", "ttl", "reopen_duration", "timeout" };

    private void ParseOther(string kind, string[] keys, YamlNode node, string path, ReceiverDraft draft)
    {
        var what = kind[..kind.IndexOf("_configs", StringComparison.Ordinal)];
        var m = OpenIntegration(node, path, what);
        if (m is null)
        {
            return;
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        m.Accept("send_resolved");
        var http = HttpClientConfigParser.Parse(m, "http_config");
        foreach (var key in keys)
        {
            if (key == "sigv4")
            {
                ParseSigV4(m);
                continue;
            }
            if (key == "attributes" || (key == "custom_fields" && kind == "victorops_configs"))
            {
                _ctx.StringMap(m.Get(key), m.KeyPath(key), "map[string]string");
                continue;
            }
            if (StructuredKeys.Contains(key) || (kind == "mattermost_configs" && key == "priority"))
            {
                m.Get(key);
                continue;
            }
            if (BoolKeys.Contains(key))
            {
                m.Bool(key);
                continue;
            }
            if (DurationKeys.Contains(key))
            {
                m.Duration(key);
                continue;
            }
            if (m.String(key, SecretKeys.Contains(key) ? "config.plain" : "string") is { } v)
            {
                values[key] = v;
                // sns' api_url is a plain string in Alertmanager; the others are URL types.
                if (key is "api_url" or "webhook_url" or "url" && kind != "sns_configs" && v.Length > 0 && !(key == "webhook_url" && v == ConfigSecrets.Token))
                {
                    CheckUrl(m, key, v);
                }
            }
        }
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        string? V(string k) => values.TryGetValue(k, out var x) && x.Length > 0 ? x : null;
        void Fail(string detail) => throw _ctx.Error(m.Node, path, detail);
        void AtMostOne(string a, string b)
        {
            if (V(a) is not null && V(b) is not null)
            {
                Fail($"at most one of {a} & {b} must be configured");
            }
        }
        switch (kind)
        {
            case "pushover_configs":
                if (V("user_key") is null && V("user_key_file") is null)
                {
                    Fail("missing user key in Pushover config");
                }
                AtMostOne("user_key", "user_key_file");
                if (V("token") is null && V("token_file") is null)
                {
                    Fail("missing token in Pushover config");
                }
                AtMostOne("token", "token_file");
                break;
            case "victorops_configs":
                if (V("routing_key") is null)
                {
                    Fail("missing Routing key in VictorOps config");
                }
                break;
            case "wechat_configs":
                if (V("message_type") is { } mt && mt is not ("text" or "markdown"))
                {
                    Fail($"weChat message type \"{mt}\" does not match valid options text,markdown");
                }
                break;
            case "sns_configs":
                {
                    bool a = V("target_arn") is null, b = V("topic_arn") is null, c = V("phone_number") is null;
                    if (((a != b) != c) || (a && b && c))
                    {
                        Fail("must provide either a Target ARN, Topic ARN, or Phone Number for SNS config");
                    }
                    break;
                }
            case "msteamsv2_configs":
                if (V("webhook_url") is null && V("webhook_url_file") is null)
                {
                    Fail("one of webhook_url or webhook_url_file must be configured");
                }
                AtMostOne("webhook_url", "webhook_url_file");
                break;
            case "webex_configs":
                if (V("room_id") is null)
                {
                    Fail("missing room_id on webex_config");
                }
                if (http?.Authorization is not ({ Credentials: not null } or { CredentialsFile: not null }))
                {
                    Fail("missing webex_configs.http_config.authorization");
                }
                break;
            case "rocketchat_configs":
                AtMostOne("token", "token_file");
                AtMostOne("token_id", "token_id_file");
                break;
            case "mattermost_configs":
                AtMostOne("webhook_url", "webhook_url_file");
                break;
            case "incidentio_configs":
                if (V("url") is null && V("url_file") is null)
                {
                    Fail("one of url or url_file must be configured");
                }
                AtMostOne("url", "url_file");
                break;
        }
        draft.Others.Add((kind, values, node, path));
    }

    private void ParseSigV4(YamlMap parent)
    {
        var m = YamlMap.Open(_ctx, parent.Get("sigv4"), parent.KeyPath("sigv4"), "sigv4.plain");
        if (m is null)
        {
            return;
        }
        var access = m.String("access_key");
        var secret = m.String("secret_key", "config.plain");
        m.String("region");
        m.String("profile");
        m.String("role_arn");
        m.Accept("use_fips_sts_endpoint", "external_id");
        m.Done();
        if (!m.HadTypeErrors && string.IsNullOrEmpty(access) != string.IsNullOrEmpty(secret))
        {
            throw _ctx.Error(m.Node, m.Path, "must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config");
        }
    }

    private void ValidateOtherAgainstGlobal(string kind, Dictionary<string, string> values, YamlNode node, string path, GlobalConfig g)
    {
        bool Has(string k) => values.TryGetValue(k, out var v) && v.Length > 0;
        bool HasGlobal(string k) => g.GetOther(k) is not null;
        void Require(bool ok, string detail)
        {
            if (!ok)
            {
                throw _ctx.Error(node, path, detail);
            }
        }
        switch (kind)
        {
            case "wechat_configs":
                Require(Has("api_secret") || Has("api_secret_file") || HasGlobal("wechat_api_secret") || HasGlobal("wechat_api_secret_file"), "no global Wechat ApiSecret set");
                Require(Has("corp_id") || HasGlobal("wechat_api_corp_id"), "no global Wechat CorpID set");
                break;
            case "victorops_configs":
                Require(Has("api_key") || Has("api_key_file") || HasGlobal("victorops_api_key") || HasGlobal("victorops_api_key_file"), "no global VictorOps API Key set");
                break;
            case "rocketchat_configs":
                Require(Has("token_id") || Has("token_id_file") || HasGlobal("rocketchat_token_id") || HasGlobal("rocketchat_token_id_file"),
                    "no global Rocketchat TokenID set either inline or in a file");
                Require(Has("token") || Has("token_file") || HasGlobal("rocketchat_token") || HasGlobal("rocketchat_token_file"),
                    "no global Rocketchat Token set either inline or in a file");
                break;
            case "mattermost_configs":
                Require(Has("webhook_url") || Has("webhook_url_file") || HasGlobal("mattermost_webhook_url") || HasGlobal("mattermost_webhook_url_file"),
                    "no global Mattermost Webhook URL set either inline or in a file");
                break;
            case "jira_configs":
                Require(Has("api_url") || HasGlobal("jira_api_url"), "no global Jira Cloud API URL set");
                break;
        }
    }
}
