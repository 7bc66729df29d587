using System.Globalization;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace Alerting.Core.Alertmanager;

/// <summary>What a receiver looked like before global defaults were applied (for inheritance and errors).</summary>
internal sealed class ReceiverDraft(YamlNode node, string path)
{
    public YamlNode Node { get; } = node;

    public string Path { get; } = path;

    public List<(EmailConfig Config, bool RequireTlsSet, YamlNode Node, string Path)> Emails { get; } = [];

    public List<(SlackConfig Config, bool HasOwnAuthorization, bool HasOwnHttp, YamlNode Node, string Path)> Slacks { get; } = [];

    public List<(PagerDutyConfig Config, bool UrlSet, bool HasOwnHttp)> PagerDuties { get; } = [];

    public List<(WebhookConfig Config, bool HasOwnHttp)> Webhooks { get; } = [];

    public List<(string Kind, Dictionary<string, string> Values, YamlNode Node, string Path)> Others { get; } = [];
}

internal sealed partial class ConfigParser
{
    /// <summary>
    /// Integrations we validate but do not deliver, with the keys Alertmanager knows for each (current
    /// releases; every one also accepts <c>send_resolved</c> and <c>http_config</c>).
    /// </summary>
    private static readonly Dictionary<string, string[]> UnsupportedKinds = new(StringComparer.Ordinal)
    {
        ["opsgenie_configs"] = ["api_key", "api_key_file", "api_url", "message", "description", "source", "details", "entity", "responders", "actions", "tags", "note", "priority", "update_alerts"],
        ["pushover_configs"] = ["user_key", "user_key_file", "token", "token_file", "title", "message", "url", "url_title", "device", "sound", "priority", "retry", "expire", "ttl", "html", "monospace"],
        ["victorops_configs"] = ["api_key", "api_key_file", "api_url", "routing_key", "message_type", "state_message", "entity_display_name", "monitoring_tool", "custom_fields"],
        ["wechat_configs"] = ["api_secret", "api_secret_file", "api_url", "corp_id", "message", "message_type", "agent_id", "to_user", "to_party", "to_tag"],
        ["sns_configs"] = ["api_url", "sigv4", "topic_arn", "phone_number", "target_arn", "subject", "message", "attributes"],
        ["telegram_configs"] = ["api_url", "bot_token", "bot_token_file", "chat_id", "chat_id_file", "message_thread_id", "message", "disable_notifications", "parse_mode"],
        ["discord_configs"] = ["webhook_url", "webhook_url_file", "title", "message", "content", "username", "avatar_url"],
        ["webex_configs"] = ["api_url", "room_id", "message"],
        ["msteams_configs"] = ["webhook_url", "webhook_url_file", "title", "summary", "text"],
        ["msteamsv2_configs"] = ["webhook_url", "webhook_url_file", "title", "text"],
        ["rocketchat_configs"] = ["api_url", "channel", "token", "token_file", "token_id", "token_id_file", "color", "emoji", "icon_url", "text", "title", "title_link", "fields", "short_fields", "image_url", "thumb_url", "link_names", "actions"],
        ["mattermost_configs"] = ["webhook_url", "webhook_url_file", "channel", "username", "text", "title", "title_link", "icon_url", "icon_emoji", "attachments", "props", "priority"],
        ["jira_configs"] = ["api_url", "api_type", "project", "issue_type", "summary", "description", "labels", "priority", "custom_fields", "reopen_transition", "resolve_transition", "wont_fix_resolution", "reopen_duration", "fields"],
        ["incidentio_configs"] = ["url", "url_file", "alert_source_token", "alert_source_token_file", "max_alerts", "timeout"],
    };

    private static readonly Dictionary<string, string> GoTypeNames = new(StringComparer.Ordinal)
    {
        ["opsgenie_configs"] = "OpsGenieConfig", ["pushover_configs"] = "PushoverConfig", ["victorops_configs"] = "VictorOpsConfig",
        ["wechat_configs"] = "WechatConfig", ["sns_configs"] = "SNSConfig", ["telegram_configs"] = "TelegramConfig",
        ["discord_configs"] = "DiscordConfig", ["webex_configs"] = "WebexConfig", ["msteams_configs"] = "MSTeamsConfig",
        ["msteamsv2_configs"] = "MSTeamsV2Config", ["rocketchat_configs"] = "RocketchatConfig", ["mattermost_configs"] = "MattermostConfig",
        ["jira_configs"] = "JiraConfig", ["incidentio_configs"] = "IncidentioConfig",
    };

