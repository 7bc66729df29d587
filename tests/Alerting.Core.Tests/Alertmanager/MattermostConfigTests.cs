using Alerting.Core.Alertmanager;
using Alerting.Core.Config;

namespace Alerting.Core.Tests.Alertmanager;

/// <summary><c>mattermost_configs</c> load with Alertmanager 0.30's keys and defaults (the first release that has them) and fail with its errors.</summary>
public sealed class MattermostConfigTests
{
    [Fact]
    public void MattermostHasAlertmanagersDefaultsParsesAttachmentsAndComesLast()
    {
        var cfg = AlertmanagerConfigLoader.Parse("""
            global:
              http_config: { enable_http2: false }
            route:
              receiver: a
            receivers:
              - name: a
                mattermost_configs:
                  - webhook_url: 'https://chat.example.com/hooks/abc'
                  - webhook_url_file: /run/secrets/mm
                    send_resolved: false
                    channel: alerts
                    username: '{{ .Status }}'
                    text: 'x'
                    icon_url: 'https://i/x.png'
                    icon_emoji: ':fire:'
                    type: custom_alert
                    props: { card: 'card {{ .Status }}' }
                    priority: { priority: urgent, requested_ack: true, persistent_notifications: true }
                    attachments:
                      - title: T
                        color: danger
                        fields:
                          - { title: a, value: b, short: false }
                          - { title: c, value: d }
                    http_config: { follow_redirects: false }
                msteamsv2_configs:
                  - webhook_url: 'https://x.logic.azure.com/workflows/w'
                webhook_configs:
                  - url: 'http://hook/'
            """, "alertmanager.yml");
        var r = cfg.Receivers[0];
        Assert.Empty(cfg.Unsupported);
        var (a, b) = (r.MattermostConfigs[0], r.MattermostConfigs[1]);
        Assert.Equal(("https://chat.example.com/hooks/abc", (string?)null, true), (a.WebhookUrl, a.WebhookUrlFile, a.SendResolved));
        Assert.Equal("{{ template \"mattermost.default.text\" . }}", a.Text);
        Assert.Equal((string.Empty, string.Empty, string.Empty, string.Empty, null), (a.Channel, a.Username, a.Type, a.Card, a.Priority));
        Assert.Empty(a.Attachments);
        Assert.False(a.HttpConfig.EnableHttp2);
        Assert.Equal(((string?)null, "/run/secrets/mm", false, "alerts", "{{ .Status }}", "x"), (b.WebhookUrl, b.WebhookUrlFile, b.SendResolved, b.Channel, b.Username, b.Text));
        Assert.Equal(("https://i/x.png", ":fire:", "custom_alert", "card {{ .Status }}"), (b.IconUrl, b.IconEmoji, b.Type, b.Card));
        Assert.Equal(new MattermostPriority("urgent", true, true), b.Priority);
        var att = Assert.Single(b.Attachments);
        Assert.Equal(("T", "danger"), (att.Title, att.Color));
        Assert.Equal([new MattermostField("a", "b", false), new MattermostField("c", "d", null)], att.Fields);
        Assert.False(b.HttpConfig.FollowRedirects);
        Assert.True(b.HttpConfig.EnableHttp2);
        Assert.Equal(["webhook", "msteamsv2", "mattermost", "mattermost"], r.Integrations.Select(i => i.Kind));
    }

    [Fact]
    public void Without_its_own_url_an_integration_uses_the_global_webhook_url()
    {
        var cfg = AlertmanagerConfigLoader.Parse("""
            global:
              mattermost_webhook_url: 'https://chat.example.com/hooks/global'
            route:
              receiver: a
            receivers:
              - name: a
                mattermost_configs:
                  - channel: alerts
            """, "alertmanager.yml");
        Assert.Equal("https://chat.example.com/hooks/global", cfg.Receivers[0].MattermostConfigs.Single().WebhookUrl);
    }

    [Theory]
    [InlineData("- { channel: x }", "no global Mattermost Webhook URL set either inline or in a file")]
    [InlineData("- { webhook_url: 'http://x/y', webhook_url_file: /f }", "at most one of webhook_url & webhook_url_file must be configured")]
    [InlineData("- { webhook_url: 'ftp://x' }", "unsupported scheme \"ftp\" for URL")]
    [InlineData("- { webhook_url: 'http://x/y', text: [a] }", "yaml: unmarshal errors:\n  line 6: cannot unmarshal !!seq into string")]
    [InlineData("- { webhook_url: 'http://x/y', title: hi }", "yaml: unmarshal errors:\n  line 6: field title not found in type config.plain")]
    [InlineData("- { webhook_url: 'http://x/y', attachments: [{ fields: [{ value: v }] }] }", "missing title in Mattermost field configuration")]
    [InlineData("- { webhook_url: 'http://x/y', attachments: [{ fields: [{ title: t }] }] }", "missing value in Mattermost field configuration")]
    [InlineData("- { webhook_url: 'http://x/y', priority: { level: high } }", "yaml: unmarshal errors:\n  line 6: field level not found in type config.MattermostPriority")]
    [InlineData("- { webhook_url: 'http://x/y', attachments: [{ colour: red }] }", "yaml: unmarshal errors:\n  line 6: field colour not found in type config.MattermostAttachment")]
    public void MattermostRejectsWhatAlertmanagerRejects(string item, string error)
    {
        var yaml = $"route:\n  receiver: a\nreceivers:\n  - name: a\n    mattermost_configs:\n      {item}\n";
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "alertmanager.yml"));
        Assert.Equal(error, e.Detail);
    }

    [Fact]
    public void The_webhook_url_is_a_secret_shown_masked_and_the_masked_config_still_loads()
    {
        const string yaml = "global:\n  mattermost_webhook_url: 'https://chat.example.com/hooks/GLOBAL-SECRET'\nroute:\n  receiver: a\nreceivers:\n  - name: a\n    mattermost_configs:\n      - webhook_url: 'https://chat.example.com/hooks/HOOK-SECRET'\n        channel: shown\n";
        var masked = ConfigSecrets.Mask(yaml);
        Assert.DoesNotContain("HOOK-SECRET", masked, StringComparison.Ordinal);
        Assert.DoesNotContain("GLOBAL-SECRET", masked, StringComparison.Ordinal);
        Assert.Contains("channel: shown", masked, StringComparison.Ordinal);
        Assert.Equal(ConfigSecrets.Token, AlertmanagerConfigLoader.Parse(masked, "alertmanager.yml").Receivers[0].MattermostConfigs.Single().WebhookUrl);
    }
}
