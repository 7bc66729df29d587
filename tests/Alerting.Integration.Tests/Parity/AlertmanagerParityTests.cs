using System.Text.Json.Nodes;
using Alerting.DemoFleet;
using Alerting.Fakes;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Parity;

/// <summary>
/// The same alerts go to the real Alertmanager and to us, each with the same receiver config pointing
/// at its own Slack fake and at one SMTP server. What reaches Slack and the mailbox must be the same,
/// field by field: same templates, same data, same JSON.
/// </summary>
public sealed class AlertmanagerParityTests : IAsyncLifetime
{
    private const string ExternalUrl = "http://alerting.test";
    private AlertingStack _stack = null!;
    private SlackWebhookFake _theirSlack = null!;
    private RealAlertmanager _alertmanager = null!;

    private static readonly string Templates = Path.Combine(Alerting.Core.Tests.TestPaths.RepoRoot, "rules", "templates");

    private static string Config(string slackUrl, int smtpPort, string to) => $$$"""
        # Both load the same default.tmpl/email.tmpl (the 2026 ones), so an older built-in copy in the
        # Debian Alertmanager does not hide or fake a difference in the template engines.
        templates:
          - '{{{Templates}}}/default.tmpl'
          - '{{{Templates}}}/email.tmpl'
        global:
          resolve_timeout: 5m
          smtp_from: 'alerting@test.local'
          smtp_smarthost: '127.0.0.1:{{{smtpPort}}}'
          smtp_require_tls: false
        route:
          receiver: 'parity'
          group_by: ['alertname']
          group_wait: 1s
          group_interval: 1m
          repeat_interval: 4h
        receivers:
          - name: 'parity'
            email_configs:
              - to: '{{{to}}}'
                send_resolved: true
            slack_configs:
              - api_url: '{{{slackUrl}}}'
                channel: '#parity'
                send_resolved: true
                title: '{{ template "slack.default.title" . }}'
                text: '{{ range .Alerts }}*{{ .Labels.instance }}*: {{ .Annotations.summary }} ({{ len .Annotations }}:{{ range .Annotations.SortedPairs }} {{ .Name }}={{ .Value }};{{ end }}){{ "\n" }}{{ end }}'
        """;

    public async Task InitializeAsync()
    {
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], alertmanagerYaml: "placeholder");
        await File.WriteAllTextAsync(Path.Combine(_stack.ConfigDir, "alertmanager.yml"), Config(_stack.Slack.WebhookUrl, _stack.Mail.SmtpPort, "ours@test.local"));
        _theirSlack = await SlackWebhookFake.StartAsync();
        _alertmanager = await RealAlertmanager.StartAsync(Config(_theirSlack.WebhookUrl, _stack.Mail.SmtpPort, "theirs@test.local"), ExternalUrl);
    }

    public async Task DisposeAsync()
    {
        await _alertmanager.DisposeAsync();
        await _theirSlack.DisposeAsync();
        await _stack.DisposeAsync();
    }

    // One alert carries an empty annotation: Alertmanager keeps it (the text counts and lists it, the
    // default email shows it in the Annotations block), so we must too.
    [Fact]
    public async Task Slack_message_and_email_match_the_real_alertmanager()
    {
        var startsAt = ReceiverParity.FreshStartsAt().ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var alerts = $$"""
            [{"labels":{"alertname":"UserMachineDown","severity":"critical","instance":"vyx-user-35714585","job":"fly-machines"},
              "annotations":{"summary":"User machine vyx-user-35714585 is down","description":"Machine has been unreachable for 2 minutes","dashboard":""},
              "startsAt":"{{startsAt}}","generatorURL":"http://prometheus/graph?g0.expr=up"},
             {"labels":{"alertname":"UserMachineDown","severity":"critical","instance":"vyx-user-35682909","job":"fly-machines"},
              "annotations":{"summary":"User machine vyx-user-35682909 is down","description":"Machine has been unreachable for 2 minutes"},
              "startsAt":"{{startsAt}}","generatorURL":"http://prometheus/graph?g0.expr=up"}]
            """;
        await _alertmanager.PostAlertsAsync(alerts);
        var ours = await _stack.Http.PostAsync("api/v2/alerts?code=local-function-key", new StringContent(alerts, System.Text.Encoding.UTF8, "application/json"));
        ours.EnsureSuccessStatusCode();

        await ReceiverParity.BothReceiveAsync(_stack, "Slack", 1, () => _theirSlack.Received.Count, () => _stack.Slack.Received.Count);

        var theirs = Assert.Single(_theirSlack.Received).Body;
        var mine = Assert.Single(_stack.Slack.Received).Body;
        Assert.Equal(theirs.ToJsonString(), mine.ToJsonString());

        JsonObject? theirMail = null, myMail = null;
        await Eventually.UntilAsync("Alertmanager's email and ours in MailDev", async () =>
        {
            var emails = await _stack.Mail.EmailsAsync();
            theirMail = emails.OfType<JsonObject>().FirstOrDefault(e => e["to"]![0]!["address"]!.GetValue<string>() == "theirs@test.local");
            myMail = emails.OfType<JsonObject>().FirstOrDefault(e => e["to"]![0]!["address"]!.GetValue<string>() == "ours@test.local");
            return theirMail is not null && myMail is not null;
        });
        Assert.NotNull(theirMail);
        Assert.NotNull(myMail);
        Assert.Equal(theirMail["subject"]!.GetValue<string>(), myMail["subject"]!.GetValue<string>());
        Assert.Equal(Normalize(theirMail["html"]!.GetValue<string>()), Normalize(myMail["html"]!.GetValue<string>()));
    }

    // MailDev re-encodes line endings; the content is what must be equal.
    private static string Normalize(string html) => html.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
}