    /// <summary>Keys holding lists or maps; everything else in an unsupported integration is a scalar.</summary>
    private static readonly HashSet<string> StructuredKeys = new(StringComparer.Ordinal)
    {
        "details", "responders", "sigv4", "attributes", "custom_fields", "fields", "attachments", "props", "labels",
    };

    /// <summary>Keys of Go's <c>Secret</c> type, whose type errors name <c>config.plain</c>.</summary>
    private static readonly HashSet<string> SecretKeys = new(StringComparer.Ordinal)
    {
        "api_key", "token", "user_key", "api_secret", "bot_token", "token_id", "alert_source_token",
    };

    private static readonly HashSet<string> BoolKeys = new(StringComparer.Ordinal)
    {
        "update_alerts", "disable_notifications", "html", "monospace", "short_fields", "link_names",
    };

    private static readonly HashSet<string> DurationKeys = new(StringComparer.Ordinal) { "retry", "expire", "ttl", "reopen_duration", "timeout" };

    private (Receiver, ReceiverDraft) ParseReceiver(YamlNode node, string path)
    {
        var draft = new ReceiverDraft(node, path);
        var m = YamlMap.Open(_ctx, node, path);
        if (m is null)
        {
            if (YamlScalars.IsNull(node))
            {
                throw _ctx.Error(node, path + ".name", "missing name in receiver");
            }
            return (new Receiver(string.Empty), draft);
        }
        var name = m.String("name") ?? string.Empty;
        var emails = m.Items("email_configs", "[]*config.EmailConfig").ToList();
        var slacks = m.Items("slack_configs", "[]*config.SlackConfig").ToList();
        var pds = m.Items("pagerduty_configs", "[]*config.PagerdutyConfig").ToList();
        var hooks = m.Items("webhook_configs", "[]*config.WebhookConfig").ToList();
        foreach (var (n, p) in emails)
        {
            ParseEmail(n, p, draft);
        }
        foreach (var (n, p) in slacks)
        {
            ParseSlack(n, p, draft);
        }
        foreach (var (n, p) in pds)
        {
            ParsePagerDuty(n, p, draft);
        }
        foreach (var (n, p) in hooks)
        {
            ParseWebhook(n, p, draft);
        }
        var unsupported = new List<string>();
        var located = new List<UnsupportedIntegration>();
        foreach (var (kind, keys) in UnsupportedKinds)
        {
            var items = m.Items(kind, "[]*config." + GoTypeNames[kind]).ToList();
            foreach (var (n, p) in items)
            {
                ParseOther(kind, keys, n, p, draft);
            }
            if (items.Count > 0)
            {
                unsupported.Add(kind);
                located.Add(new UnsupportedIntegration(name, kind, _ctx.File, (int)(m.KeyNode(kind) ?? m.Node).Start.Line, m.KeyPath(kind)));
            }
        }
        m.Done();
        if (!m.HadTypeErrors && name.Length == 0)
        {
            throw _ctx.Error(m.Node, path + ".name", "missing name in receiver");
        }
        return (new Receiver(name) { Unsupported = unsupported, UnsupportedIntegrations = located }, draft);
    }

    private YamlMap OpenIntegration(YamlNode node, string path, string what)
    {
        if (YamlScalars.IsNull(node))
        {
            // Alertmanager 0.25 crashes on an empty list item; current releases reject it with this text.
            throw _ctx.Error(node, path, $"missing {what} config");
        }
        return YamlMap.Open(_ctx, node, path)!;
    }

