using System.Text.Json.Nodes;
using Alerting.DemoFleet;
using Alerting.Fakes.Jira;
using Alerting.Integration.Tests.Infrastructure;

namespace Alerting.Integration.Tests.Parity;

/// <summary>
/// jira_configs arrived in Alertmanager 0.28, so the Debian 0.25 cannot run them: the app's group flush is
/// compared with the requests Alertmanager's current notifier (notify/jira) makes, written out here field by
/// field, for a firing and then a resolved group against the strict Jira fake.
/// </summary>
public sealed class JiraPayloadTests : IAsyncLifetime
{
    private AlertingStack _stack = null!;
    private JiraFake _jira = null!;

    private static readonly string Templates = Path.Combine(Alerting.Core.Tests.TestPaths.RepoRoot, "rules", "templates", "default.tmpl");

    private static string Config(string apiUrl) => $$$"""
        global:
          jira_api_url: '{{{apiUrl}}}'
        templates:
          - '{{{Templates}}}'
        route:
          receiver: 'ops'
          group_by: ['alertname']
          group_wait: 1s
          group_interval: 1s
          repeat_interval: 4h
        receivers:
          - name: 'ops'
            jira_configs:
              - project: OPS
                issue_type: Incident
                labels: ['{{ .CommonLabels.job }}']
                resolve_transition: Done
                description: '{{ range .Alerts }}{{ .Labels.instance }}: {{ .Annotations.summary }} {{ end }}'
                fields:
                  customfield_10001: '{{ .CommonLabels.instance }}'
                http_config:
                  basic_auth: { username: '{{{JiraFake.Email}}}', password: '{{{JiraFake.ApiToken}}}' }
        """;

    public async Task InitializeAsync()
    {
        _jira = await JiraFake.StartAsync();
        _stack = await AlertingStack.StartAsync([("1", MachineMode.Healthy)], alertmanagerYaml: "placeholder");
        await File.WriteAllTextAsync(Path.Combine(_stack.ConfigDir, "alertmanager.yml"), Config(_jira.ApiUrl()));
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        await _jira.DisposeAsync();
    }

    [Fact]
    public async Task Firing_creates_and_resolved_edits_then_resolves_as_alertmanager_does()
    {
        var startsAt = _stack.Time.GetUtcNow().AddMinutes(-3);
        await SendAsync(startsAt, resolved: false);
        await WaitForAsync("the Jira issue to be created", () => _jira.Issues.Count == 1);

        var calls = _jira.Received.ToList();
        Assert.Equal(["POST /rest/api/2/search", "POST /rest/api/2/issue"], calls.Select(c => c.Method + " " + c.Request.Path));
        var jql = calls[0].Request.Body["jql"]!.GetValue<string>();
        Assert.Matches("^statusCategory != Done and project=\"OPS\" and labels=\"ALERT\\{[0-9a-f]{64}\\}\" order by status ASC,resolutiondate DESC$", jql);
        var groupLabel = jql[(jql.IndexOf("ALERT{", StringComparison.Ordinal))..jql.IndexOf("\" order", StringComparison.Ordinal)];
        var expected = new JsonObject
        {
            ["fields"] = new JsonObject
            {
                ["customfield_10001"] = "m1",
                ["description"] = "m1: Disk on m1 is full ",
                ["issuetype"] = new JsonObject { ["name"] = "Incident" },
                ["labels"] = new JsonArray(groupLabel, "fly"),
                ["priority"] = new JsonObject { ["name"] = "High" },
                ["project"] = new JsonObject { ["key"] = "OPS" },
                ["summary"] = "[FIRING:1] DiskFull (m1 fly critical)",
            },
        };
        Assert.Equal(expected.ToJsonString(), calls[1].Request.Body.ToJsonString());

        _stack.Time.Advance(TimeSpan.FromMinutes(2));
        await SendAsync(startsAt, resolved: true);
        await WaitForAsync("the Jira issue to be transitioned to Done", () => _jira.Issues[0].Status == JiraStatus.Done);

        var issue = Assert.Single(_jira.Issues);
        Assert.Equal(["Done"], issue.Transitions);
        var later = _jira.Received.Skip(2).Select(c => c.Method + " " + c.Request.Path).ToList();
        Assert.Equal(["POST /rest/api/2/search", "PUT /rest/api/2/issue/OPS-1", "GET /rest/api/2/issue/OPS-1/transitions", "POST /rest/api/2/issue/OPS-1/transitions"], later);
        var edit = _jira.Received[3].Request.Body;
        Assert.Equal("[RESOLVED] DiskFull (m1 fly critical)", edit["fields"]!["summary"]!.GetValue<string>());
        Assert.Equal("""{"transition":{"id":"31"}}""", _jira.Received[5].Request.Body.ToJsonString());
        Assert.Empty(_jira.Rejected);
    }

    private async Task SendAsync(DateTimeOffset startsAt, bool resolved)
    {
        static string Time(DateTimeOffset t) => t.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var ends = resolved ? $",\"endsAt\":\"{Time(_stack.Time.GetUtcNow().AddSeconds(-1))}\"" : string.Empty;
        var alerts = $$"""
            [{"labels":{"alertname":"DiskFull","severity":"critical","instance":"m1","job":"fly"},
              "annotations":{"summary":"Disk on m1 is full"},"startsAt":"{{Time(startsAt)}}"{{ends}},"generatorURL":"http://prometheus/graph?g0.expr=disk"}]
            """;
        using var response = await _stack.Http.PostAsync("api/v2/alerts?code=local-function-key", new StringContent(alerts, System.Text.Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    private Task WaitForAsync(string what, Func<bool> done) =>
        ReceiverParity.WaitForAsync(_stack, what, done, () => $"the Jira fake saw {_jira.Received.Count} requests");
}
