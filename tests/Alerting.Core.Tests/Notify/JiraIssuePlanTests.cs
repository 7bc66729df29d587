using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Core.Notify.Jira;

namespace Alerting.Core.Tests.Notify;

/// <summary>The requests Alertmanager's Jira notifier builds (notify/jira/jira.go and its tests), decided without I/O.</summary>
public sealed class JiraIssuePlanTests
{
    private static readonly JiraConfig Base = new() { ApiUrl = "https://jira.example.com/rest/api/2", Project = "PROJ", IssueType = "Bug" };

    [Fact]
    public void The_search_finds_open_issues_of_the_project_with_the_group_label()
    {
        Assert.Equal("statusCategory != Done and project=\"PROJ\" and labels=\"ALERT{1}\" order by status ASC,resolutiondate DESC", JiraIssuePlan.Jql(Base, "PROJ", "1", firing: true));
    }

    [Fact]
    public void A_firing_group_with_a_reopen_transition_also_finds_issues_resolved_within_reopen_duration()
    {
        var c = Base with { ReopenTransition = "REOPEN", ReopenDuration = TimeSpan.FromHours(1) };
        Assert.Equal("(resolutiondate is EMPTY OR resolutiondate >= -60m) and project=\"PROJ\" and labels=\"ALERT{1}\" order by status ASC,resolutiondate DESC", JiraIssuePlan.Jql(c, "PROJ", "1", firing: true));
        // Resolved groups, and durations under a minute, look at open issues only.
        Assert.StartsWith("statusCategory != Done and ", JiraIssuePlan.Jql(c, "PROJ", "1", firing: false), StringComparison.Ordinal);
        Assert.StartsWith("statusCategory != Done and ", JiraIssuePlan.Jql(c with { ReopenDuration = TimeSpan.FromSeconds(59) }, "PROJ", "1", firing: true), StringComparison.Ordinal);
        Assert.StartsWith("(resolutiondate is EMPTY OR resolutiondate >= -1m)", JiraIssuePlan.Jql(c with { ReopenDuration = TimeSpan.FromSeconds(119) }, "PROJ", "1", firing: true), StringComparison.Ordinal);
    }

