using Alerting.Core.Config;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// A named receiver. Integrations we deliver are modelled fully; every other Alertmanager integration
/// is validated and listed in <see cref="Unsupported"/> (e.g. <c>opsgenie_configs</c>).
/// </summary>
public sealed record Receiver(string Name)
{
    public IReadOnlyList<SlackConfig> SlackConfigs { get; init; } = [];

    public IReadOnlyList<EmailConfig> EmailConfigs { get; init; } = [];

    public IReadOnlyList<PagerDutyConfig> PagerDutyConfigs { get; init; } = [];

    public IReadOnlyList<WebhookConfig> WebhookConfigs { get; init; } = [];

    public IReadOnlyList<OpsGenieConfig> OpsGenieConfigs { get; init; } = [];

    public IReadOnlyList<MsTeamsConfig> MsTeamsConfigs { get; init; } = [];
    public IReadOnlyList<TelegramConfig> TelegramConfigs { get; init; } = [];

    public IReadOnlyList<DiscordConfig> DiscordConfigs { get; init; } = [];

    public IReadOnlyList<WeChatConfig> WeChatConfigs { get; init; } = [];

    public IReadOnlyList<MsTeamsV2Config> MsTeamsV2Configs { get; init; } = [];
    public IReadOnlyList<VictorOpsConfig> VictorOpsConfigs { get; init; } = [];

    public IReadOnlyList<WebexConfig> WebexConfigs { get; init; } = [];

    public IReadOnlyList<PushoverConfig> PushoverConfigs { get; init; } = [];

    public IReadOnlyList<MattermostConfig> MattermostConfigs { get; init; } = [];

    public IReadOnlyList<RocketchatConfig> RocketchatConfigs { get; init; } = [];

    /// <summary>Integration keys present on this receiver that we accept but do not deliver.</summary>
    public IReadOnlyList<string> Unsupported { get; init; } = [];

    /// <summary>Where each unsupported integration is written, for messages naming file, line and key.</summary>
    public IReadOnlyList<UnsupportedIntegration> UnsupportedIntegrations { get; init; } = [];

    public int IntegrationCount => Integrations.Count;

    /// <summary>
    /// Every integration of the receiver, each kind in the order Alertmanager builds them
    /// (<c>notify.BuildReceiverIntegrations</c>), and within a kind in the order written.
    /// </summary>
    public IReadOnlyList<IntegrationConfig> Integrations =>
        [.. WebhookConfigs, .. EmailConfigs, .. PagerDutyConfigs, .. OpsGenieConfigs, .. WeChatConfigs, .. SlackConfigs, .. VictorOpsConfigs, .. PushoverConfigs, .. TelegramConfigs, .. DiscordConfigs, .. WebexConfigs, .. MsTeamsConfigs, .. MsTeamsV2Configs, .. RocketchatConfigs, .. MattermostConfigs];
}

/// <summary>
/// What every receiver integration (<c>slack_configs</c> item, <c>email_configs</c> item, ...) has: its
/// kind as Alertmanager names it in logs and metrics, <c>send_resolved</c> (whose default differs per
/// kind) and the <c>http_config</c> its requests use (unused by email, which speaks SMTP).
/// </summary>
public abstract record IntegrationConfig
{
    /// <summary>Alertmanager's integration name: <c>email</c>, <c>slack</c>, <c>pagerduty</c>, <c>webhook</c>, ...</summary>
    public abstract string Kind { get; }

    public abstract bool SendResolved { get; init; }

    public HttpClientConfig HttpConfig { get; init; } = new();
}

/// <summary>An integration block (e.g. <c>opsgenie_configs</c>) that Alertmanager accepts but we do not deliver.</summary>
public sealed record UnsupportedIntegration(string Receiver, string Kind, string File, int Line, string Key)
{
    public override string ToString() => $"{File}:{Line}: {Key}: receiver \"{Receiver}\" uses {Kind}, which Alerting.Functions does not deliver";
}

public sealed record SlackField(string Title, string Value, bool? Short);

public sealed record SlackConfirm(string Text, string? Title, string? OkText, string? DismissText);

public sealed record SlackAction(string Type, string Text, string? Url, string? Style, string? Name, string? Value, SlackConfirm? Confirm);

