using Alerting.Core.Alertmanager;
using Alerting.Core.Config;

namespace Alerting.Core.Tests.Alertmanager;

/// <summary><c>wechat_configs</c> load with Alertmanager 0.25's defaults and fail with its errors (checked with amtool 0.25).</summary>
public sealed class WeChatConfigTests
{
    private static Receiver Load(string items, string global = "") =>
        AlertmanagerConfigLoader.Parse($"{global}route:\n  receiver: a\nreceivers:\n  - name: a\n{items}", "alertmanager.yml").Receivers[0];

    [Fact]
    public void WeChatHasAlertmanagersDefaultsTakesGlobalsAndComesBetweenOpsGenieAndSlack()
    {
        var r = Load("""
                slack_configs:
                  - api_url: 'https://hooks.slack.com/services/T0/B0/X'
                wechat_configs:
                  - {}
                opsgenie_configs:
                  - api_key: k
            """, """
            global:
              wechat_api_secret: s3cret
              wechat_api_corp_id: corp
              http_config:
                follow_redirects: false

            """);
        var w = Assert.Single(r.WeChatConfigs);
        Assert.False(w.SendResolved);
        Assert.Equal(("s3cret", null, "corp", "https://qyapi.weixin.qq.com/cgi-bin/"), (w.ApiSecret, w.ApiSecretFile, w.CorpId, w.ApiUrl));
        Assert.Equal("{{ template \"wechat.default.message\" . }}", w.Message);
        Assert.Equal("{{ template \"wechat.default.to_user\" . }}", w.ToUser);
        Assert.Equal("{{ template \"wechat.default.to_party\" . }}", w.ToParty);
        Assert.Equal("{{ template \"wechat.default.to_tag\" . }}", w.ToTag);
        Assert.Equal("{{ template \"wechat.default.agent_id\" . }}", w.AgentId);
        Assert.Equal("text", w.MessageType);
        Assert.False(w.HttpConfig.FollowRedirects);
        Assert.Empty(r.Unsupported);
        Assert.Equal(["opsgenie", "wechat", "slack"], r.Integrations.Select(i => i.Kind));
    }

    [Fact]
    public void OwnSettingsWinOverGlobalsAndTheUrlGetsItsTrailingSlash()
    {
        var w = Load("""
                wechat_configs:
                  - api_secret_file: /run/secrets/wechat
                    corp_id: mine
                    api_url: https://wechat.example.org/cgi-bin
                    message_type: markdown
                    to_user: '@all'
                    agent_id: '1000002'
                    send_resolved: true
            """, """
            global:
              wechat_api_url: https://ignored.example.org/
              wechat_api_secret: global
              wechat_api_corp_id: corp

            """).WeChatConfigs.Single();
        Assert.Equal((null, "/run/secrets/wechat", "mine"), (w.ApiSecret, w.ApiSecretFile, w.CorpId));
        Assert.Equal("https://wechat.example.org/cgi-bin/", w.ApiUrl);
        Assert.Equal(("markdown", "@all", "1000002", true), (w.MessageType, w.ToUser, w.AgentId, w.SendResolved));
    }

    [Fact]
    public void TheGlobalUrlAndSecretFileAreInherited()
    {
        var w = Load("    wechat_configs:\n      - {}\n", "global:\n  wechat_api_url: https://wx.example.org\n  wechat_api_secret_file: /s\n  wechat_api_corp_id: c\n").WeChatConfigs.Single();
        Assert.Equal(("https://wx.example.org/", null, "/s"), (w.ApiUrl, w.ApiSecret, w.ApiSecretFile));
    }

    [Theory]
    [InlineData("- {}", "", "no global Wechat ApiSecret set")]
    [InlineData("- { api_secret: s }", "", "no global Wechat CorpID set")]
    [InlineData("- { corp_id: c }", "global:\n  wechat_api_corp_id: c\n", "no global Wechat ApiSecret set")]
    [InlineData("- { api_secret: s, corp_id: c, message_type: html }", "", "weChat message type \"html\" does not match valid options ^(text|markdown)$")]
    [InlineData("- { api_secret: s, corp_id: c, api_url: 'ftp://x/' }", "", "unsupported scheme \"ftp\" for URL")]
    [InlineData("- { api_secret: s, api_secret_file: /f, corp_id: c }", "", "at most one of api_secret & api_secret_file must be configured")]
    public void WeChatRejectsWhatAlertmanagerRejects(string item, string global, string error)
    {
        var e = Assert.Throws<ConfigException>(() => Load($"    wechat_configs:\n      {item}\n", global));
        Assert.Equal(error, e.Detail);
    }

    [Fact]
    public void AnEmptyMessageTypeMeansText()
    {
        var w = Load("    wechat_configs:\n      - { api_secret: s, corp_id: c, message_type: '' }\n").WeChatConfigs.Single();
        Assert.Equal("text", w.MessageType);
    }
}
