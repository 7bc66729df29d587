using Alerting.Core.Alertmanager;
using Alerting.Core.Config;

namespace Alerting.Core.Tests.Alertmanager;

/// <summary><c>sns_configs</c> load with Alertmanager 0.25's keys and defaults and fail with its errors (checked with amtool 0.25).</summary>
public sealed class SnsConfigTests
{
    [Fact]
    public void Sns_has_alertmanagers_defaults_keeps_sigv4_and_attributes_and_comes_after_pushover()
    {
        var cfg = AlertmanagerConfigLoader.Parse("""
            global:
              http_config: { follow_redirects: false }
            route:
              receiver: a
            receivers:
              - name: a
                telegram_configs:
                  - { bot_token: t, chat_id: 1 }
                sns_configs:
                  - topic_arn: 'arn:aws:sns:us-east-1:123456789012:alerts'
                    sigv4: { region: us-east-1, access_key: AKID, secret_key: SECRET }
                  - phone_number: '+15555550100'
                    api_url: 'http://sns.local:4566'
                    send_resolved: false
                    subject: 'S {{ .Status }}'
                    message: 'M'
                    attributes: { severity: '{{ .CommonLabels.severity }}', team: ops }
                    sigv4: { region: eu-west-1, profile: p, role_arn: 'arn:aws:iam::123456789012:role/r' }
                    http_config: { enable_http2: false }
                pushover_configs:
                  - { user_key: u, token: t }
            """, "alertmanager.yml");
        var r = cfg.Receivers[0];
        Assert.Empty(cfg.Unsupported);
        var (a, b) = (r.SnsConfigs[0], r.SnsConfigs[1]);
        Assert.True(a.SendResolved);
        Assert.Equal(("arn:aws:sns:us-east-1:123456789012:alerts", "", "", ""), (a.TopicArn, a.PhoneNumber, a.TargetArn, a.ApiUrl));
        Assert.Equal(("{{ template \"sns.default.subject\" . }}", "{{ template \"sns.default.message\" . }}"), (a.Subject, a.Message));
        Assert.Equal(new SnsSigV4 { Region = "us-east-1", AccessKey = "AKID", SecretKey = "SECRET" }, a.Sigv4);
        Assert.Empty(a.Attributes);
        Assert.False(a.HttpConfig.FollowRedirects);
        Assert.False(b.SendResolved);
        Assert.Equal(("+15555550100", "http://sns.local:4566", "S {{ .Status }}", "M"), (b.PhoneNumber, b.ApiUrl, b.Subject, b.Message));
        Assert.Equal(("eu-west-1", "p", "arn:aws:iam::123456789012:role/r"), (b.Sigv4.Region, b.Sigv4.Profile, b.Sigv4.RoleArn));
        Assert.Equal(new Dictionary<string, string> { ["severity"] = "{{ .CommonLabels.severity }}", ["team"] = "ops" }, b.Attributes);
        Assert.True(b.HttpConfig.FollowRedirects);
        Assert.False(b.HttpConfig.EnableHttp2);
        Assert.Equal(["pushover", "sns", "sns", "telegram"], r.Integrations.Select(i => i.Kind));
    }

    [Fact]
    public void All_three_destinations_together_pass_as_0_25s_left_to_right_check_lets_them()
    {
        var c = AlertmanagerConfigLoader.Parse("route:\n  receiver: a\nreceivers:\n  - name: a\n    sns_configs:\n      - { topic_arn: a, phone_number: b, target_arn: c }\n", "alertmanager.yml")
            .Receivers[0].SnsConfigs.Single();
        Assert.Equal(("a", "b", "c"), (c.TopicArn, c.PhoneNumber, c.TargetArn));
    }

    [Theory]
    [InlineData("- { subject: s }", "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config")]
    [InlineData("- { topic_arn: a, phone_number: b }", "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config")]
    [InlineData("- { topic_arn: a, sigv4: { access_key: k } }", "must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config")]
    [InlineData("- { topic_arn: a, sigv4: { region: r, secret_key: [x] } }", "yaml: unmarshal errors:\n  line 6: cannot unmarshal !!seq into config.plain")]
    [InlineData("- { topic_arn: a, attributes: [x] }", "yaml: unmarshal errors:\n  line 6: cannot unmarshal !!seq into map[string]string")]
    [InlineData("- { topic_arn: a, sigv4: { regio: x } }", "yaml: unmarshal errors:\n  line 6: field regio not found in type sigv4.plain")]
    [InlineData("- { topic_arn: a, foo: x }", "yaml: unmarshal errors:\n  line 6: field foo not found in type config.plain")]
    public void Sns_rejects_what_alertmanager_0_25_rejects(string item, string error)
    {
        var yaml = $"route:\n  receiver: a\nreceivers:\n  - name: a\n    sns_configs:\n      {item}\n";
        var e = Assert.Throws<ConfigException>(() => AlertmanagerConfigLoader.Parse(yaml, "alertmanager.yml"));
        Assert.Equal(error, e.Detail);
    }

    [Fact]
    public void The_secret_key_is_shown_masked_and_the_masked_config_still_loads()
    {
        const string yaml = "route:\n  receiver: a\nreceivers:\n  - name: a\n    sns_configs:\n      - topic_arn: t\n        sigv4: { region: us-east-1, access_key: AKID-SHOWN, secret_key: AWS-SECRET }\n";
        var masked = ConfigSecrets.Mask(yaml);
        Assert.DoesNotContain("AWS-SECRET", masked, StringComparison.Ordinal);
        Assert.Contains("AKID-SHOWN", masked, StringComparison.Ordinal);
        Assert.Equal(ConfigSecrets.Token, AlertmanagerConfigLoader.Parse(masked, "alertmanager.yml").Receivers[0].SnsConfigs.Single().Sigv4.SecretKey);
    }
}