public sealed record SlackConfig : IntegrationConfig
{
    public override string Kind => "slack";

    /// <summary>The Web API endpoint Slack apps post to; Alertmanager's default <c>slack_app_url</c>.</summary>
    public const string ChatPostMessageUrl = "https://slack.com/api/chat.postMessage";

    public override bool SendResolved { get; init; }


    /// <summary>Incoming-webhook URL (or chat.postMessage when an app token is used).</summary>
    public string? ApiUrl { get; init; }

    public string? ApiUrlFile { get; init; }

    public string? AppToken { get; init; }

    public string? AppTokenFile { get; init; }

    public string? AppUrl { get; init; }

    public string? Channel { get; init; }

    public string Username { get; init; } = "{{ template \"slack.default.username\" . }}";

    public string Color { get; init; } = "{{ if eq .Status \"firing\" }}danger{{ else }}good{{ end }}";

    public string Title { get; init; } = "{{ template \"slack.default.title\" . }}";

    public string TitleLink { get; init; } = "{{ template \"slack.default.titlelink\" . }}";

    public string Pretext { get; init; } = "{{ template \"slack.default.pretext\" . }}";

    public string Text { get; init; } = "{{ template \"slack.default.text\" . }}";

    public IReadOnlyList<SlackField> Fields { get; init; } = [];

    public bool ShortFields { get; init; }

    public string Footer { get; init; } = "{{ template \"slack.default.footer\" . }}";

    public string Fallback { get; init; } = "{{ template \"slack.default.fallback\" . }}";

    public string CallbackId { get; init; } = "{{ template \"slack.default.callbackid\" . }}";

    public string IconEmoji { get; init; } = "{{ template \"slack.default.iconemoji\" . }}";

    public string IconUrl { get; init; } = "{{ template \"slack.default.iconurl\" . }}";

    public string? ImageUrl { get; init; }

    public string? ThumbUrl { get; init; }

    public bool LinkNames { get; init; }

    public IReadOnlyList<string> MrkdwnIn { get; init; } = ["fallback", "pretext", "text"];

    public IReadOnlyList<SlackAction> Actions { get; init; } = [];

    /// <summary>Update the original message on resolve (needs an app token / chat.postMessage).</summary>
    public bool UpdateMessage { get; init; }
}

public sealed record EmailConfig : IntegrationConfig
{
    public override string Kind => "email";

    public const string DefaultSubject = "{{ template \"email.default.subject\" . }}";

    public override bool SendResolved { get; init; }

    public string To { get; init; } = string.Empty;

    public string From { get; init; } = string.Empty;

    /// <summary>The SMTP HELO name; empty (when a file sets <c>smtp_hello: ''</c>) means Go's default, <c>localhost</c>.</summary>
    public string Hello { get; init; } = "localhost";

    /// <summary><c>host:port</c> of the SMTP server.</summary>
    public string Smarthost { get; init; } = string.Empty;

    public string? AuthUsername { get; init; }

    public string? AuthPassword { get; init; }

    public string? AuthPasswordFile { get; init; }

    public string? AuthSecret { get; init; }

    public string? AuthSecretFile { get; init; }

    public string? AuthIdentity { get; init; }

    /// <summary>Header names title-cased as Alertmanager does; <c>Subject</c> always present.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal) { ["Subject"] = DefaultSubject };

    public string Html { get; init; } = "{{ template \"email.default.html\" . }}";

    public string Text { get; init; } = string.Empty;

    public bool RequireTls { get; init; } = true;

    public TlsConfig? TlsConfig { get; init; }

    public string SmarthostHost => Smarthost[..Smarthost.LastIndexOf(':')].Trim('[', ']');

