using Alerting.Core.Alertmanager;
using Alerting.Core.Config;

namespace Alerting.Core.Tests.Alertmanager;

/// <summary><c>rocketchat_configs</c> load with Alertmanager 0.28's keys and defaults (the first release that has them) and fail with its errors.</summary>
public sealed class RocketchatConfigTests
{
    [Fact]
    public void RocketchatHasAlertmanagersDefaultsInheritsGlobalsAndComesBeforeMattermost()
    {
        var cfg = AlertmanagerConfigLoader.Parse("""
            global:
              rocketchat_token_id: gid
              rocketchat_token_file: /run/secrets/rc
            route:
              receiver: a
            receivers:
              - name: a
                mattermost_configs:
                  - webhook_url: 'https://chat.example.com/hooks/abc'
                rocketchat_configs:
                  - channel: '#alerts'
                  - api_url: 'https://rc.example.com/'
                    token: t
                    token_id: i
                    send_resolved: true
                    short_fields: true
                    fields:
                      - { title: a, value: b }
                      - { title: c, value: d, short: false }
                    actions:
                      - { type: button, text: Silence, url: 'http://am/#/silences/new' }
                msteamsv2_configs:
                  - webhook_url: 'https://x.logic.azure.com/workflows/w'
            """, "alertmanager.yml");
        var r = cfg.Receivers[0];
        Assert.Empty(cfg.Unsupported);
        var (a, b) = (r.RocketchatConfigs[0], r.RocketchatConfigs[1]);
        Assert.Equal((RocketchatConfig.DefaultApiUrl, "gid", (string?)null, (string?)null, "/run/secrets/rc", false), (a.ApiUrl, a.TokenId, a.TokenIdFile, a.Token, a.TokenFile, a.SendResolved));
        Assert.Equal("{{ if eq .Status \"firing\" }}red{{ else }}green{{ end }}", a.Color);
        Assert.Equal("{{ template \"rocketchat.default.title\" . }}", a.Title);
        Assert.Equal("{{ template \"rocketchat.default.titlelink\" . }}", a.TitleLink);
        Assert.Equal("{{ template \"rocketchat.default.emoji\" . }}", a.Emoji);
        Assert.Equal(("https://rc.example.com/", "i", "t", true, true), (b.ApiUrl, b.TokenId, b.Token, b.SendResolved, b.ShortFields));
        Assert.Equal([new RocketchatField("a", "b", null), new RocketchatField("c", "d", false)], b.Fields);
        Assert.Equal([new RocketchatAction("Silence", "http://am/#/silences/new", string.Empty)], b.Actions);
        Assert.Equal(["msteamsv2", "rocketchat", "rocketchat", "mattermost"], r.Integrations.Select(i => i.Kind));
    }

    [Theory]
    [InlineData("- { token: t }", "no global Rocketchat TokenID set either inline or in a file")]
    [InlineData("- { token_id: i }", "no global Rocketchat Token set either inline or in a file")]
    [InlineData("- { token_id: i, token: t, token_file: /f }", "at most one of token & token_file must be configured")]
    [InlineData("- { token_id: i, token_id_file: /f, token: t }", "at most one of token_id & token_id_file must be configured")]
    [InlineData("- { token_id: i, token: t, api_url: 'ftp://x' }", "unsupported scheme \"ftp\" for URL")]
    [InlineData("- { token_id: i, token: t, webhook_url: 'http://x' }", "yaml: unmarshal errors:\n  line 6: field webhook_url not found in type config.plain")]
    public void RocketchatRejectsWhatAlertmanagerRejects(string item, string error)
    {
        var yaml = $"route:\n  receiver: a\nreceivers:\n  - name: a\n    rocketchat_configs:\n      {item}\n";
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "alertmanager.yml"));
        Assert.Equal(error, e.Detail);
    }

    [Fact]
    public void Tokens_are_secrets_shown_masked()
    {
        const string yaml = "global:\n  rocketchat_token: GLOBAL-TOKEN\n  rocketchat_token_id: GLOBAL-ID\nroute:\n  receiver: a\nreceivers:\n  - name: a\n    rocketchat_configs:\n      - token: RC-TOKEN\n        token_id: RC-ID\n        channel: '#shown'\n";
        var masked = ConfigSecrets.Mask(yaml);
        foreach (var secret in new[] { "GLOBAL-TOKEN", "GLOBAL-ID", "RC-TOKEN", "RC-ID" })
        {
            Assert.DoesNotContain(secret, masked, StringComparison.Ordinal);
        }
        Assert.Contains("channel: '#shown'", masked, StringComparison.Ordinal);
        Assert.Equal(ConfigSecrets.Token, AlertmanagerConfigLoader.Parse(masked, "alertmanager.yml").Receivers[0].RocketchatConfigs.Single().Token);
    }
}