    [Fact]
    public void A_wont_fix_resolution_is_excluded_while_unresolved_issues_stay_candidates()
    {
        var c = Base with { WontFixResolution = "Won't Do" };
        Assert.Equal("(resolution is EMPTY or resolution != \"Won't Do\") and statusCategory != Done and project=\"PROJ\" and labels=\"ALERT{1}\" order by status ASC,resolutiondate DESC", JiraIssuePlan.Jql(c, "PROJ", "1", firing: true));
        // Go's %q escapes quotes and backslashes.
        Assert.Contains("project=\"a\\\"b\\\\\"", JiraIssuePlan.Jql(Base, "a\"b\\", "1", firing: true), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cloud", "https://example.atlassian.net/rest/api/2", "https://example.atlassian.net/rest/api/3/search/jql")]
    [InlineData("auto", "https://example.atlassian.net/rest/api/2", "https://example.atlassian.net/rest/api/3/search/jql")]
    [InlineData("auto", "https://jira.example.com/rest/api/2", "https://jira.example.com/rest/api/2/search")]
    [InlineData("datacenter", "https://example.atlassian.net/rest/api/2", "https://example.atlassian.net/rest/api/2/search")]
    [InlineData("datacenter", "https://jira.example.com/rest/api/2/", "https://jira.example.com/rest/api/2/search")]
    [InlineData("cloud", "https://rest.example.com/rest/api/2/", "https://rest.example.com/rest/api/3/search/jql")]
    public void The_search_endpoint_follows_the_api_type(string apiType, string apiUrl, string expected)
    {
        Assert.Equal(expected, JiraIssuePlan.SearchUrl(Base with { ApiType = apiType, ApiUrl = apiUrl }));
    }

    [Fact]
    public void The_search_body_asks_for_two_issues_with_their_status()
    {
        Assert.Equal("{\"fields\":[\"status\"],\"jql\":\"x\",\"maxResults\":2}\n", JiraIssuePlan.SearchBody("x"));
    }

    [Fact]
    public void An_issue_body_has_sorted_fields_the_group_label_and_custom_fields_overriding()
    {
        var f = new JiraIssueFields("OPS", "Incident", "[FIRING:1] test", "desc", JiraIssuePlan.Labels(["alertmanager", "test"], "abc"), "High",
            new Dictionary<string, object?> { ["customfield_1"] = 5L, ["priority"] = new SortedDictionary<string, object?> { ["id"] = "1" } });
        var body = JsonNode.Parse(JiraIssuePlan.IssueBody(f, apiV3: false))!;
        Assert.Equal("""{"fields":{"customfield_1":5,"description":"desc","issuetype":{"name":"Incident"},"labels":["ALERT{abc}","alertmanager","test"],"priority":{"id":"1"},"project":{"key":"OPS"},"summary":"[FIRING:1] test"}}""",
            body.ToJsonString());
    }

    [Fact]
    public void Empty_priority_and_description_are_left_out_and_updates_can_omit_summary_and_description()
    {
        var f = new JiraIssueFields("OPS", "Bug", "s", "", ["ALERT{h}"], "", new Dictionary<string, object?>());
        Assert.Equal("""{"fields":{"issuetype":{"name":"Bug"},"labels":["ALERT{h}"],"project":{"key":"OPS"},"summary":"s"}}""", JsonNode.Parse(JiraIssuePlan.IssueBody(f, false))!.ToJsonString());
        var update = f with { Summary = null, Description = null };
        Assert.Equal("""{"fields":{"issuetype":{"name":"Bug"},"labels":["ALERT{h}"],"project":{"key":"OPS"}}}""", JsonNode.Parse(JiraIssuePlan.IssueBody(update, false))!.ToJsonString());
    }

    [Fact]
    public void On_api_v3_the_description_is_the_rendered_adf_document_and_must_be_json()
    {
        var adf = """ {"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"hi"}]}]} """;
        var f = new JiraIssueFields("OPS", "Bug", "s", adf, ["ALERT{h}"], "", new Dictionary<string, object?>());
        var body = JsonNode.Parse(JiraIssuePlan.IssueBody(f, apiV3: true))!;
        Assert.Equal(JsonNode.Parse(adf)!.ToJsonString(), body["fields"]!["description"]!.ToJsonString());
        var e = Assert.Throws<JiraPlanException>(() => JiraIssuePlan.IssueBody(f with { Description = "# Alerts Firing:" }, apiV3: true));
        Assert.Equal("description template: invalid JSON for API v3", e.Message);
        Assert.True(JiraIssuePlan.IsApiV3("https://x.atlassian.net/rest/api/3/"));
        Assert.False(JiraIssuePlan.IsApiV3("https://x.atlassian.net/rest/api/2"));
    }

    [Theory]
    [InlineData(null, true, null)]
    [InlineData("done", true, "REOPEN")]
    [InlineData("indeterminate", true, null)]
    [InlineData("new", false, "CLOSE")]
    [InlineData("done", false, null)]
    public void Transitions_reopen_done_issues_of_firing_groups_and_resolve_open_issues_of_resolved_ones(string? category, bool firing, string? expected)
    {
        var c = Base with { ReopenTransition = "REOPEN", ResolveTransition = "CLOSE" };
        Assert.Equal(expected, JiraIssuePlan.Transition(c, category, firing));
        Assert.Null(JiraIssuePlan.Transition(Base, category, firing));
    }

    [Fact]
    public void Custom_field_strings_are_templated_and_read_back_as_yaml_values()
    {
        static string Render(string s) => s.Replace("{{ .N }}", "42", StringComparison.Ordinal).Replace("{{ .Empty }}", string.Empty, StringComparison.Ordinal).Replace("{{ .K }}", "key", StringComparison.Ordinal);
        var value = new SortedDictionary<string, object?>
        {
            ["n"] = "{{ .N }}",
            ["s"] = "host {{ .N }}",
            ["quoted"] = "\"{{ .N }}\"",
            ["yes"] = "yes",
            ["list"] = "[a, {{ .N }}]",
            ["empty"] = "{{ .Empty }}",
            ["{{ .K }}"] = new List<object?> { "{{ .N }}", 1.5, false },
        };
        var json = JiraFieldValues.ToJson(JiraFieldValues.Render(value, Render))!.ToJsonString();
        Assert.Equal("""{"empty":null,"key":[42,1.5,false],"list":["a",42],"n":42,"quoted":"\u002242\u0022","s":"host 42","yes":true}""", json);
    }
}
