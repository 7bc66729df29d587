using System.Text;
using Alerting.DemoFleet;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.EndToEnd;

/// <summary>A template that fails at render time never loses the notification.</summary>
public sealed class TemplateFallbackTests : IAsyncLifetime
{
    private AlertingStack _stack = null!;

    public async Task InitializeAsync()
    {
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], alertmanagerYaml: "placeholder");
        await File.WriteAllTextAsync(Path.Combine(_stack.ConfigDir, "alertmanager.yml"), $$$"""
            global:
              smtp_from: 'alerting@test.local'
              smtp_smarthost: '127.0.0.1:{{{_stack.Mail.SmtpPort}}}'
              smtp_require_tls: false
            route:
              receiver: 'team'
              group_wait: 1s
            receivers:
              - name: 'team'
                slack_configs:
                  - api_url: '{{{_stack.Slack.WebhookUrl}}}'
                    title: '{{ template "no.such.template" . }}'
                email_configs:
                  - to: 'team@test.local'
                    headers:
                      Subject: 'Alert {{ template "missing.subject" . }}'
            """);
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Slack_and_email_are_sent_with_the_raw_template_when_rendering_fails()
    {
        var body = """{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"DiskFull"}}]}""";
        (await _stack.Http.PostAsync("api/alertmanager/webhook?code=local-function-key", new StringContent(body, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        for (var i = 0; i < 10 && _stack.Slack.Received.Count == 0; i++)
        {
            await _stack.DrainAsync();
            _stack.Time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal("{{ template \"no.such.template\" . }}", Assert.Single(_stack.SlackTitles()));
        Assert.Equal("Alert {{ template \"missing.subject\" . }}", Assert.Single(await _stack.EmailSubjectsAsync()));
    }
}
