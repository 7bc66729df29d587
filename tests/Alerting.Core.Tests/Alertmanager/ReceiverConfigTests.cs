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
            telegram_configs:
              - bot_token: 't'
                chat_id: 42
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
    public void IntegrationsWeDoNotDeliverAreListedAsUnsupported()
    {
        Assert.Equal(["opsgenie_configs", "telegram_configs"], R.Unsupported);
        var cfg = AlertmanagerConfigLoader.Parse(Config, "receivers.yml");
        Assert.Equal(["everything: opsgenie_configs", "everything: telegram_configs"], cfg.Unsupported);
        var opsgenie = cfg.UnsupportedIntegrations[0];
        Assert.Equal(("receivers.yml", 55, "receivers[0].opsgenie_configs"), (opsgenie.File, opsgenie.Line, opsgenie.Key));
        Assert.Equal("receivers.yml:55: receivers[0].opsgenie_configs: receiver \"everything\" uses opsgenie_configs, which Alerting.Functions does not deliver", opsgenie.ToString());
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
}
