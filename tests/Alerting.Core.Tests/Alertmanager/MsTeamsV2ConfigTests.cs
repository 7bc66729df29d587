using Alerting.Core.Alertmanager;
using Alerting.Core.Config;

namespace Alerting.Core.Tests.Alertmanager;

/// <summary><c>msteamsv2_configs</c> load with Alertmanager 0.28's defaults (the first release that has them) and fail with its errors.</summary>
public sealed class MsTeamsV2ConfigTests
{
    [Fact]
    public void MsTeamsV2HasAlertmanagersDefaultsInheritsGlobalHttpConfigAndComesAfterMsTeams()
    {
        var cfg = AlertmanagerConfigLoader.Parse("""
            global:
              http_config: { enable_http2: false }
            route:
              receiver: a
            receivers:
              - name: a
                msteamsv2_configs:
                  - webhook_url: 'https://prod-01.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=s'
                  - webhook_url_file: /run/secrets/teams
                    send_resolved: false
                    title: 'T {{ .Status }}'
                    text: 'x'
                    http_config: { follow_redirects: false }
                msteams_configs:
                  - webhook_url: 'https://example.webhook.office.com/webhookb2/x'
                wechat_configs:
                  - { api_secret: s, corp_id: c }
            """, "alertmanager.yml");
        var r = cfg.Receivers[0];
        Assert.Empty(cfg.Unsupported);
        var (a, b) = (r.MsTeamsV2Configs[0], r.MsTeamsV2Configs[1]);
        Assert.StartsWith("https://prod-01.westeurope.logic.azure.com:443/workflows/abc/", a.WebhookUrl, StringComparison.Ordinal);
        Assert.Equal((null, true), (a.WebhookUrlFile, a.SendResolved));
        Assert.Equal("{{ template \"msteamsv2.default.title\" . }}", a.Title);
        Assert.Equal("{{ template \"msteamsv2.default.text\" . }}", a.Text);
        Assert.False(a.HttpConfig.EnableHttp2);
        Assert.Equal((null, "/run/secrets/teams", false, "T {{ .Status }}", "x"), (b.WebhookUrl, b.WebhookUrlFile, b.SendResolved, b.Title, b.Text));
        Assert.True(b.HttpConfig.EnableHttp2);
        Assert.False(b.HttpConfig.FollowRedirects);
        Assert.Equal(["wechat", "msteams", "msteamsv2", "msteamsv2"], r.Integrations.Select(i => i.Kind));
    }

    [Theory]
    [InlineData("- {}", "one of webhook_url or webhook_url_file must be configured")]
    [InlineData("- { webhook_url: 'http://x/y', webhook_url_file: /f }", "at most one of webhook_url & webhook_url_file must be configured")]
    [InlineData("- { webhook_url: 'ftp://x' }", "unsupported scheme \"ftp\" for URL")]
    [InlineData("- { webhook_url: 'http://x/y', text: [a] }", "yaml: unmarshal errors:\n  line 6: cannot unmarshal !!seq into string")]
    [InlineData("- { webhook_url: 'http://x/y', summary: hi }", "yaml: unmarshal errors:\n  line 6: field summary not found in type config.plain")]
    public void MsTeamsV2RejectsWhatAlertmanagerRejects(string item, string error)
    {
        var yaml = $"route:\n  receiver: a\nreceivers:\n  - name: a\n    msteamsv2_configs:\n      {item}\n";
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "alertmanager.yml"));
        Assert.Equal(error, e.Detail);
    }

    [Fact]
    public void The_webhook_url_is_a_secret_shown_masked_and_the_masked_config_still_loads()
    {
        const string yaml = "route:\n  receiver: a\nreceivers:\n  - name: a\n    msteamsv2_configs:\n      - webhook_url: 'https://x.logic.azure.com/workflows/w?sig=SECRET-SIG'\n        title: shown\n";
        var masked = ConfigSecrets.Mask(yaml);
        Assert.DoesNotContain("SECRET-SIG", masked, StringComparison.Ordinal);
        Assert.Contains("title: shown", masked, StringComparison.Ordinal);
        Assert.Equal(ConfigSecrets.Token, AlertmanagerConfigLoader.Parse(masked, "alertmanager.yml").Receivers[0].MsTeamsV2Configs.Single().WebhookUrl);
    }
}