    public int SmarthostPort => int.TryParse(Smarthost[(Smarthost.LastIndexOf(':') + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : 25;
}

public sealed record PagerDutyLink(string Href, string Text);

public sealed record PagerDutyImage(string Src, string Alt, string Href);

public sealed record PagerDutyConfig : IntegrationConfig
{
    public override string Kind => "pagerduty";

    public static readonly IReadOnlyDictionary<string, string> DefaultDetails = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["firing"] = "{{ template \"pagerduty.default.instances\" .Alerts.Firing }}",
        ["resolved"] = "{{ template \"pagerduty.default.instances\" .Alerts.Resolved }}",
        ["num_firing"] = "{{ .Alerts.Firing | len }}",
        ["num_resolved"] = "{{ .Alerts.Resolved | len }}",
    };

    public override bool SendResolved { get; init; } = true;


    /// <summary>Events API v1 integration key (legacy).</summary>
    public string? ServiceKey { get; init; }

    public string? ServiceKeyFile { get; init; }

    /// <summary>Events API v2 integration key.</summary>
    public string? RoutingKey { get; init; }

    public string? RoutingKeyFile { get; init; }

    public string Url { get; init; } = "https://events.pagerduty.com/v2/enqueue";

    public string Client { get; init; } = "{{ template \"pagerduty.default.client\" . }}";

    public string ClientUrl { get; init; } = "{{ template \"pagerduty.default.clientURL\" . }}";

    public string Description { get; init; } = "{{ template \"pagerduty.default.description\" .}}";

    /// <summary>User details merged over <see cref="DefaultDetails"/> (user keys win).</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } = DefaultDetails;

    public IReadOnlyList<PagerDutyImage> Images { get; init; } = [];

    public IReadOnlyList<PagerDutyLink> Links { get; init; } = [];

    public string? Source { get; init; }

    public string Severity { get; init; } = "error";

    public string? Class { get; init; }

    public string? Component { get; init; }

    public string? Group { get; init; }

    /// <summary>True for Events API v2 (routing key), false for the v1 service key API.</summary>
    public bool UsesEventsV2 => ServiceKey is null && ServiceKeyFile is null;
}

public sealed record WebhookConfig : IntegrationConfig
{
    public override string Kind => "webhook";

    public override bool SendResolved { get; init; } = true;


    public string? Url { get; init; }

    public string? UrlFile { get; init; }

    /// <summary>0 means all alerts are sent.</summary>
    public long MaxAlerts { get; init; }

    public TimeSpan? Timeout { get; init; }
}

/// <summary>One <c>responders</c> item of an opsgenie_config (each field a template).</summary>
public sealed record OpsGenieResponder(string Id, string Name, string Username, string Type);

/// <summary>Alertmanager's <c>opsgenie_config</c> (Alerts API v2), with Alertmanager 0.25's defaults.</summary>
public sealed record OpsGenieConfig : IntegrationConfig
{
    public override string Kind => "opsgenie";

    public override bool SendResolved { get; init; } = true;

    public string? ApiKey { get; init; }

    public string? ApiKeyFile { get; init; }

    /// <summary>Base URL; the notifier appends <c>v2/alerts</c>. Defaults to <c>global.opsgenie_api_url</c>.</summary>
    public string ApiUrl { get; init; } = "https://api.opsgenie.com/";

    public string Message { get; init; } = "{{ template \"opsgenie.default.message\" . }}";

    public string Description { get; init; } = "{{ template \"opsgenie.default.description\" . }}";

    public string Source { get; init; } = "{{ template \"opsgenie.default.source\" . }}";

    /// <summary>Templated details added over the common labels.</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string? Entity { get; init; }

    public IReadOnlyList<OpsGenieResponder> Responders { get; init; } = [];

    /// <summary>Comma-separated (after templating).</summary>
    public string? Actions { get; init; }

    /// <summary>Comma-separated (after templating).</summary>
    public string? Tags { get; init; }

    public string? Note { get; init; }

    public string? Priority { get; init; }

    /// <summary>Also PUT the message and description of an existing alert, which a create does not change.</summary>
    public bool UpdateAlerts { get; init; }
}

/// <summary>
/// Alertmanager's <c>msteams_config</c> (an Office 365 connector incoming webhook, MessageCard). Not in
/// Alertmanager 0.25: it arrived in 0.26; keys and defaults are the upstream ones.
/// </summary>
public sealed record MsTeamsConfig : IntegrationConfig
{
    public override string Kind => "msteams";

    public override bool SendResolved { get; init; } = true;

    public string? WebhookUrl { get; init; }

    public string? WebhookUrlFile { get; init; }

    public string Title { get; init; } = "{{ template \"msteams.default.title\" . }}";

    public string Summary { get; init; } = "{{ template \"msteams.default.summary\" . }}";

    public string Text { get; init; } = "{{ template \"msteams.default.text\" . }}";
}

/// <summary>Alertmanager's <c>telegram_config</c> (Bot API <c>sendMessage</c>), with Alertmanager 0.25's defaults.</summary>
public sealed record TelegramConfig : IntegrationConfig
{
    public override string Kind => "telegram";

    public override bool SendResolved { get; init; } = true;

    /// <summary>Base URL; the notifier appends <c>/bot{token}/sendMessage</c>. Defaults to <c>global.telegram_api_url</c>.</summary>
    public string ApiUrl { get; init; } = "https://api.telegram.org";

    public string? BotToken { get; init; }

    public string? BotTokenFile { get; init; }

    /// <summary>0 when the chat id is read from <see cref="ChatIdFile"/>.</summary>
    public long ChatId { get; init; }

    public string? ChatIdFile { get; init; }

    /// <summary>Forum topic; 0 for none.</summary>
    public long MessageThreadId { get; init; }

    public string Message { get; init; } = "{{ template \"telegram.default.message\" . }}";

    public bool DisableNotifications { get; init; }

    /// <summary>HTML, Markdown, MarkdownV2 or empty (plain text). With HTML the message is templated HTML-escaped.</summary>
    public string ParseMode { get; init; } = "HTML";
}

/// <summary>Alertmanager 0.25's <c>discord_config</c> (a channel webhook; one embed per notification).</summary>
public sealed record DiscordConfig : IntegrationConfig
{
    public override string Kind => "discord";

    public override bool SendResolved { get; init; } = true;

    public string WebhookUrl { get; init; } = string.Empty;

    public string Title { get; init; } = "{{ template \"discord.default.title\" . }}";

    public string Message { get; init; } = "{{ template \"discord.default.message\" . }}";
}

/// <summary>Alertmanager 0.25's <c>wechat_config</c> (WeChat Work application messages), with its defaults.</summary>
public sealed record WeChatConfig : IntegrationConfig
{
    public override string Kind => "wechat";

    public override bool SendResolved { get; init; }

    /// <summary>The application's secret (<c>corpsecret</c>), a template; or read from <see cref="ApiSecretFile"/> at each token fetch.</summary>
    public string? ApiSecret { get; init; }

    public string? ApiSecretFile { get; init; }

    /// <summary>The company id (<c>corpid</c>), a template. Defaults to <c>global.wechat_api_corp_id</c>.</summary>
    public string CorpId { get; init; } = string.Empty;

    /// <summary>Base URL ending in "/"; the notifier appends <c>gettoken</c> and <c>message/send</c>. Defaults to <c>global.wechat_api_url</c>.</summary>
    public string ApiUrl { get; init; } = "https://qyapi.weixin.qq.com/cgi-bin/";

    public string Message { get; init; } = "{{ template \"wechat.default.message\" . }}";

    public string ToUser { get; init; } = "{{ template \"wechat.default.to_user\" . }}";

    public string ToParty { get; init; } = "{{ template \"wechat.default.to_party\" . }}";

    public string ToTag { get; init; } = "{{ template \"wechat.default.to_tag\" . }}";

    public string AgentId { get; init; } = "{{ template \"wechat.default.agent_id\" . }}";

    /// <summary><c>text</c> or <c>markdown</c>.</summary>
    public string MessageType { get; init; } = "text";
}

/// <summary>
/// Alertmanager's <c>msteamsv2_config</c> (a Teams Workflows / Power Automate webhook taking an Adaptive
/// Card). Not in Alertmanager 0.25: it arrived in 0.28; keys and defaults are 0.28's.
/// </summary>
public sealed record MsTeamsV2Config : IntegrationConfig
{
    public override string Kind => "msteamsv2";

    public override bool SendResolved { get; init; } = true;

    public string? WebhookUrl { get; init; }

    public string? WebhookUrlFile { get; init; }

    public string Title { get; init; } = "{{ template \"msteamsv2.default.title\" . }}";

    public string Text { get; init; } = "{{ template \"msteamsv2.default.text\" . }}";
}

/// <summary>Alertmanager 0.25's <c>victorops_config</c> (Splunk On-Call REST endpoint), with its defaults.</summary>
public sealed record VictorOpsConfig : IntegrationConfig
{
    public override string Kind => "victorops";

    public override bool SendResolved { get; init; } = true;

    public string? ApiKey { get; init; }

    public string? ApiKeyFile { get; init; }

    /// <summary>Base URL ending in "/"; the notifier appends <c>{api_key}/{routing_key}</c>. Defaults to <c>global.victorops_api_url</c>.</summary>
    public string ApiUrl { get; init; } = "https://alert.victorops.com/integrations/generic/20131114/alert/";

    /// <summary>Templated; empty is invalid (Alertmanager refuses the config).</summary>
    public string RoutingKey { get; init; } = string.Empty;

    /// <summary>CRITICAL, WARNING or INFO while firing (anything else becomes CRITICAL); always RECOVERY once resolved.</summary>
    public string MessageType { get; init; } = "CRITICAL";

    public string StateMessage { get; init; } = "{{ template \"victorops.default.state_message\" . }}";

    public string EntityDisplayName { get; init; } = "{{ template \"victorops.default.entity_display_name\" . }}";

    public string MonitoringTool { get; init; } = "{{ template \"victorops.default.monitoring_tool\" . }}";

    /// <summary>Templated extra fields of the payload (none may shadow the fixed ones).</summary>
    public IReadOnlyDictionary<string, string> CustomFields { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>Alertmanager 0.25's <c>webex_config</c> (Webex Messages API; the bot token is <c>http_config.authorization</c>).</summary>
public sealed record WebexConfig : IntegrationConfig
{
    public override string Kind => "webex";

    public override bool SendResolved { get; init; } = true;

    /// <summary>The Messages API URL. Defaults to <c>global.webex_api_url</c>.</summary>
    public string ApiUrl { get; init; } = "https://webexapis.com/v1/messages";

    /// <summary>Not templated, as in Alertmanager 0.25.</summary>
    public string RoomId { get; init; } = string.Empty;

    public string Message { get; init; } = "{{ template \"webex.default.message\" . }}";
}

/// <summary>
/// Alertmanager's <c>pushover_config</c> (Pushover Message API) with 0.25's defaults, plus later releases'
/// <c>user_key_file</c>, <c>token_file</c>, <c>device</c>, <c>ttl</c> and <c>monospace</c>.
/// </summary>
public sealed record PushoverConfig : IntegrationConfig
{
    public override string Kind => "pushover";

    /// <summary>Alertmanager 0.25 posts here; the URL is not configurable.</summary>
    public const string MessagesUrl = "https://api.pushover.net/1/messages.json";

    public override bool SendResolved { get; init; } = true;

    public string? UserKey { get; init; }

    public string? UserKeyFile { get; init; }

    public string? Token { get; init; }

    public string? TokenFile { get; init; }

    public string Title { get; init; } = "{{ template \"pushover.default.title\" . }}";

    public string Message { get; init; } = "{{ template \"pushover.default.message\" . }}";

    public string Url { get; init; } = "{{ template \"pushover.default.url\" . }}";

    public string UrlTitle { get; init; } = string.Empty;

    public string Device { get; init; } = string.Empty;

    public string Sound { get; init; } = string.Empty;

    /// <summary>Templated: emergency (2) while firing, normal (0) once resolved by default.</summary>
    public string Priority { get; init; } = "{{ if eq .Status \"firing\" }}2{{ else }}0{{ end }}";

    /// <summary>How often Pushover repeats an emergency notification.</summary>
    public TimeSpan Retry { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long Pushover keeps repeating an emergency notification.</summary>
    public TimeSpan Expire { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Zero for none.</summary>
    public TimeSpan Ttl { get; init; }

    public bool Html { get; init; }

    public bool Monospace { get; init; }
}


/// <summary>
/// Alertmanager's <c>mattermost_config</c> (an incoming webhook). Not in Alertmanager 0.25: it arrived in
/// 0.30, whose keys and defaults these are (only <c>text</c> has a default; the attachment fields sit in
/// <c>attachments</c>).
/// </summary>
public sealed record MattermostConfig : IntegrationConfig
{
    public override string Kind => "mattermost";

    public override bool SendResolved { get; init; } = true;

    public string? WebhookUrl { get; init; }

    public string? WebhookUrlFile { get; init; }

    public string Channel { get; init; } = string.Empty;

    public string Username { get; init; } = string.Empty;

    public string Text { get; init; } = "{{ template \"mattermost.default.text\" . }}";

    public string IconUrl { get; init; } = string.Empty;

    public string IconEmoji { get; init; } = string.Empty;

    public IReadOnlyList<MattermostAttachment> Attachments { get; init; } = [];

    public string Type { get; init; } = string.Empty;

    /// <summary><c>props.card</c>, the text shown in the post's info panel; empty sends no props.</summary>
    public string Card { get; init; } = string.Empty;

    public MattermostPriority? Priority { get; init; }
}

/// <summary>A Slack-compatible message attachment of a <c>mattermost_config</c>; every text is a template.</summary>
public sealed record MattermostAttachment
{
    public string Fallback { get; init; } = string.Empty;
    public string Color { get; init; } = string.Empty;
    public string Pretext { get; init; } = string.Empty;
    public string Text { get; init; } = string.Empty;
    public string AuthorName { get; init; } = string.Empty;
    public string AuthorLink { get; init; } = string.Empty;
    public string AuthorIcon { get; init; } = string.Empty;
    public string Title { get; init; } = string.Empty;
    public string TitleLink { get; init; } = string.Empty;
    public IReadOnlyList<MattermostField> Fields { get; init; } = [];
    public string ThumbUrl { get; init; } = string.Empty;
    public string Footer { get; init; } = string.Empty;
    public string FooterIcon { get; init; } = string.Empty;
    public string ImageUrl { get; init; } = string.Empty;
}

/// <summary>An attachment field: title and value are templates, <c>short</c> is sent only when set.</summary>
public sealed record MattermostField(string Title, string Value, bool? Short);

/// <summary>Message priority (Mattermost 9.x): <c>priority</c> is a template; the flags are sent only when true.</summary>
public sealed record MattermostPriority(string Priority, bool RequestedAck, bool PersistentNotifications);

/// <summary>
/// Alertmanager's <c>rocketchat_config</c> (REST <c>chat.postMessage</c> as a user with a personal access
/// token). Not in Alertmanager 0.25: it arrived in 0.28, whose keys and defaults these are.
/// </summary>
public sealed record RocketchatConfig : IntegrationConfig
{
    public const string DefaultApiUrl = "https://open.rocket.chat/";

    public override string Kind => "rocketchat";

    public override bool SendResolved { get; init; }

    public string ApiUrl { get; init; } = string.Empty;

    public string? TokenId { get; init; }

    public string? TokenIdFile { get; init; }

    public string? Token { get; init; }

    public string? TokenFile { get; init; }

    /// <summary>Sent as written (Alertmanager does not template it).</summary>
    public string Channel { get; init; } = string.Empty;

    public string Color { get; init; } = "{{ if eq .Status \"firing\" }}red{{ else }}green{{ end }}";

    public string Title { get; init; } = "{{ template \"rocketchat.default.title\" . }}";

    public string TitleLink { get; init; } = "{{ template \"rocketchat.default.titlelink\" . }}";

    public string Text { get; init; } = "{{ template \"rocketchat.default.text\" . }}";

    public IReadOnlyList<RocketchatField> Fields { get; init; } = [];

    public bool ShortFields { get; init; }

    public string Emoji { get; init; } = "{{ template \"rocketchat.default.emoji\" . }}";

    public string IconUrl { get; init; } = "{{ template \"rocketchat.default.iconurl\" . }}";

    public string ImageUrl { get; init; } = string.Empty;

    public string ThumbUrl { get; init; } = string.Empty;

    /// <summary>Accepted as Alertmanager accepts it; it does not send it.</summary>
    public bool LinkNames { get; init; }

    public IReadOnlyList<RocketchatAction> Actions { get; init; } = [];
}

/// <summary>An attachment field; <c>short</c> falls back to the config's <c>short_fields</c>.</summary>
public sealed record RocketchatField(string Title, string Value, bool? Short);

/// <summary>A button: text, url and msg are templates.</summary>
public sealed record RocketchatAction(string Text, string Url, string Msg);