    private void ParseEmail(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "email");
        if (m is null)
        {
            return;
        }
        var requireTls = m.Bool("require_tls");
        var headers = m.StringMap("headers");
        var cfg = new EmailConfig
        {
            SendResolved = m.Bool("send_resolved") ?? false,
            To = m.String("to") ?? string.Empty,
            From = m.String("from") ?? string.Empty,
            Hello = m.String("hello") ?? string.Empty,
            Smarthost = HostPort(m, "smarthost") ?? string.Empty,
            AuthUsername = m.String("auth_username"),
            AuthPassword = m.String("auth_password", "config.plain"),
            AuthPasswordFile = m.String("auth_password_file"),
            AuthSecret = m.String("auth_secret", "config.plain"),
            AuthSecretFile = m.String("auth_secret_file"),
            AuthIdentity = m.String("auth_identity"),
            Html = m.String("html") ?? "{{ template \"email.default.html\" . }}",
            Text = m.String("text") ?? string.Empty,
            RequireTls = requireTls ?? true,
            TlsConfig = ParseTls(m, "tls_config"),
        };
        m.Accept("force_implicit_tls", "threading");
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        if (cfg.To.Length == 0)
        {
            throw _ctx.Error(m.Node, m.KeyPath("to"), "missing to address in email config");
        }
        var normalized = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value, keyNode) in headers ?? [])
        {
            var title = GoTitle(name);
            if (!normalized.TryAdd(title, value))
            {
                throw _ctx.Error(keyNode, m.KeyPath("headers") + "." + name, $"duplicate header \"{title}\" in email config");
            }
        }
        normalized.TryAdd("Subject", EmailConfig.DefaultSubject);
        if (!string.IsNullOrEmpty(cfg.AuthPassword) && !string.IsNullOrEmpty(cfg.AuthPasswordFile))
        {
            throw _ctx.Error(m.Node, m.KeyPath("auth_password_file"), "at most one of auth_password & auth_password_file must be configured");
        }
        draft.Emails.Add((cfg with { Headers = normalized }, requireTls is not null, node, path));
    }

    /// <summary>Go's <c>strings.Title</c>: upper-case every letter that follows a non-letter.</summary>
    private static string GoTitle(string s)
    {
        var sb = new StringBuilder(s.Length);
        var prev = ' ';
        foreach (var c in s)
        {
            var boundary = !(char.IsLetterOrDigit(prev) || prev == '_' || prev == '\'');
            sb.Append(boundary ? char.ToUpperInvariant(c) : c);
            prev = c;
        }
        return sb.ToString();
    }

    private void ParseSlack(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "slack");
        if (m is null)
        {
            return;
        }
        var http = ParseHttpConfig(m, "http_config");
        var fields = new List<SlackField>();
        foreach (var (fn, fp) in m.Items("fields", "[]*config.SlackField"))
        {
            var f = YamlMap.Open(_ctx, fn, fp);
            if (f is null)
            {
                continue;
            }
            var field = new SlackField(f.String("title") ?? string.Empty, f.String("value") ?? string.Empty, f.Bool("short"));
            f.Done();
            if (!f.HadTypeErrors && field.Title.Length == 0)
            {
                throw _ctx.Error(fn, fp + ".title", "missing title in Slack field configuration");
            }
            if (!f.HadTypeErrors && field.Value.Length == 0)
            {
                throw _ctx.Error(fn, fp + ".value", "missing value in Slack field configuration");
            }
            fields.Add(field);
        }
        var actions = new List<SlackAction>();
        foreach (var (an, ap) in m.Items("actions", "[]*config.SlackAction"))
        {
            if (ParseSlackAction(an, ap) is { } a)
            {
                actions.Add(a);
            }
        }
        var d = new SlackConfig();
        var cfg = new SlackConfig
        {
            SendResolved = m.Bool("send_resolved") ?? false,
            HttpConfig = http ?? new HttpClientConfig(),
            ApiUrl = Url(m, "api_url"),
            ApiUrlFile = m.String("api_url_file"),
            AppToken = m.String("app_token", "config.plain"),
            AppTokenFile = m.String("app_token_file"),
            AppUrl = Url(m, "app_url"),
            Channel = m.String("channel"),
            Username = m.String("username") ?? d.Username,
            Color = m.String("color") ?? d.Color,
            Title = m.String("title") ?? d.Title,
            TitleLink = m.String("title_link") ?? d.TitleLink,
            Pretext = m.String("pretext") ?? d.Pretext,
            Text = m.String("text") ?? d.Text,
            Fields = fields,
            ShortFields = m.Bool("short_fields") ?? false,
            Footer = m.String("footer") ?? d.Footer,
            Fallback = m.String("fallback") ?? d.Fallback,
            CallbackId = m.String("callback_id") ?? d.CallbackId,
            IconEmoji = m.String("icon_emoji") ?? d.IconEmoji,
            IconUrl = m.String("icon_url") ?? d.IconUrl,
            ImageUrl = m.String("image_url"),
            ThumbUrl = m.String("thumb_url"),
            LinkNames = m.Bool("link_names") ?? false,
            MrkdwnIn = m.StringList("mrkdwn_in") is { Count: > 0 } mk ? mk : d.MrkdwnIn,
            Actions = actions,
            UpdateMessage = m.Bool("update_message") ?? false,
        };
        m.Accept("timeout", "message_text");
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        if (cfg.ApiUrl is not null && !string.IsNullOrEmpty(cfg.ApiUrlFile))
        {
            throw _ctx.Error(m.Node, path, "at most one of api_url & api_url_file must be configured");
        }
        if (!string.IsNullOrEmpty(cfg.AppToken) && !string.IsNullOrEmpty(cfg.AppTokenFile))
        {
            throw _ctx.Error(m.Node, path, "at most one of app_token & app_token_file must be configured");
        }
        draft.Slacks.Add((cfg, http?.AuthorizationCredentials is not null || http?.AuthorizationCredentialsFile is not null, http is not null, node, path));
    }

    private SlackAction? ParseSlackAction(YamlNode node, string path)
    {
        var a = YamlMap.Open(_ctx, node, path);
        if (a is null)
        {
            return null;
        }
        SlackConfirm? confirm = null;
        var c = YamlMap.Open(_ctx, a.Get("confirm"), a.KeyPath("confirm"));
        if (c is not null)
        {
            confirm = new SlackConfirm(c.String("text") ?? string.Empty, c.String("title"), c.String("ok_text"), c.String("dismiss_text"));
            c.Done();
            if (!c.HadTypeErrors && confirm.Text.Length == 0)
            {
                throw _ctx.Error(c.Node, c.Path, "missing text in Slack confirmation configuration");
            }
        }
        var action = new SlackAction(a.String("type") ?? string.Empty, a.String("text") ?? string.Empty, a.String("url"), a.String("style"), a.String("name"), a.String("value"), confirm);
        a.Done();
        if (a.HadTypeErrors)
        {
            return action;
        }
        if (action.Type.Length == 0)
        {
            throw _ctx.Error(node, path + ".type", "missing type in Slack action configuration");
        }
        if (action.Text.Length == 0)
        {
            throw _ctx.Error(node, path + ".text", "missing text in Slack action configuration");
        }
        if (!string.IsNullOrEmpty(action.Url))
        {
            return action with { Name = null, Value = null, Confirm = null };
        }
        if (string.IsNullOrEmpty(action.Name))
        {
            throw _ctx.Error(node, path, "missing name or url in Slack action configuration");
        }
        return action;
    }

    private void ParsePagerDuty(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "pagerduty");
        if (m is null)
        {
            return;
        }
        var http = ParseHttpConfig(m, "http_config");
        var url = Url(m, "url");
        // Alertmanager 0.25 types details as map[string]string (newer releases also allow nested values).
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v, _) in m.StringMap("details") ?? [])
        {
            details[k] = v;
        }
        foreach (var (k, v) in PagerDutyConfig.DefaultDetails)
        {
            details.TryAdd(k, v);
        }
        var links = new List<PagerDutyLink>();
        foreach (var (ln, lp) in m.Items("links", "[]config.PagerdutyLink"))
        {
            var l = YamlMap.Open(_ctx, ln, lp, "config.PagerdutyLink");
            if (l is not null)
            {
                links.Add(new PagerDutyLink(l.String("href") ?? string.Empty, l.String("text") ?? string.Empty));
                l.Done();
            }
        }
        var images = new List<PagerDutyImage>();
        foreach (var (inode, ip) in m.Items("images", "[]config.PagerdutyImage"))
        {
            var i = YamlMap.Open(_ctx, inode, ip, "config.PagerdutyImage");
            if (i is not null)
            {
                images.Add(new PagerDutyImage(i.String("src") ?? string.Empty, i.String("alt") ?? string.Empty, i.String("href") ?? string.Empty));
                i.Done();
            }
        }
        var d = new PagerDutyConfig();
        var cfg = new PagerDutyConfig
        {
            SendResolved = m.Bool("send_resolved") ?? true,
            HttpConfig = http ?? new HttpClientConfig(),
            ServiceKey = Empty(m.String("service_key", "config.plain")),
            ServiceKeyFile = Empty(m.String("service_key_file")),
            RoutingKey = Empty(m.String("routing_key", "config.plain")),
            RoutingKeyFile = Empty(m.String("routing_key_file")),
            Url = url ?? d.Url,
            Client = m.String("client") ?? d.Client,
            ClientUrl = m.String("client_url") ?? d.ClientUrl,
            Description = m.String("description") ?? d.Description,
            Details = details,
            Links = links,
            Images = images,
            Source = m.String("source"),
            Severity = m.String("severity") ?? d.Severity,
            Class = m.String("class"),
            Component = m.String("component"),
            Group = m.String("group"),
        };
        m.Accept("timeout");
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        if (cfg.RoutingKey is null && cfg.ServiceKey is null && cfg.RoutingKeyFile is null && cfg.ServiceKeyFile is null)
        {
            throw _ctx.Error(m.Node, path, "missing service or routing key in PagerDuty config");
        }
        if (cfg.RoutingKey is not null && cfg.RoutingKeyFile is not null)
        {
            throw _ctx.Error(m.Node, path, "at most one of routing_key & routing_key_file must be configured");
        }
        if (cfg.ServiceKey is not null && cfg.ServiceKeyFile is not null)
        {
            throw _ctx.Error(m.Node, path, "at most one of service_key & service_key_file must be configured");
        }
        draft.PagerDuties.Add((cfg with { Source = cfg.Source ?? cfg.Client }, url is not null, http is not null));
    }

    private void ParseWebhook(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "webhook");
        if (m is null)
        {
            return;
        }
        var http = ParseHttpConfig(m, "http_config");
        var cfg = new WebhookConfig
        {
            SendResolved = m.Bool("send_resolved") ?? true,
            HttpConfig = http ?? new HttpClientConfig(),
            Url = Url(m, "url"),
            UrlFile = Empty(m.String("url_file")),
            MaxAlerts = m.Int("max_alerts", "uint64") ?? 0,
            Timeout = m.Duration("timeout"),
        };
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        if (cfg.Url is null && cfg.UrlFile is null)
        {
            throw _ctx.Error(m.Node, path + ".url", "missing URL in webhook config");
        }
        if (cfg.Url is not null && cfg.UrlFile is not null)
        {
            throw _ctx.Error(m.Node, path, "at most one of url & url_file must be configured");
        }
        draft.Webhooks.Add((cfg, http is not null));
    }

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
        var http = ParseHttpConfig(m, "http_config");
        foreach (var key in keys)
        {
            if (key == "sigv4")
            {
                ParseSigV4(m);
                continue;
            }
            if (key == "attributes" || (key == "details" && kind == "opsgenie_configs") || (key == "custom_fields" && kind == "victorops_configs"))
            {
                YamlMap.ReadStringMap(_ctx, m.Get(key), m.KeyPath(key), "map[string]string");
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
            if (key is "chat_id" or "message_thread_id")
            {
                if (m.Int(key, key == "chat_id" ? "int64" : "int") is { } n)
                {
                    values[key] = n.ToString(CultureInfo.InvariantCulture);
                }
                continue;
            }
            if (m.String(key, SecretKeys.Contains(key) ? "config.plain" : "string") is { } v)
            {
                values[key] = v;
                // sns' api_url is a plain string in Alertmanager; the others are URL types.
                if (key is "api_url" or "webhook_url" or "url" && kind != "sns_configs" && v.Length > 0)
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
            case "opsgenie_configs":
                AtMostOne("api_key", "api_key_file");
                break;
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
            case "telegram_configs":
                AtMostOne("bot_token", "bot_token_file");
                if (V("chat_id") is null or "0" && V("chat_id_file") is null)
                {
                    Fail("missing chat_id on telegram_config");
                }
                if (V("parse_mode") is { } pm && pm is not ("Markdown" or "MarkdownV2" or "HTML"))
                {
                    Fail("unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string");
                }
                break;
            case "discord_configs" or "msteams_configs" or "msteamsv2_configs":
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
                if (http?.AuthorizationCredentials is null && http?.AuthorizationCredentialsFile is null)
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

    /// <summary>Fills what each integration left unset from <c>global</c>, failing like Alertmanager when neither has it.</summary>
    private Receiver ApplyGlobals(Receiver receiver, ReceiverDraft draft, GlobalConfig g)
    {
        var emails = new List<EmailConfig>();
        foreach (var (cfg, requireTlsSet, node, path) in draft.Emails)
        {
            var smarthost = cfg.Smarthost;
            if (smarthost.Length == 0)
            {
                smarthost = g.SmtpSmarthost ?? throw _ctx.Error(node, path + ".smarthost", "no global SMTP smarthost set");
            }
            var from = cfg.From;
            if (from.Length == 0)
            {
                from = string.IsNullOrEmpty(g.SmtpFrom) ? throw _ctx.Error(node, path + ".from", "no global SMTP from set") : g.SmtpFrom;
            }
            var ownPassword = !string.IsNullOrEmpty(cfg.AuthPassword) || !string.IsNullOrEmpty(cfg.AuthPasswordFile);
            emails.Add(cfg with
            {
                Smarthost = smarthost,
                From = from,
                Hello = cfg.Hello.Length > 0 ? cfg.Hello : g.SmtpHello,
                AuthUsername = Empty(cfg.AuthUsername) ?? Empty(g.SmtpAuthUsername),
                AuthPassword = ownPassword ? Empty(cfg.AuthPassword) : Empty(g.SmtpAuthPassword),
                AuthPasswordFile = ownPassword ? Empty(cfg.AuthPasswordFile) : Empty(g.SmtpAuthPasswordFile),
                AuthSecret = Empty(cfg.AuthSecret) ?? (Empty(cfg.AuthSecretFile) is null ? Empty(g.SmtpAuthSecret) : null),
                AuthSecretFile = Empty(cfg.AuthSecretFile) ?? (Empty(cfg.AuthSecret) is null ? Empty(g.SmtpAuthSecretFile) : null),
                AuthIdentity = Empty(cfg.AuthIdentity) ?? Empty(g.SmtpAuthIdentity),
                RequireTls = requireTlsSet ? cfg.RequireTls : g.SmtpRequireTls,
                TlsConfig = cfg.TlsConfig ?? g.SmtpTlsConfig,
            });
        }

        var slacks = new List<SlackConfig>();
        foreach (var (cfg, ownAuth, ownHttp, node, path) in draft.Slacks)
        {
            var c = ownHttp ? cfg : cfg with { HttpConfig = g.HttpConfig };
            if (c.ApiUrl is null && string.IsNullOrEmpty(c.ApiUrlFile))
            {
                if (!string.IsNullOrEmpty(c.AppToken) || !string.IsNullOrEmpty(c.AppTokenFile))
                {
                    c = c with { ApiUrl = c.AppUrl ?? g.SlackAppUrl };
                }
                else if (!ownAuth && (!string.IsNullOrEmpty(g.SlackAppToken) || !string.IsNullOrEmpty(g.SlackAppTokenFile)))
                {
                    c = c with { AppToken = Empty(g.SlackAppToken), AppTokenFile = Empty(g.SlackAppTokenFile), ApiUrl = c.AppUrl ?? g.SlackAppUrl };
                }
                else if (g.SlackApiUrl is not null || !string.IsNullOrEmpty(g.SlackApiUrlFile))
                {
                    c = c with { ApiUrl = g.SlackApiUrl, ApiUrlFile = Empty(g.SlackApiUrlFile) };
                }
                else
                {
                    throw _ctx.Error(node, path + ".api_url", "no global Slack API URL set either inline or in a file");
                }
            }
            if (c.UpdateMessage && c.AppToken is null && c.AppTokenFile is null && c.ApiUrl != SlackConfig.ChatPostMessageUrl)
            {
                throw _ctx.Error(node, path + ".update_message", $"update_message can only be used with bot tokens. api_url must be set to {SlackConfig.ChatPostMessageUrl}");
            }
            slacks.Add(c);
        }

        var pds = draft.PagerDuties.Select(p => p.Config with
        {
            Url = p.UrlSet ? p.Config.Url : g.PagerDutyUrl,
            HttpConfig = p.HasOwnHttp ? p.Config.HttpConfig : g.HttpConfig,
        }).ToList();
        var hooks = draft.Webhooks.Select(w => w.HasOwnHttp ? w.Config : w.Config with { HttpConfig = g.HttpConfig }).ToList();

        foreach (var (kind, values, node, path) in draft.Others)
        {
            ValidateOtherAgainstGlobal(kind, values, node, path, g);
        }

        return receiver with { EmailConfigs = emails, SlackConfigs = slacks, PagerDutyConfigs = pds, WebhookConfigs = hooks };
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
            case "opsgenie_configs":
                Require(Has("api_key") || Has("api_key_file") || HasGlobal("opsgenie_api_key") || HasGlobal("opsgenie_api_key_file"),
                    "no global OpsGenie API Key set either inline or in a file");
                break;
            case "wechat_configs":
                Require(Has("api_secret") || Has("api_secret_file") || HasGlobal("wechat_api_secret") || HasGlobal("wechat_api_secret_file"), "no global Wechat ApiSecret set");
                Require(Has("corp_id") || HasGlobal("wechat_api_corp_id"), "no global Wechat CorpID set");
                break;
            case "victorops_configs":
                Require(Has("api_key") || Has("api_key_file") || HasGlobal("victorops_api_key") || HasGlobal("victorops_api_key_file"), "no global VictorOps API Key set");
                break;
            case "telegram_configs":
                Require(Has("bot_token") || Has("bot_token_file") || HasGlobal("telegram_bot_token") || HasGlobal("telegram_bot_token_file"),
                    "missing bot_token or bot_token_file on telegram_config");
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

    // ---------------------------------------------------------------- time intervals

    private static readonly string[] WeekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

    private static readonly string[] MonthNames = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

    private TimeInterval? ParseTimeInterval(YamlNode node, string path, bool mute)
    {
        var m = YamlMap.Open(_ctx, node, path);
        if (m is null)
        {
            return null;
        }
        var name = m.String("name") ?? string.Empty;
        var specs = new List<TimeIntervalSpec>();
        foreach (var (n, p) in m.Items("time_intervals", "[]timeinterval.TimeInterval"))
        {
            var s = YamlMap.Open(_ctx, n, p, "timeinterval.TimeInterval");
            if (s is not null)
            {
                specs.Add(ParseTimeIntervalSpec(s));
            }
            else if (YamlScalars.IsNull(n))
            {
                specs.Add(new TimeIntervalSpec());
            }
        }
        m.Done();
        if (!m.HadTypeErrors && name.Length == 0)
        {
            throw _ctx.Error(node, path + ".name", mute ? "missing name in mute time interval" : "missing name in time interval");
        }
        return new TimeInterval(name, specs);
    }

    private TimeIntervalSpec ParseTimeIntervalSpec(YamlMap s)
    {
        List<TimeRange>? times = null;
        if (s.Has("times"))
        {
            times = [];
            foreach (var (n, p) in s.Items("times", "[]timeinterval.TimeRange"))
            {
                var t = YamlMap.Open(_ctx, n, p, "timeinterval.plain");
                if (t is null)
                {
                    continue;
                }
                var start = t.String("start_time");
                var end = t.String("end_time");
                t.Done();
                if (t.HadTypeErrors)
                {
                    continue;
                }
                if (string.IsNullOrEmpty(start) || string.IsNullOrEmpty(end))
                {
                    throw _ctx.Error(n, p, "both start and end times must be provided");
                }
                var sm = ParseClock(start, n, p);
                var em = ParseClock(end, n, p);
                if (sm >= em)
                {
                    throw _ctx.Error(n, p, "start time cannot be equal or greater than end time");
                }
                times.Add(new TimeRange(sm, em));
            }
        }
        else
        {
            s.Get("times");
        }

        var weekdays = Ranges(s, "weekdays", (text, at, path) =>
        {
            var i = Array.IndexOf(WeekdayNames, text.ToLowerInvariant());
            return i >= 0 ? i : throw _ctx.Error(at, path, $"{text} is not a valid weekday");
        }, (b, e, bt, et) => "start day cannot be before end day");
        var days = Ranges(s, "days_of_month", (text, at, path) => Atoi(text, at, path), null);
        if (days is not null)
        {
            foreach (var r in days)
            {
                ValidateDayRange(r, s.At("days_of_month"), s.KeyPath("days_of_month"));
            }
        }
        var months = Ranges(s, "months", (text, at, path) =>
        {
            var i = Array.IndexOf(MonthNames, text.ToLowerInvariant());
            if (i >= 0)
            {
                return i + 1;
            }
            return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw _ctx.Error(at, path, $"{text} is not a valid month");
        }, (b, e, bt, et) => $"end month {et} is before start month {bt}");
        var years = Ranges(s, "years", (text, at, path) => Atoi(text, at, path), (b, e, bt, et) => $"end year {e} is before start year {b}");

        TimeZoneInfo? location = null;
        if (s.String("location") is { Length: > 0 } loc)
        {
            location = loc switch
            {
                "UTC" => TimeZoneInfo.Utc,
                "Local" => TimeZoneInfo.Local,
                _ => FindZone(loc) ?? throw _ctx.Error(s.At("location"), s.KeyPath("location"), $"unknown time zone {loc}"),
            };
        }
        s.Done();
        return new TimeIntervalSpec { Times = times, Weekdays = weekdays, DaysOfMonth = days, Months = months, Years = years, Location = location };
    }

    private static TimeZoneInfo? FindZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    private int ParseClock(string text, YamlNode at, string path)
    {
        if (text == "24:00")
        {
            return 24 * 60;
        }
        if (text.Length == 5 && text[2] == ':' && char.IsAsciiDigit(text[0]) && char.IsAsciiDigit(text[1]) && char.IsAsciiDigit(text[3]) && char.IsAsciiDigit(text[4]))
        {
            var h = (text[0] - '0') * 10 + (text[1] - '0');
            var mi = (text[3] - '0') * 10 + (text[4] - '0');
            if (h <= 23 && mi <= 59)
            {
                return h * 60 + mi;
            }
        }
        throw _ctx.Error(at, path, $"couldn't parse timestamp {text}, invalid format");
    }

    private int Atoi(string text, YamlNode at, string path) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw _ctx.Error(at, path, $"strconv.Atoi: parsing \"{text}\": invalid syntax");

    private void ValidateDayRange(IntRange r, YamlNode at, string path)
    {
        foreach (var v in new[] { r.Begin, r.End })
        {
            if (v == 0 || v < -31 || v > 31)
            {
                throw _ctx.Error(at, path, $"{v} is not a valid day of the month: out of range");
            }
        }
        if (r.Begin < 0 && r.End > 0)
        {
            throw _ctx.Error(at, path, "end day must be negative if start day is negative");
        }
        var trueBegin = r.Begin < 0 ? 30 + r.Begin : r.Begin;
        var trueEnd = r.End < 0 ? 30 + r.End : r.End;
        if (trueBegin > trueEnd)
        {
            throw _ctx.Error(at, path, $"end day {r.End} is always before start day {r.Begin}");
        }
    }

    /// <summary>A list of <c>a</c> or <c>a:b</c> ranges; null when the key is absent (meaning "any").</summary>
    private List<IntRange>? Ranges(YamlMap s, string key, Func<string, YamlNode, string, int> parse, Func<int, int, string, string, string>? inverted)
    {
        var items = s.StringList(key);
        if (items is null)
        {
            return null;
        }
        var at = s.At(key);
        var path = s.KeyPath(key);
        var list = new List<IntRange>();
        foreach (var item in items)
        {
            var parts = item.Split(':');
            if (parts.Length > 2)
            {
                throw _ctx.Error(at, path, $"couldn't parse range {item}, invalid format");
            }
            var b = parse(parts[0], at, path);
            var e = parts.Length == 2 ? parse(parts[1], at, path) : b;
            if (inverted is not null && b > e)
            {
                throw _ctx.Error(at, path, inverted(b, e, parts[0], parts.Length == 2 ? parts[1] : parts[0]));
            }
            list.Add(new IntRange(b, e));
        }
        return list;
    }
}
