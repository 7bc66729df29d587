using System.Text;
using Alerting.Core.Config;

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

    public List<(OpsGenieConfig Config, bool HasOwnHttp, YamlNode Node, string Path)> OpsGenies { get; } = [];

    public List<(MsTeamsConfig Config, bool HasOwnHttp)> MsTeams { get; } = [];
    public List<(TelegramConfig Config, bool HasOwnHttp, YamlNode Node, string Path)> Telegrams { get; } = [];

    public List<(DiscordConfig Config, bool HasOwnHttp)> Discords { get; } = [];

    public List<(WeChatConfig Config, bool HasOwnHttp, YamlNode Node, string Path)> WeChats { get; } = [];

    public List<(MsTeamsV2Config Config, bool HasOwnHttp)> MsTeamsV2 { get; } = [];
    public List<(VictorOpsConfig Config, bool HasOwnHttp, YamlNode Node, string Path)> VictorOps { get; } = [];

    public List<WebexConfig> Webexes { get; } = [];

    public List<(PushoverConfig Config, bool HasOwnHttp)> Pushovers { get; } = [];

    public List<(SnsConfig Config, bool HasOwnHttp)> Snses { get; } = [];

    public List<(IncidentioConfig Config, bool HasOwnHttp)> Incidentios { get; } = [];

    public List<(MattermostConfig Config, bool HasOwnHttp, YamlNode Node, string Path)> Mattermosts { get; } = [];

    public List<(RocketchatConfig Config, bool HasOwnHttp, YamlNode Node, string Path)> Rocketchats { get; } = [];

    public List<(JiraConfig Config, bool HasOwnHttp, YamlNode Node, string Path)> Jiras { get; } = [];

    public List<(string Kind, Dictionary<string, string> Values, YamlNode Node, string Path)> Others { get; } = [];
}

