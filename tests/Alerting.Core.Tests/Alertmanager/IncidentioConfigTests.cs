using Alerting.Core.Alertmanager;
using Alerting.Core.Config;

namespace Alerting.Core.Tests.Alertmanager;

/// <summary><c>incidentio_configs</c> load with Alertmanager 0.29's keys and defaults (the first release that has them) and fail with its errors.</summary>
public sealed class IncidentioConfigTests
{
    [Fact]
    public void Incidentio_has_alertmanagers_defaults_and_comes_after_msteamsv2_before_rocketchat()
    {
        var cfg = AlertmanagerConfigLoader.Parse("""
            global:
              http_config: { follow_redirects: false }
            route:
              receiver: a
            receivers:
              - name: a
                rocketchat_configs:
                  - { token: t, token_id: i, channel: c }
                incidentio_configs:
                  - url: 'https://api.incident.io/v2/alert_events/alertmanager/01ABC'
                    alert_source_token: tok
                  - url_file: /run/secrets/incidentio-url
                    alert_source_token_file: /run/secrets/incidentio-token
                    max_alerts: 5
                    timeout: 30s
                    send_resolved: false
                    http_config: { enable_http2: false }
                  - url: 'https://api.incident.io/v2/alert_events/alertmanager/01ABC'
                    http_config: { authorization: { credentials: bearer } }
                msteamsv2_configs:
                  - webhook_url: 'https://x.logic.azure.com/workflows/w'
            """, "alertmanager.yml");
        var r = cfg.Receivers[0];
        Assert.Empty(cfg.Unsupported);
        var (a, b, c) = (r.IncidentioConfigs[0], r.IncidentioConfigs[1], r.IncidentioConfigs[2]);
        Assert.Equal(("https://api.incident.io/v2/alert_events/alertmanager/01ABC", (string?)null, "tok", true, 0L, (TimeSpan?)null), (a.Url, a.UrlFile, a.AlertSourceToken, a.SendResolved, a.MaxAlerts, a.Timeout));
        Assert.False(a.HttpConfig.FollowRedirects);
        Assert.Equal(((string?)null, "/run/secrets/incidentio-url", "/run/secrets/incidentio-token", false, 5L, (TimeSpan?)TimeSpan.FromSeconds(30)),
            (b.Url, b.UrlFile, b.AlertSourceTokenFile, b.SendResolved, b.MaxAlerts, b.Timeout));
        Assert.False(b.HttpConfig.EnableHttp2);
        Assert.Equal("bearer", c.HttpConfig.Authorization!.Credentials);
        Assert.Equal(["msteamsv2", "incidentio", "incidentio", "incidentio", "rocketchat"], r.Integrations.Select(i => i.Kind));
    }

    [Theory]
    [InlineData("- { alert_source_token: t }", "one of url or url_file must be configured")]
    [InlineData("- { url: 'http://x/y', url_file: /f, alert_source_token: t }", "at most one of url & url_file must be configured")]
    [InlineData("- { url: 'http://x/y', alert_source_token: t, alert_source_token_file: /f }", "at most one of alert_source_token & alert_source_token_file must be configured")]
    [InlineData("- { url: 'http://x/y', alert_source_token: t, http_config: { authorization: { credentials: c } } }", "cannot specify alert_source_token or alert_source_token_file when using http_config.authorization")]
    [InlineData("- { url: 'http://x/y', http_config: { follow_redirects: false } }", "at least one of alert_source_token, alert_source_token_file or http_config.authorization must be configured")]
    [InlineData("- { url: 'ftp://x', alert_source_token: t }", "unsupported scheme \"ftp\" for URL")]
    [InlineData("- { url: 'http://x/y', max_alerts: -1 }", "yaml: unmarshal errors:\n  line 6: cannot unmarshal !!int `-1` into uint64")]
    [InlineData("- { url: 'http://x/y', alert_source_config_id: x }", "yaml: unmarshal errors:\n  line 6: field alert_source_config_id not found in type config.plain")]
    public void Incidentio_rejects_what_alertmanager_rejects(string item, string error)
    {
        var yaml = $"route:\n  receiver: a\nreceivers:\n  - name: a\n    incidentio_configs:\n      {item}\n";
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "alertmanager.yml"));
        Assert.Equal(error, e.Detail);
    }

    [Fact]
    public void Without_a_token_or_http_config_the_config_loads_as_alertmanager_lets_it()
    {
        var c = AlertmanagerConfigLoader.Parse("route:\n  receiver: a\nreceivers:\n  - name: a\n    incidentio_configs:\n      - url: 'http://x/y'\n", "alertmanager.yml")
            .Receivers[0].IncidentioConfigs.Single();
        Assert.Equal(("http://x/y", (string?)null, (string?)null), (c.Url, c.AlertSourceToken, c.AlertSourceTokenFile));
    }

    [Fact]
    public void The_alert_source_token_is_shown_masked_and_the_masked_config_still_loads()
    {
        const string yaml = "route:\n  receiver: a\nreceivers:\n  - name: a\n    incidentio_configs:\n      - url: 'https://api.incident.io/v2/alert_events/alertmanager/SHOWN'\n        alert_source_token: INC-SECRET\n";
        var masked = ConfigSecrets.Mask(yaml);
        Assert.DoesNotContain("INC-SECRET", masked, StringComparison.Ordinal);
        Assert.Contains("SHOWN", masked, StringComparison.Ordinal);
        Assert.Equal(ConfigSecrets.Token, AlertmanagerConfigLoader.Parse(masked, "alertmanager.yml").Receivers[0].IncidentioConfigs.Single().AlertSourceToken);
    }
}
