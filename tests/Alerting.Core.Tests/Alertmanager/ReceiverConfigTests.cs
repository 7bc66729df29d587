using Alerting.Core.Config;
using Alerting.Core.Alertmanager;

namespace Alerting.Core.Tests.Alertmanager;

public sealed class ReceiverConfigTests
{
    private const string Config = """
        global:
          smtp_smarthost: 'mail.example.org:587'
          smtp_from: 'alertmanager@example.org'
          smtp_auth_username: 'am'
          smtp_auth_password_file: '/run/secrets/smtp'
          smtp_hello: 'am.example.org'
          smtp_require_tls: false
          slack_api_url: 'https://hooks.slack.com/services/T0/B0/GLOBAL'
          http_config:
            follow_redirects: false
        route:
          receiver: everything
        receivers:
          - name: everything
            email_configs:
              - to: 'ops@example.org'
                headers:
                  subject: 'Custom {{ .Status }}'
                  x-priority: '1'
              - to: 'dba@example.org'
                from: 'db-alerts@example.org'
                smarthost: '[2001:db8::1]:25'
                auth_password: 'inline'
                require_tls: true
                send_resolved: true
                html: ''
                text: '{{ template "email.default.text" . }}'
            slack_configs:
              - channel: '#ops'
              - api_url: 'https://hooks.slack.com/services/T0/B0/OWN'
                title: 'Own title'
                send_resolved: true
                fields:
                  - title: Severity
                    value: '{{ .CommonLabels.severity }}'
                    short: true
                actions:
                  - type: button
                    text: Silence
                    url: 'https://am.example.org/#/silences/new'
                http_config:
                  authorization:
                    credentials: 'xoxb-token'
            pagerduty_configs:
              - routing_key: 'R0UT1NG'
                severity: critical
                details:
                  firing: 'custom'
                links:
                  - href: 'https://runbooks.example.org'
                    text: Runbook
            webhook_configs:
              - url: 'http://localhost:8080/hook'
                max_alerts: 10
            opsgenie_configs:
              - api_key: 'k'
            jira_configs:
              - api_url: 'https://example.atlassian.net'
                project: OPS
                issue_type: Bug
        """;

    private static readonly Receiver R = AlertmanagerConfigLoader.Parse(Config, "receivers.yml").Receivers[0];

    [Fact]
    public void EmailInheritsGlobalSmtpSettingsAndTitleCasesHeaders()
    {
        var e = R.EmailConfigs[0];
        Assert.Equal(("mail.example.org:587", "alertmanager@example.org", "am.example.org"), (e.Smarthost, e.From, e.Hello));
        Assert.Equal(("am", null, "/run/secrets/smtp"), (e.AuthUsername, e.AuthPassword, e.AuthPasswordFile));
        Assert.False(e.RequireTls);
        Assert.False(e.SendResolved);
        Assert.Equal("Custom {{ .Status }}", e.Headers["Subject"]);
        Assert.Equal("1", e.Headers["X-Priority"]);
        Assert.Equal("{{ template \"email.default.html\" . }}", e.Html);
        Assert.Equal(("mail.example.org", 587), (e.SmarthostHost, e.SmarthostPort));
    }

    [Fact]
    public void EmailOwnSettingsWinOverGlobalOnes()
    {
        var e = R.EmailConfigs[1];
        Assert.Equal(("db-alerts@example.org", "inline", null), (e.From, e.AuthPassword, e.AuthPasswordFile));
        Assert.True(e.RequireTls);
        Assert.True(e.SendResolved);
        Assert.Equal(string.Empty, e.Html);
        Assert.Equal(EmailConfig.DefaultSubject, e.Headers["Subject"]);
        Assert.Equal(("2001:db8::1", 25), (e.SmarthostHost, e.SmarthostPort));
    }

    [Fact]
    public void SlackUsesGlobalUrlAndAlertmanagersDefaultTemplates()
    {
        var s = R.SlackConfigs[0];
        Assert.Equal("https://hooks.slack.com/services/T0/B0/GLOBAL", s.ApiUrl);
        Assert.False(s.SendResolved);
        Assert.Equal("{{ template \"slack.default.title\" . }}", s.Title);
        Assert.Equal("{{ template \"slack.default.text\" . }}", s.Text);
        Assert.Equal("{{ if eq .Status \"firing\" }}danger{{ else }}good{{ end }}", s.Color);
        Assert.False(s.HttpConfig.FollowRedirects);
    }

