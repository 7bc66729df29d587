using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Fakes.Jira;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.Jira;
using Alerting.Functions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// The Jira notifier against the strict Jira REST fake over HTTP: the searches, creates, edits and transitions
/// Alertmanager's notify/jira makes, with the bodies it builds; failures classified the one way every receiver's are.
/// </summary>
public sealed class JiraNotifierTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Started = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Now);
    private JiraFake _fake = null!;

    public async Task InitializeAsync() => _fake = await JiraFake.StartAsync(_time);

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private JiraConfig Config(string extra = "", int version = 2) =>
        NotifyTestKit.Receiver($$"""
                jira_configs:
                  - api_url: '{{_fake.ApiUrl(version)}}'
                    project: OPS
                    issue_type: Incident
                    http_config:
                      basic_auth: { username: '{{JiraFake.Email}}', password: '{{JiraFake.ApiToken}}' }
            {{extra}}
            """).JiraConfigs.Single();

    private static Alert DiskFull(string instance, bool resolved = false, string severity = "critical") => new(
        Labels.From(("alertname", "DiskFull"), ("instance", instance), ("severity", severity)),
        Labels.From(("summary", "Disk on " + instance + " is full")),
        Started,
        resolved ? Now.AddMinutes(-1) : null,
        "http://prom/graph?g0.expr=disk&g0.tab=1");

    private static Notification Group(params Alert[] alerts) =>
        new("team", Labels.From(("alertname", "DiskFull")), alerts, Now, "http://alerting.test", "{}:{alertname=\"DiskFull\"}") { Templates = NotifyTestKit.Templates() };

    private static string Label => "ALERT{" + Group().GroupKeyHash + "}";

    private static Task SendAsync(JiraConfig config, Notification notification, DeliveryOptions? delivery = null) =>
        NotifyTestKit.Notifier<JiraNotifier>(delivery).SendAsync(NotifyTestKit.Integration(config), notification, CancellationToken.None);

    private (string Method, string Path, JsonNode Body)[] Calls() => [.. _fake.Received.Select(r => (r.Method, r.Request.Path, r.Request.Body))];

    [Fact]
    public async Task A_first_firing_group_searches_then_creates_the_issue_alertmanager_builds()
    {
        var group = Group(DiskFull("m1"));
        await SendAsync(Config("        labels: [alertmanager, '{{ .GroupLabels.alertname }}']"), group);

        var calls = Calls();
        Assert.Equal([("POST", "/rest/api/2/search"), ("POST", "/rest/api/2/issue")], calls.Select(c => (c.Method, c.Path)));
        var search = new JsonObject
        {
            ["fields"] = new JsonArray("status"),
            ["jql"] = $"statusCategory != Done and project=\"OPS\" and labels=\"{Label}\" order by status ASC,resolutiondate DESC",
            ["maxResults"] = 2,
        };
        Assert.Equal(search.ToJsonString(), calls[0].Body.ToJsonString());
        // default.tmpl's jira.default.description as Go's text/template writes it.
        const string description = "\n\n# Alerts Firing:\n\nLabels:\n  - alertname = DiskFull\n  - instance = m1\n  - severity = critical\n\nAnnotations:\n  - summary = Disk on m1 is full\n\nSource: http://prom/graph?g0.expr=disk&g0.tab=1\n\n\n\n\n";
        var expected = new JsonObject
        {
            ["fields"] = new JsonObject
            {
                ["description"] = description,
                ["issuetype"] = new JsonObject { ["name"] = "Incident" },
                ["labels"] = new JsonArray("ALERT{" + group.GroupKeyHash + "}", "DiskFull", "alertmanager"),
                ["priority"] = new JsonObject { ["name"] = "High" },
                ["project"] = new JsonObject { ["key"] = "OPS" },
                ["summary"] = "[FIRING:1] DiskFull (m1 critical)",
            },
        };
        Assert.Equal(expected.ToJsonString(), calls[1].Body.ToJsonString());
        var issue = Assert.Single(_fake.Issues);
        Assert.Equal(("OPS-1", "To Do"), (issue.Key, issue.Status.Name));
    }

    [Fact]
    public async Task A_repeated_notification_edits_the_same_issue_and_resolving_runs_the_resolve_transition()
    {
        var config = Config("        resolve_transition: Done\n        summary: { template: 'first {{ .Status }}', enable_update: false }");
        await SendAsync(config, Group(DiskFull("m1")));
        await SendAsync(config, Group(DiskFull("m1"), DiskFull("m2", severity: "warning")));

        var issue = Assert.Single(_fake.Issues);
        Assert.Equal(1, issue.Updates);
        var edit = Calls()[3];
        Assert.Equal(("PUT", "/rest/api/2/issue/OPS-1"), (edit.Method, edit.Path));
        // enable_update false keeps the summary out of the edit; the description is rewritten.
        Assert.Null(edit.Body["fields"]!["summary"]);
        Assert.Contains("instance = m2", edit.Body["fields"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("first firing", issue.Fields["summary"]!.GetValue<string>());

        await SendAsync(config, Group(DiskFull("m1", resolved: true), DiskFull("m2", resolved: true)));

        Assert.Single(_fake.Issues);
        Assert.Equal(("Done", "Done"), (issue.Status.Name, issue.Resolution));
        Assert.Equal(["Done"], issue.Transitions);
        Assert.Equal(["POST search", "PUT issue/OPS-1", "GET issue/OPS-1/transitions", "POST issue/OPS-1/transitions"],
            Calls()[4..].Select(c => c.Method + " " + c.Path.Replace("/rest/api/2/", string.Empty, StringComparison.Ordinal)));
        Assert.Equal("""{"transition":{"id":"31"}}""", Calls()[^1].Body.ToJsonString());
    }

    [Fact]
    public async Task A_resolved_group_without_an_issue_creates_nothing()
    {
        await SendAsync(Config(), Group(DiskFull("m1", resolved: true)));

        Assert.Equal(["POST"], Calls().Select(c => c.Method));
        Assert.Empty(_fake.Issues);
    }

    [Fact]
    public async Task A_refire_within_reopen_duration_reopens_the_issue_and_after_it_creates_a_new_one()
    {
        var config = Config("        resolve_transition: Done\n        reopen_transition: Reopen\n        reopen_duration: 30m");
        await SendAsync(config, Group(DiskFull("m1")));
        await SendAsync(config, Group(DiskFull("m1", resolved: true)));
        var first = Assert.Single(_fake.Issues);
        Assert.Equal("done", first.Status.CategoryKey);

        _time.Advance(TimeSpan.FromMinutes(10));
        await SendAsync(config, Group(DiskFull("m1")));
        Assert.Single(_fake.Issues);
        Assert.Equal("To Do", first.Status.Name);
        Assert.Equal(["Done", "Reopen"], first.Transitions);
        Assert.Contains($"(resolutiondate is EMPTY OR resolutiondate >= -30m) and project=\"OPS\" and labels=\"{Label}\"",
            Calls().Last(c => c.Path.EndsWith("/search", StringComparison.Ordinal)).Body["jql"]!.GetValue<string>(), StringComparison.Ordinal);

        await SendAsync(config, Group(DiskFull("m1", resolved: true)));
        _time.Advance(TimeSpan.FromMinutes(31));
        await SendAsync(config, Group(DiskFull("m1")));

        Assert.Equal(2, _fake.Issues.Count);
        Assert.Equal(("Done", "To Do"), (_fake.Issues[0].Status.Name, _fake.Issues[1].Status.Name));
    }

    [Fact]
    public async Task An_issue_resolved_as_wont_fix_is_not_reopened()
    {
        var config = Config("        reopen_transition: Reopen\n        reopen_duration: 1h\n        wont_fix_resolution: \"Won't Fix\"");
        await SendAsync(config, Group(DiskFull("m1")));
        _fake.Resolve("OPS-1", "Won't Fix");

        await SendAsync(config, Group(DiskFull("m1")));

        Assert.Equal(2, _fake.Issues.Count);
        Assert.Equal("Won't Fix", _fake.Issues[0].Resolution);
        Assert.Empty(_fake.Issues[0].Transitions);
    }

    [Fact]
    public async Task Api_v3_sends_the_rendered_adf_description_and_refuses_one_that_is_not_json()
    {
        var adf = "description: '{\"type\":\"doc\",\"version\":1,\"content\":[{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\",\"text\":\"{{ .CommonAnnotations.summary }}\"}]}]}'";
        await SendAsync(Config("        api_type: cloud\n        " + adf, version: 3), Group(DiskFull("m1")));

        var create = Calls()[1];
        Assert.Equal("/rest/api/3/issue", create.Path);
        Assert.Equal("""{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"Disk on m1 is full"}]}]}""", create.Body["fields"]!["description"]!.ToJsonString());

        // The default description is Markdown, which API v3 cannot take: nothing is created.
        var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config("        api_type: cloud", version: 3), Group(DiskFull("m2"))));
        Assert.Equal("jira: description template: invalid JSON for API v3", e.Message);
        Assert.Single(_fake.Issues);
    }

    [Fact]
    public async Task Custom_fields_are_templated_and_typed_as_alertmanager_does()
    {
        await SendAsync(Config("""
                    priority: '{{ if eq .CommonLabels.severity "critical" }}Highest{{ end }}'
                    fields:
                      customfield_10001: '{{ .Alerts | len }}'
                      customfield_10002: { value: '{{ .CommonLabels.severity }}', child: [a, 2] }
                      components: [{ name: '{{ .GroupLabels.alertname }}' }]
            """), Group(DiskFull("m1"), DiskFull("m2")));

        var fields = Calls()[1].Body["fields"]!;
        Assert.Equal("2", fields["customfield_10001"]!.ToJsonString());
        Assert.Equal("""{"child":["a",2],"value":"critical"}""", fields["customfield_10002"]!.ToJsonString());
        Assert.Equal("""[{"name":"DiskFull"}]""", fields["components"]!.ToJsonString());
        Assert.Equal("""{"name":"Highest"}""", fields["priority"]!.ToJsonString());
    }

    [Fact]
    public async Task A_long_summary_is_cut_to_255_runes_which_jira_accepts()
    {
        await SendAsync(Config("        summary: '{{ range .Alerts }}" + new string('x', 200) + "{{ end }}'"), Group(DiskFull("m1"), DiskFull("m2")));

        var summary = Assert.Single(_fake.Issues).Fields["summary"]!.GetValue<string>();
        Assert.Equal(255, summary.Length);
        Assert.EndsWith("x…", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task What_jira_refuses_is_permanent_and_named()
    {
        var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config() with { IssueType = "Epic" }, Group(DiskFull("m1"))));
        Assert.StartsWith("jira: failed to POST request to \"issue\": unexpected status 400", e.Message, StringComparison.Ordinal);
        Assert.Contains("Specify a valid issue type", e.Message, StringComparison.Ordinal);

        e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config() with { Project = "NOPE" }, Group(DiskFull("m1"))));
        Assert.StartsWith("jira: failed to look up existing issues: unexpected status 400", e.Message, StringComparison.Ordinal);
        Assert.Contains("The value 'NOPE' does not exist for the field 'project'.", e.Message, StringComparison.Ordinal);

        var requests = _fake.Requests;
        e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config() with { Project = "{{ .Nope }" }, Group(DiskFull("m1"))));
        Assert.StartsWith("jira: template error:", e.Message, StringComparison.Ordinal);
        Assert.Equal(requests, _fake.Requests);
        e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config() with { Summary = new JiraField("{{ .Nope }") }, Group(DiskFull("m1"))));
        Assert.StartsWith("jira: template error:", e.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Issues);

        var resolveUnknown = Config("        resolve_transition: Close");
        await SendAsync(resolveUnknown, Group(DiskFull("m1")));
        e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(resolveUnknown, Group(DiskFull("m1", resolved: true))));
        Assert.Equal("jira: can't find transition Close for issue OPS-1", e.Message);
        Assert.Single(_fake.Issues);
    }

    [Fact]
    public async Task Requests_without_credentials_are_refused_and_a_bearer_personal_access_token_is_accepted()
    {
        var e = await Assert.ThrowsAsync<PermanentNotificationException>(() => SendAsync(Config() with { HttpConfig = new() }, Group(DiskFull("m1"))));
        Assert.Contains("unexpected status 401", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(JiraFake.ApiToken, e.Message, StringComparison.Ordinal);

        var bearer = NotifyTestKit.Receiver($$"""
                jira_configs:
                  - api_url: '{{_fake.ApiUrl()}}'
                    project: OPS
                    issue_type: Task
                    http_config:
                      authorization: { credentials: '{{JiraFake.PersonalAccessToken}}' }
            """).JiraConfigs.Single();
        await SendAsync(bearer, Group(DiskFull("m1")));
        Assert.Single(_fake.Issues);
    }

    [Fact]
    public async Task Rate_limiting_is_retried_and_a_failing_server_is_transient()
    {
        _fake.FailNext(429, 1);
        await SendAsync(Config(), Group(DiskFull("m1")), new DeliveryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10) });
        Assert.Equal((3, 1), (_fake.Requests, _fake.Issues.Count));

        _fake.FailNext(503, 1);
        var e = await Assert.ThrowsAsync<TransientNotificationException>(() => SendAsync(Config(), Group(DiskFull("m1"))));
        Assert.Contains("unexpected status 503", e.Message, StringComparison.Ordinal);
    }
}
