using Alerting.Core.Alertmanager;

namespace Alerting.Core.Tests.Alertmanager;

/// <summary>
/// <c>GET /api/v2/status</c> shows the config with Alertmanager's secrets replaced by
/// <c>&lt;secret&gt;</c>, and the result still loads (amtool reads it back for <c>config routes test</c>).
/// </summary>
public sealed class ConfigSecretsTests
{
    /// <summary>Every secret field of Alertmanager 0.25, each with a value that must not be shown.</summary>
    internal const string EverySecret = """
        global:
          smtp_smarthost: 'localhost:25'
          smtp_from: 'am@example.org'
          smtp_auth_username: user
          smtp_auth_password: "SECRET-1"   # a comment stays
          slack_api_url: 'https://hooks.slack.com/SECRET-2'
          opsgenie_api_key: SECRET-3
          wechat_api_secret: SECRET-4
          victorops_api_key: SECRET-5
          http_config:
            basic_auth: {username: u, password: SECRET-6}
        route:
          receiver: all
        receivers:
          - name: all
            email_configs:
              - to: a@example.org
                auth_password: SECRET-7
                auth_secret: SECRET-8
            pagerduty_configs:
              - routing_key: SECRET-9
              - service_key: SECRET-10
            slack_configs:
              - api_url: https://hooks.slack.com/SECRET-11
                channel: '#x'
                http_config:
                  authorization:
                    credentials: SECRET-12
            opsgenie_configs:
              - api_key: SECRET-13
                api_url: https://api.opsgenie.com/
            victorops_configs:
              - api_key: SECRET-14
                routing_key: team
            wechat_configs:
              - api_secret: SECRET-15
                corp_id: corp
            pushover_configs:
              - user_key: SECRET-16
                token: SECRET-17
            telegram_configs:
              - bot_token: SECRET-18
                chat_id: 1
            webhook_configs:
              - url: http://hook.example.org/visible
                http_config:
                  bearer_token: SECRET-19
              - url: http://hook.example.org/other
                http_config:
                  oauth2:
                    client_id: id
                    client_secret: SECRET-20
                    token_url: http://token.example.org/
            sns_configs:
              - topic_arn: arn:aws:sns:us-east-1:123456789012:t
                sigv4:
                  region: us-east-1
                  access_key: visible-access-key
                  secret_key: SECRET-21
            discord_configs:
              - webhook_url: https://discord.example.org/SECRET-22
            webex_configs:
              - room_id: room
                http_config:
                  authorization:
                    credentials: |
                      SECRET-23
                api_url: https://webexapis.com/v1/messages
        """;

    [Fact]
    public void Every_secret_is_masked_and_everything_else_is_kept()
    {
        var masked = ConfigSecrets.Mask(EverySecret);

        Assert.DoesNotContain("SECRET-", masked, StringComparison.Ordinal);
        Assert.Equal(23, masked.Split("<secret>").Length - 1);
        foreach (var kept in new[] { "# a comment stays", "http://hook.example.org/visible", "visible-access-key", "https://api.opsgenie.com/", "routing_key: team", "username: u" })
        {
            Assert.Contains(kept, masked, StringComparison.Ordinal);
        }
        // Only the secret values changed: every other line is still there as written.
        var lines = masked.Split('\n').ToHashSet(StringComparer.Ordinal);
        Assert.All(EverySecret.Split('\n').Where(l => !l.Contains("SECRET-", StringComparison.Ordinal) && !l.EndsWith('|')), l => Assert.Contains(l, lines));
    }

    [Fact]
    public void A_config_without_secrets_is_returned_unchanged()
    {
        const string yaml = "route:\n  receiver: a\nreceivers:\n  - name: a\n    webhook_configs:\n      - url: http://x/\n";
        Assert.Same(yaml, ConfigSecrets.Mask(yaml));
    }

    [Fact]
    public void An_aliased_secret_is_masked_where_the_anchor_is_defined()
    {
        const string yaml = "x: &key SECRET-1\nroute:\n  receiver: a\nreceivers:\n  - name: a\n    pagerduty_configs:\n      - routing_key: *key\n";
        Assert.DoesNotContain("SECRET-1", ConfigSecrets.Mask(yaml), StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_is_not_yaml_shows_nothing()
    {
        Assert.Equal("<secret>", ConfigSecrets.Mask("route: [unclosed\n  password: SECRET"));
    }

    [AmtoolFact]
    public void The_masked_config_still_loads_in_amtool_and_in_our_loader()
    {
        var path = AlertmanagerTestData.WriteTemp(ConfigSecrets.Mask(EverySecret));
        var (exit, stdout, stderr) = AlertmanagerTestData.RunAmtool(Path.GetDirectoryName(path)!, "check-config", path);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Equal("all", AlertmanagerConfigLoader.Load(path).Receivers.Single().Name);
    }

    [AmtoolFact]
    public void Every_fixture_amtool_accepts_still_loads_after_masking()
    {
        var failures = new List<string>();
        foreach (var fixture in Directory.GetFiles(AlertmanagerTestData.FixtureDir, "*.yml").Order(StringComparer.Ordinal))
        {
            var dir = Path.GetDirectoryName(fixture)!;
            if (AlertmanagerTestData.RunAmtool(dir, "check-config", fixture).ExitCode != 0)
            {
                continue;
            }
            var masked = AlertmanagerTestData.WriteTemp(ConfigSecrets.Mask(File.ReadAllText(fixture)));
            var (exit, stdout, stderr) = AlertmanagerTestData.RunAmtool(dir, "check-config", masked);
            if (exit != 0)
            {
                failures.Add($"{Path.GetFileName(fixture)}: {stdout}{stderr}");
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }
}