    [Fact]
    public void SlackOwnFieldsActionsAndHttpConfigAreKept()
    {
        var s = R.SlackConfigs[1];
        Assert.Equal(("https://hooks.slack.com/services/T0/B0/OWN", "Own title"), (s.ApiUrl, s.Title));
        Assert.True(s.SendResolved);
        Assert.Equal(new SlackField("Severity", "{{ .CommonLabels.severity }}", true), Assert.Single(s.Fields));
        var action = Assert.Single(s.Actions);
        Assert.Equal(("button", "Silence", "https://am.example.org/#/silences/new"), (action.Type, action.Text, action.Url));
        Assert.Equal(("Bearer", "xoxb-token"), (s.HttpConfig.Authorization!.Type, s.HttpConfig.Authorization.Credentials));
        Assert.True(s.HttpConfig.FollowRedirects);
    }

    [Fact]
    public void PagerDutyMergesDetailsOverDefaultsAndUsesTheEventsV2Url()
    {
        var p = Assert.Single(R.PagerDutyConfigs);
        Assert.True(p.UsesEventsV2);
        Assert.True(p.SendResolved);
        Assert.Equal("https://events.pagerduty.com/v2/enqueue", p.Url);
        Assert.Equal("critical", p.Severity);
        Assert.Equal("custom", p.Details["firing"]);
        Assert.Equal("{{ .Alerts.Resolved | len }}", p.Details["num_resolved"]);
        Assert.Equal(new PagerDutyLink("https://runbooks.example.org", "Runbook"), Assert.Single(p.Links));
        Assert.Equal("{{ template \"pagerduty.default.client\" . }}", p.Source);
    }

    [Fact]
    public void WebhookDefaultsToSendResolved()
    {
        var w = Assert.Single(R.WebhookConfigs);
        Assert.True(w.SendResolved);
        Assert.Equal(("http://localhost:8080/hook", 10L), (w.Url, w.MaxAlerts));
        Assert.False(w.HttpConfig.FollowRedirects);
    }

    [Fact]
    public void Every_integration_Alertmanager_has_is_delivered_so_none_is_listed_as_unsupported()
    {
        Assert.Empty(R.Unsupported);
        var cfg = AlertmanagerConfigLoader.Parse(Config, "receivers.yml");
        Assert.Empty(cfg.Unsupported);
        Assert.Empty(cfg.UnsupportedIntegrations);
        var jira = Assert.Single(R.JiraConfigs);
        Assert.Equal(("OPS", "Bug"), (jira.Project, jira.IssueType));
    }

    [Fact]
    public void TelegramHasAlertmanagersDefaultsAndComesAfterSlack()
    {
        var cfg = AlertmanagerConfigLoader.Parse("""
            global:
              http_config:
                follow_redirects: false
            route:
              receiver: a
            receivers:
              - name: a
                slack_configs:
                  - api_url: 'https://hooks.slack.com/services/T0/B0/X'
                telegram_configs:
                  - bot_token: 't'
                    chat_id: -1001
            """, "alertmanager.yml").Receivers[0];
        var t = Assert.Single(cfg.TelegramConfigs);
        Assert.True(t.SendResolved);
        Assert.Equal(("t", -1001L, "https://api.telegram.org"), (t.BotToken, t.ChatId, t.ApiUrl));
        Assert.Equal("{{ template \"telegram.default.message\" . }}", t.Message);
        Assert.Equal("HTML", t.ParseMode);
        Assert.False(t.DisableNotifications);
        Assert.False(t.HttpConfig.FollowRedirects);
        Assert.Empty(cfg.Unsupported);
        Assert.Equal(["slack", "telegram"], cfg.Integrations.Select(i => i.Kind));
    }

    [Fact]
    public void TelegramTakesItsTokenAndUrlFromGlobal()
    {
        var t = AlertmanagerConfigLoader.Parse("""
            global:
              telegram_api_url: https://tg.example.org
              telegram_bot_token_file: /run/secrets/telegram
            route:
              receiver: a
            receivers:
              - name: a
                telegram_configs:
                  - { chat_id: 7, parse_mode: '', disable_notifications: true, message_thread_id: 3, message: 'hi' }
            """, "alertmanager.yml").Receivers[0].TelegramConfigs.Single();
        Assert.Equal((null, "/run/secrets/telegram", "https://tg.example.org"), (t.BotToken, t.BotTokenFile, t.ApiUrl));
        Assert.Equal(("", true, 3L, "hi"), (t.ParseMode, t.DisableNotifications, t.MessageThreadId, t.Message));
    }