internal sealed partial class ConfigParser
{
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
        var opsgenies = m.Items("opsgenie_configs", "[]*config.OpsGenieConfig").ToList();
        var msteams = m.Items("msteams_configs", "[]*config.MSTeamsConfig").ToList();
        var telegrams = m.Items("telegram_configs", "[]*config.TelegramConfig").ToList();
        var discords = m.Items("discord_configs", "[]*config.DiscordConfig").ToList();
        var wechats = m.Items("wechat_configs", "[]*config.WechatConfig").ToList();
        var msteamsv2 = m.Items("msteamsv2_configs", "[]*config.MSTeamsV2Config").ToList();
        var victorops = m.Items("victorops_configs", "[]*config.VictorOpsConfig").ToList();
        var webexes = m.Items("webex_configs", "[]*config.WebexConfig").ToList();
        var pushovers = m.Items("pushover_configs", "[]*config.PushoverConfig").ToList();
        var snses = m.Items("sns_configs", "[]*config.SNSConfig").ToList();
        var incidentios = m.Items("incidentio_configs", "[]*config.IncidentioConfig").ToList();
        var mattermosts = m.Items("mattermost_configs", "[]*config.MattermostConfig").ToList();
        var rocketchats = m.Items("rocketchat_configs", "[]*config.RocketchatConfig").ToList();
        var jiras = m.Items("jira_configs", "[]*jira.JiraConfig").ToList();
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
        foreach (var (n, p) in opsgenies)
        {
            ParseOpsGenie(n, p, draft);
        }
        foreach (var (n, p) in msteams)
        {
            ParseMsTeams(n, p, draft);
        }
        foreach (var (n, p) in telegrams)
        {
            ParseTelegram(n, p, draft);
        }
        foreach (var (n, p) in discords)
        {
            ParseDiscord(n, p, draft);
        }
        foreach (var (n, p) in wechats)
        {
            ParseWeChat(n, p, draft);
        }
        foreach (var (n, p) in msteamsv2)
        {
            ParseMsTeamsV2(n, p, draft);
        }
        foreach (var (n, p) in victorops)
        {
            ParseVictorOps(n, p, draft);
        }
        foreach (var (n, p) in webexes)
        {
            ParseWebex(n, p, draft);
        }
        foreach (var (n, p) in pushovers)
        {
            ParsePushover(n, p, draft);
        }
        foreach (var (n, p) in snses)
        {
            ParseSns(n, p, draft);
        }
        foreach (var (n, p) in incidentios)
        {
            ParseIncidentio(n, p, draft);
        }
        foreach (var (n, p) in mattermosts)
        {
            ParseMattermost(n, p, draft);
        }
        foreach (var (n, p) in rocketchats)
        {
            ParseRocketchat(n, p, draft);
        }
        foreach (var (n, p) in jiras)
        {
            ParseJira(n, p, draft);
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

    private YamlMap OpenIntegration(YamlNode node, string path, string what, string goType = "config.plain")
    {
        if (YamlScalars.IsNull(node))
        {
            // Alertmanager 0.25 crashes on an empty list item; current releases reject it with this text.
            throw _ctx.Error(node, path, $"missing {what} config");
        }
        return YamlMap.Open(_ctx, node, path, goType)!;
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
            TlsConfig = HttpClientConfigParser.ParseTls(m, "tls_config"),
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
        var http = HttpClientConfigParser.Parse(m, "http_config");
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
            ApiUrl = SecretUrl(m, "api_url"),
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
        InlineOrFile(m, path, "api_url", cfg.ApiUrl, Empty(cfg.ApiUrlFile));
        InlineOrFile(m, path, "app_token", Empty(cfg.AppToken), Empty(cfg.AppTokenFile));
        draft.Slacks.Add((cfg, http?.Authorization is { Credentials: not null } or { CredentialsFile: not null }, http is not null, node, path));
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
        var http = HttpClientConfigParser.Parse(m, "http_config");
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
        InlineOrFile(m, path, "routing_key", cfg.RoutingKey, cfg.RoutingKeyFile);
        InlineOrFile(m, path, "service_key", cfg.ServiceKey, cfg.ServiceKeyFile);
        draft.PagerDuties.Add((cfg with { Source = cfg.Source ?? cfg.Client }, url is not null, http is not null));
    }

    private void ParseWebhook(YamlNode node, string path, ReceiverDraft draft)
    {
        var m = OpenIntegration(node, path, "webhook");
        if (m is null)
        {
            return;
        }
        var http = HttpClientConfigParser.Parse(m, "http_config");
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
        InlineOrFile(m, path, "url", cfg.Url, cfg.UrlFile);
        draft.Webhooks.Add((cfg, http is not null));
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

        return receiver with { EmailConfigs = emails, SlackConfigs = slacks, PagerDutyConfigs = pds, WebhookConfigs = hooks, OpsGenieConfigs = ApplyOpsGenieGlobals(draft, g),
            TelegramConfigs = ApplyTelegramGlobals(draft, g), MsTeamsConfigs = draft.MsTeams.Select(t => t.HasOwnHttp ? t.Config : t.Config with { HttpConfig = g.HttpConfig }).ToList(),
            DiscordConfigs = draft.Discords.Select(d => d.HasOwnHttp ? d.Config : d.Config with { HttpConfig = g.HttpConfig }).ToList(),
            WeChatConfigs = ApplyWeChatGlobals(draft, g),
            MsTeamsV2Configs = draft.MsTeamsV2.Select(t => t.HasOwnHttp ? t.Config : t.Config with { HttpConfig = g.HttpConfig }).ToList(),
            VictorOpsConfigs = ApplyVictorOpsGlobals(draft, g),
            WebexConfigs = ApplyWebexGlobals(draft, g),
            PushoverConfigs = draft.Pushovers.Select(p => p.HasOwnHttp ? p.Config : p.Config with { HttpConfig = g.HttpConfig }).ToList(),
            SnsConfigs = draft.Snses.Select(p => p.HasOwnHttp ? p.Config : p.Config with { HttpConfig = g.HttpConfig }).ToList(),
            IncidentioConfigs = draft.Incidentios.Select(p => p.HasOwnHttp ? p.Config : p.Config with { HttpConfig = g.HttpConfig }).ToList(),
            MattermostConfigs = ApplyMattermostGlobals(draft, g),
            RocketchatConfigs = ApplyRocketchatGlobals(draft, g),
            JiraConfigs = ApplyJiraGlobals(draft, g) };
    }
}