    [Theory]
    [InlineData("- { chat_id: 1 }", "missing bot_token or bot_token_file on telegram_config")]
    [InlineData("- { bot_token: t }", "missing chat_id on telegram_config")]
    [InlineData("- { bot_token: t, chat_id: 0 }", "missing chat_id on telegram_config")]
    [InlineData("- { bot_token: t, chat_id: 1, parse_mode: html }", "unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string")]
    [InlineData("- { bot_token: t, bot_token_file: /f, chat_id: 1 }", "at most one of bot_token & bot_token_file must be configured")]
    [InlineData("- { bot_token: t, chat_id: 1, api_url: 'ftp://x' }", "unsupported scheme \"ftp\" for URL")]
    public void TelegramRejectsWhatAlertmanagerRejects(string item, string error)
    {
        var yaml = $"route:\n  receiver: a\nreceivers:\n  - name: a\n    telegram_configs:\n      {item}\n";
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "alertmanager.yml"));
        Assert.Equal(error, e.Detail);
    }

    [Fact]
    public void TelegramChatIdMustBeAnInteger()
    {
        var yaml = "route:\n  receiver: a\nreceivers:\n  - name: a\n    telegram_configs:\n      - { bot_token: t, chat_id: general }\n";
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "alertmanager.yml"));
        Assert.Contains("cannot unmarshal !!str `general` into int64", e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void OpsGenieHasAlertmanagersDefaultsAndInheritsTheGlobalUrl()
    {
        var o = Assert.Single(R.OpsGenieConfigs);
        Assert.True(o.SendResolved);
        Assert.Equal(("k", "https://api.opsgenie.com/"), (o.ApiKey, o.ApiUrl));
        Assert.Equal("{{ template \"opsgenie.default.message\" . }}", o.Message);
        Assert.Equal("{{ template \"opsgenie.default.description\" . }}", o.Description);
        Assert.Equal("{{ template \"opsgenie.default.source\" . }}", o.Source);
        Assert.Empty(o.Details);
        Assert.False(o.UpdateAlerts);
        Assert.False(o.HttpConfig.FollowRedirects);
        Assert.Equal(["webhook", "email", "email", "pagerduty", "opsgenie", "slack", "slack", "jira"], R.Integrations.Select(i => i.Kind));
    }

    [Fact]
    public void OpsGenieTakesItsKeyAndUrlFromGlobalAndEndsTheUrlWithASlash()
    {
        var o = AlertmanagerConfigLoader.Parse("""
            global:
              opsgenie_api_key_file: /run/secrets/opsgenie
              opsgenie_api_url: https://api.eu.opsgenie.com
            route:
              receiver: a
            receivers:
              - name: a
                opsgenie_configs:
                  - responders: [{ name: ops, type: Team }]
                    details: { a: b }
            """, "alertmanager.yml").Receivers[0].OpsGenieConfigs.Single();
        Assert.Equal((null, "/run/secrets/opsgenie", "https://api.eu.opsgenie.com/"), (o.ApiKey, o.ApiKeyFile, o.ApiUrl));
        Assert.Equal(new OpsGenieResponder("", "ops", "", "Team"), Assert.Single(o.Responders));
        Assert.Equal("b", o.Details["a"]);
    }

    [Theory]
    [InlineData("- {}", "no global OpsGenie API Key set either inline or in a file")]
    [InlineData("- { api_key: k, api_key_file: /f }", "at most one of api_key & api_key_file must be configured")]
    [InlineData("- { api_key: k, responders: [{ type: team }] }", "opsGenieConfig responder {   team} has to have at least one of id, username or name specified")]
    [InlineData("- { api_key: k, responders: [{ name: ops, type: group }] }", "opsGenieConfig responder { ops  group} type does not match valid options ^(team|teams|user|escalation|schedule)$")]
    [InlineData("- { api_key: k, api_url: 'ftp://x' }", "unsupported scheme \"ftp\" for URL")]
    public void OpsGenieRejectsWhatAlertmanagerRejects(string item, string error)
    {
        var yaml = $"route:\n  receiver: a\nreceivers:\n  - name: a\n    opsgenie_configs:\n      {item}\n";
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "alertmanager.yml"));
        Assert.Equal(error, e.Detail);
    }

    [Fact]
    public void MsTeamsHasAlertmanagersDefaultsInheritsGlobalHttpConfigAndIsDeliveredLast()
    {
        var cfg = AlertmanagerConfigLoader.Parse("""
            global:
              http_config: { enable_http2: false }
            route:
              receiver: a
            receivers:
              - name: a
                msteams_configs:
                  - webhook_url: 'https://example.webhook.office.com/webhookb2/x'
                  - webhook_url_file: /run/secrets/teams
                    send_resolved: false
                    title: 'T {{ .Status }}'
                    http_config: { follow_redirects: false }
                slack_configs:
                  - api_url: 'https://hooks.slack.com/x'
            """, "alertmanager.yml");
        var r = cfg.Receivers[0];
        Assert.Empty(cfg.Unsupported);
        var (a, b) = (r.MsTeamsConfigs[0], r.MsTeamsConfigs[1]);
        Assert.Equal(("https://example.webhook.office.com/webhookb2/x", null, true), (a.WebhookUrl, a.WebhookUrlFile, a.SendResolved));
        Assert.Equal("{{ template \"msteams.default.title\" . }}", a.Title);
        Assert.Equal("{{ template \"msteams.default.summary\" . }}", a.Summary);
        Assert.Equal("{{ template \"msteams.default.text\" . }}", a.Text);
        Assert.False(a.HttpConfig.EnableHttp2);
        Assert.Equal((null, "/run/secrets/teams", false, "T {{ .Status }}"), (b.WebhookUrl, b.WebhookUrlFile, b.SendResolved, b.Title));
        Assert.True(b.HttpConfig.EnableHttp2);
        Assert.False(b.HttpConfig.FollowRedirects);
        Assert.Equal(["slack", "msteams", "msteams"], r.Integrations.Select(i => i.Kind));
    }

    [Theory]
    [InlineData("- {}", "one of webhook_url or webhook_url_file must be configured")]
    [InlineData("- { webhook_url: 'http://x/y', webhook_url_file: /f }", "at most one of webhook_url & webhook_url_file must be configured")]
    [InlineData("- { webhook_url: 'ftp://x' }", "unsupported scheme \"ftp\" for URL")]
    [InlineData("- { webhook_url: 'http://x/y', text: [a] }", "yaml: unmarshal errors:\n  line 6: cannot unmarshal !!seq into string")]
    [InlineData("- { webhook_url: 'http://x/y', message: hi }", "yaml: unmarshal errors:\n  line 6: field message not found in type config.plain")]
    public void MsTeamsRejectsWhatAlertmanagerRejects(string item, string error)
    {
        var yaml = $"route:\n  receiver: a\nreceivers:\n  - name: a\n    msteams_configs:\n      {item}\n";
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "alertmanager.yml"));
        Assert.Equal(error, e.Detail);
    }

    [Fact]
    public void DiscordHasAlertmanagers025DefaultsAndComesBetweenSlackAndMsTeams()
    {
        var r = AlertmanagerConfigLoader.Parse("""
            route:
              receiver: a
            receivers:
              - name: a
                msteams_configs:
                  - webhook_url: 'https://example.webhook.office.com/webhookb2/x'
                discord_configs:
                  - webhook_url: 'https://discord.com/api/webhooks/1/t'
                slack_configs:
                  - api_url: 'https://hooks.slack.com/x'
            """, "alertmanager.yml").Receivers[0];
        var d = Assert.Single(r.DiscordConfigs);
        Assert.Equal(("https://discord.com/api/webhooks/1/t", true), (d.WebhookUrl, d.SendResolved));
        Assert.Equal("{{ template \"discord.default.title\" . }}", d.Title);
        Assert.Equal("{{ template \"discord.default.message\" . }}", d.Message);
        Assert.Equal(["slack", "discord", "msteams"], r.Integrations.Select(i => i.Kind));
    }

    [Theory]
    [InlineData("- {}", "no discord webhook URL provided")]
    [InlineData("- { title: t }", "no discord webhook URL provided")]
    [InlineData("- { webhook_url: 'ftp://x' }", "unsupported scheme \"ftp\" for URL")]
    [InlineData("- { webhook_url: 'http://x/y', content: c }", "yaml: unmarshal errors:\n  line 6: field content not found in type config.plain")]
    [InlineData("- { webhook_url_file: /f }", "yaml: unmarshal errors:\n  line 6: field webhook_url_file not found in type config.plain")]
    public void DiscordRejectsWhatAlertmanager025Rejects(string item, string error)
    {
        var yaml = $"route:\n  receiver: a\nreceivers:\n  - name: a\n    discord_configs:\n      {item}\n";
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "alertmanager.yml"));
        Assert.Equal(error, e.Detail);
    }

    [Fact]
    public void RejectionNamesFileLineColumnAndKey()
    {
        const string yaml = "route:\n  receiver: a\nreceivers:\n- name: a\n  slack_configs:\n  - channel: '#x'\n    titel: typo\n";
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "/etc/am/alertmanager.yml"));
        Assert.Equal(("/etc/am/alertmanager.yml", 7, 5, "receivers[0].slack_configs[0].titel"), (e.File, e.Line, e.Column, e.Key));
        Assert.Equal("/etc/am/alertmanager.yml:7:5: receivers[0].slack_configs[0].titel: yaml: unmarshal errors:\n  line 7: field titel not found in type config.plain", e.Message);
    }

    [Fact]
    public void LoadReadsTheFileAndReportsItsPath()
    {
        var path = AlertmanagerTestData.WriteTemp("route:\n  receiver: missing\nreceivers:\n- name: a\n");
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Load(path));
        Assert.Equal(path, e.File);
        Assert.Equal("undefined receiver \"missing\" used in route", e.Detail);
        Assert.Equal("route.receiver", e.Key);
    }

    [Fact]
    public void LoadResolvesRelativeHttpConfigFilesAgainstTheConfigFolderLikeAlertmanager()
    {
        var path = AlertmanagerTestData.WriteTemp("""
            global:
              http_config:
                tls_config: {ca_file: certs/ca.pem}
            route:
              receiver: a
            receivers:
            - name: a
              webhook_configs:
              - url: http://localhost:9000/hook
                http_config:
                  authorization: {credentials_file: secrets/token}
              slack_configs:
              - api_url_file: /run/secrets/slack
                http_config:
                  basic_auth: {username: u, password_file: /abs/password}
            """);
        var dir = Path.GetDirectoryName(path)!;
        var cfg = AlertmanagerConfigLoader.Load(path);
        Assert.Equal(Path.Combine(dir, "certs/ca.pem"), cfg.Global.HttpConfig.TlsConfig.CaFile);
        Assert.Equal(Path.Combine(dir, "secrets/token"), cfg.Receivers[0].WebhookConfigs[0].HttpConfig.Authorization!.CredentialsFile);
        Assert.Equal("/abs/password", cfg.Receivers[0].SlackConfigs[0].HttpConfig.BasicAuth!.PasswordFile);
        Assert.Equal("/run/secrets/slack", cfg.Receivers[0].SlackConfigs[0].ApiUrlFile);
    }

    [Fact]
    public void VictorOpsHasAlertmanagers025DefaultsInheritsGlobalsAndComesBetweenSlackAndTelegram()
    {
        var r = AlertmanagerConfigLoader.Parse("""
            global:
              victorops_api_key: 'global-key'
              victorops_api_url: 'http://victorops.test/alert'
            route:
              receiver: a
            receivers:
              - name: a
                telegram_configs:
                  - bot_token: 't'
                    chat_id: 1
                victorops_configs:
                  - routing_key: 'team-a'
                  - routing_key: 'team-b'
                    api_key_file: '/run/secrets/vo'
                    api_url: 'https://own.example.org/rest/'
                    message_type: WARNING
                    custom_fields:
                      runbook: 'https://runbooks/{{ .CommonLabels.alertname }}'
                slack_configs:
                  - api_url: 'https://hooks.slack.com/x'
            """, "alertmanager.yml").Receivers[0];
        var (a, b) = (r.VictorOpsConfigs[0], r.VictorOpsConfigs[1]);
        Assert.Equal(("global-key", null, "http://victorops.test/alert/", "team-a", true), (a.ApiKey, a.ApiKeyFile, a.ApiUrl, a.RoutingKey, a.SendResolved));
        Assert.Equal(("CRITICAL", "{{ template \"victorops.default.state_message\" . }}"), (a.MessageType, a.StateMessage));
        Assert.Equal("{{ template \"victorops.default.entity_display_name\" . }}", a.EntityDisplayName);
        Assert.Equal("{{ template \"victorops.default.monitoring_tool\" . }}", a.MonitoringTool);
        Assert.Equal((null, "/run/secrets/vo", "https://own.example.org/rest/", "WARNING"), (b.ApiKey, b.ApiKeyFile, b.ApiUrl, b.MessageType));
        Assert.Equal("https://runbooks/{{ .CommonLabels.alertname }}", b.CustomFields["runbook"]);
        Assert.Equal(["slack", "victorops", "victorops", "telegram"], r.Integrations.Select(i => i.Kind));
        Assert.Empty(r.Unsupported);
    }

    [Fact]
    public void VictorOpsDefaultsToTheRestEndpointOfAlertmanager025()
    {
        var c = AlertmanagerConfigLoader.Parse("route:\n  receiver: a\nreceivers:\n  - name: a\n    victorops_configs:\n      - { api_key: k, routing_key: r }\n", "alertmanager.yml").Receivers[0].VictorOpsConfigs.Single();
        Assert.Equal("https://alert.victorops.com/integrations/generic/20131114/alert/", c.ApiUrl);
    }

    // Each message as amtool 0.25 prints it for the same file.
    [Theory]
    [InlineData("- { api_key: k }", "missing Routing key in VictorOps config")]
    [InlineData("- { routing_key: r }", "no global VictorOps API Key set")]
    [InlineData("- { api_key: k, api_key_file: /f, routing_key: r }", "at most one of api_key & api_key_file must be configured")]
    [InlineData("- { api_key: k, api_url: 'ftp://x', routing_key: r }", "unsupported scheme \"ftp\" for URL")]
    [InlineData("- { api_key: k, routing_key: r, custom_fields: { entity_id: x } }", "victorOps config contains custom field entity_id which cannot be used as it conflicts with the fixed/static fields")]
    [InlineData("- { api_key: k, routing_key: r, custom_fields: { message_type: x } }", "victorOps config contains custom field message_type which cannot be used as it conflicts with the fixed/static fields")]
    [InlineData("- { api_key: k, routing_key: r, custom_fields: [a] }", "yaml: unmarshal errors:\n  line 6: cannot unmarshal !!seq into map[string]string")]
    public void VictorOpsRejectsWhatAlertmanager025Rejects(string item, string error)
    {
        var yaml = $"route:\n  receiver: a\nreceivers:\n  - name: a\n    victorops_configs:\n      {item}\n";
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "alertmanager.yml"));
        Assert.Equal(error, e.Detail);
    }

    [Fact]
    public void WebexHasAlertmanagers025DefaultsUsesTheGlobalUrlAndComesBetweenDiscordAndMsTeams()
    {
        var r = AlertmanagerConfigLoader.Parse("""
            global:
              webex_api_url: 'http://webex.test/v1/messages'
            route:
              receiver: a
            receivers:
              - name: a
                msteams_configs:
                  - webhook_url: 'https://example.webhook.office.com/webhookb2/x'
                webex_configs:
                  - room_id: 'room-1'
                    http_config:
                      authorization:
                        credentials: 'bot-token'
                  - room_id: 'room-2'
                    api_url: 'https://own.example.org/messages'
                    message: '{{ .CommonLabels.alertname }}'
                    send_resolved: false
                    http_config:
                      authorization:
                        credentials_file: '/run/secrets/webex'
                discord_configs:
                  - webhook_url: 'https://discord.com/api/webhooks/1/t'
            """, "alertmanager.yml").Receivers[0];
        var (a, b) = (r.WebexConfigs[0], r.WebexConfigs[1]);
        Assert.Equal(("http://webex.test/v1/messages", "room-1", true), (a.ApiUrl, a.RoomId, a.SendResolved));
        Assert.Equal("{{ template \"webex.default.message\" . }}", a.Message);
        Assert.Equal(("Bearer", "bot-token"), (a.HttpConfig.Authorization!.Type, a.HttpConfig.Authorization.Credentials));
        Assert.Equal(("https://own.example.org/messages", "room-2", false), (b.ApiUrl, b.RoomId, b.SendResolved));
        Assert.Equal("/run/secrets/webex", b.HttpConfig.Authorization!.CredentialsFile);
        Assert.Equal(["discord", "webex", "webex", "msteams"], r.Integrations.Select(i => i.Kind));
        Assert.Empty(r.Unsupported);
    }

    [Fact]
    public void WebexDefaultsToTheMessagesApiAndAcceptsAnEmptyAuthorizationLikeAlertmanager025()
    {
        var c = AlertmanagerConfigLoader.Parse("route:\n  receiver: a\nreceivers:\n  - name: a\n    webex_configs:\n      - { room_id: r, http_config: { authorization: {} } }\n", "alertmanager.yml").Receivers[0].WebexConfigs.Single();
        Assert.Equal("https://webexapis.com/v1/messages", c.ApiUrl);
    }

    // Each message as amtool 0.25 prints it for the same file.
    [Theory]
    [InlineData("- { http_config: { authorization: { credentials: x } } }", "missing room_id on webex_config")]
    [InlineData("- { room_id: r }", "missing webex_configs.http_config.authorization")]
    [InlineData("- { room_id: r, http_config: { basic_auth: { username: u, password: p } } }", "missing webex_configs.http_config.authorization")]
    [InlineData("- { room_id: r, api_url: 'ftp://x', http_config: { authorization: { credentials: x } } }", "unsupported scheme \"ftp\" for URL")]
    [InlineData("- { room_id: r, title: t, http_config: { authorization: { credentials: x } } }", "yaml: unmarshal errors:\n  line 6: field title not found in type config.plain")]
    public void WebexRejectsWhatAlertmanager025Rejects(string item, string error)
    {
        var yaml = $"route:\n  receiver: a\nreceivers:\n  - name: a\n    webex_configs:\n      {item}\n";
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "alertmanager.yml"));
        Assert.Equal(error, e.Detail);
    }

    [Fact]
    public void PushoverHasAlertmanagers025DefaultsAndComesBetweenVictorOpsAndTelegram()
    {
        var r = AlertmanagerConfigLoader.Parse("""
            route:
              receiver: a
            receivers:
              - name: a
                telegram_configs:
                  - bot_token: 't'
                    chat_id: 1
                pushover_configs:
                  - user_key: 'user'
                    token: 'app'
                  - user_key_file: '/run/secrets/user'
                    token_file: '/run/secrets/app'
                    priority: '1'
                    retry: 30s
                    expire: 2h
                    html: true
                    sound: siren
                    url_title: Console
                victorops_configs:
                  - api_key: k
                    routing_key: r
            """, "alertmanager.yml").Receivers[0];
        var (a, b) = (r.PushoverConfigs[0], r.PushoverConfigs[1]);
        Assert.Equal(("user", "app", true), (a.UserKey, a.Token, a.SendResolved));
        Assert.Equal("{{ template \"pushover.default.title\" . }}", a.Title);
        Assert.Equal("{{ template \"pushover.default.message\" . }}", a.Message);
        Assert.Equal("{{ template \"pushover.default.url\" . }}", a.Url);
        Assert.Equal("{{ if eq .Status \"firing\" }}2{{ else }}0{{ end }}", a.Priority);
        Assert.Equal((TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), false), (a.Retry, a.Expire, a.Html));
        Assert.Equal(("/run/secrets/user", "/run/secrets/app", "1"), (b.UserKeyFile, b.TokenFile, b.Priority));
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromHours(2), true, "siren", "Console"), (b.Retry, b.Expire, b.Html, b.Sound, b.UrlTitle));
        Assert.Equal(["victorops", "pushover", "pushover", "telegram"], r.Integrations.Select(i => i.Kind));
        Assert.Empty(r.Unsupported);
    }

    // The first two as amtool 0.25 prints them; the others are later releases' checks of later keys.
    [Theory]
    [InlineData("- { token: t }", "missing user key in Pushover config")]
    [InlineData("- { user_key: u }", "missing token in Pushover config")]
    [InlineData("- { user_key: u, user_key_file: /f, token: t }", "at most one of user_key & user_key_file must be configured")]
    [InlineData("- { user_key: u, token: t, token_file: /f }", "at most one of token & token_file must be configured")]
    [InlineData("- { user_key: u, token: t, html: true, monospace: true }", "at most one of monospace & html must be configured")]
    public void PushoverRejectsWhatAlertmanagerRejects(string item, string error)
    {
        var yaml = $"route:\n  receiver: a\nreceivers:\n  - name: a\n    pushover_configs:\n      {item}\n";
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "alertmanager.yml"));
        Assert.Equal(error, e.Detail);
    }
}
