using Alerting.Core.Alertmanager;
using Alerting.Core.Config;

namespace Alerting.Core.Tests.Alertmanager;

/// <summary><c>jira_configs</c> load with the keys, defaults and errors of Alertmanager's current source (notify/jira/config.go).</summary>
public sealed class JiraConfigTests
{
    private static AlertmanagerConfig Parse(string receivers, string global = "") =>
        AlertmanagerConfigLoader.Parse($"{global}route:\n  receiver: a\nreceivers:\n  - name: a\n{receivers}", "alertmanager.yml");

    [Fact]
    public void Jira_has_alertmanagers_defaults_inherits_the_global_url_and_comes_between_msteamsv2_and_rocketchat()
    {
        var cfg = Parse("""
                rocketchat_configs:
                  - { channel: '#a', token: t, token_id: i }
                jira_configs:
                  - project: OPS
                    issue_type: Bug
                  - api_url: 'https://example.atlassian.net/rest/api/3'
                    api_type: cloud
                    project: '{{ .CommonLabels.team }}'
                    issue_type: Incident
                    summary: 'Alert {{ .GroupLabels.alertname }}'
                    description:
                      enable_update: false
                    labels: [alertmanager, '{{ .CommonLabels.severity }}']
                    priority: High
                    reopen_transition: Reopen
                    resolve_transition: Done
                    wont_fix_resolution: "Won't Fix"
                    reopen_duration: 1h30m
                    send_resolved: false
                    fields:
                      customfield_10001: '{{ .CommonLabels.team }}'
                      customfield_10002: { value: red, nested: [1, 2.5, true, ~, x] }
                      components: [{ name: api }]
                msteamsv2_configs:
                  - webhook_url: 'https://x.logic.azure.com/workflows/w'
            """, "global:\n  jira_api_url: 'https://jira.example.com/rest/api/2'\n");
        var r = cfg.Receivers[0];
        Assert.Empty(cfg.Unsupported);
        Assert.Equal(["msteamsv2", "jira", "jira", "rocketchat"], r.Integrations.Select(i => i.Kind));
        var (a, b) = (r.JiraConfigs[0], r.JiraConfigs[1]);
        Assert.Equal(("https://jira.example.com/rest/api/2", "auto", "OPS", "Bug", true), (a.ApiUrl, a.ApiType, a.Project, a.IssueType, a.SendResolved));
        Assert.Equal(new JiraField("{{ template \"jira.default.summary\" . }}"), a.Summary);
        Assert.Equal(new JiraField("{{ template \"jira.default.description\" . }}"), a.Description);
        Assert.Equal("{{ template \"jira.default.priority\" . }}", a.Priority);
        Assert.Equal((string.Empty, string.Empty, string.Empty, TimeSpan.Zero), (a.ReopenTransition, a.ResolveTransition, a.WontFixResolution, a.ReopenDuration));
        Assert.Empty(a.Labels);
        Assert.Empty(a.Fields);

        Assert.Equal(("https://example.atlassian.net/rest/api/3", "cloud", false), (b.ApiUrl, b.ApiType, b.SendResolved));
        Assert.Equal(new JiraField("Alert {{ .GroupLabels.alertname }}"), b.Summary);
        Assert.Equal(new JiraField("{{ template \"jira.default.description\" . }}", false), b.Description);
        Assert.False(b.Description.UpdatesExisting);
        Assert.Equal(["alertmanager", "{{ .CommonLabels.severity }}"], b.Labels);
        Assert.Equal(("Reopen", "Done", "Won't Fix", TimeSpan.FromMinutes(90)), (b.ReopenTransition, b.ResolveTransition, b.WontFixResolution, b.ReopenDuration));
        Assert.Equal("{{ .CommonLabels.team }}", b.Fields["customfield_10001"]);
        var nested = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(b.Fields["customfield_10002"]);
        Assert.Equal("red", nested["value"]);
        Assert.Equal([1L, 2.5, true, null, "x"], Assert.IsAssignableFrom<IEnumerable<object?>>(nested["nested"]));
    }

    [Theory]
    [InlineData("- { issue_type: Bug }", "missing project in jira_config")]
    [InlineData("- { project: OPS }", "missing issue_type in jira_config")]
    [InlineData("- { project: OPS, issue_type: Bug, api_type: server }", "unknown api_type on jira_config, must be auto, cloud or datacenter")]
    [InlineData("- { project: OPS, issue_type: Bug, api_url: 'ftp://x' }", "unsupported scheme \"ftp\" for URL")]
    [InlineData("- { project: OPS, issue_type: Bug, reopen_duration: soon }", "not a valid duration string: \"soon\"")]
    [InlineData("- { project: OPS, issue_type: Bug, custom_fields: {a: b} }", "yaml: unmarshal errors:\n  line 8: field custom_fields not found in type jira.plain")]
    [InlineData("- { project: OPS, issue_type: Bug, summary: [a] }", "yaml: unmarshal errors:\n  line 8: cannot unmarshal !!seq into jira.plain")]
    [InlineData("- { project: OPS, issue_type: Bug, summary: { text: a } }", "yaml: unmarshal errors:\n  line 8: field text not found in type jira.plain")]
    [InlineData("- project: OPS\n        issue_type: Bug\n        fields: [a]", "yaml: unmarshal errors:\n  line 10: cannot unmarshal !!seq into map[string]interface {}")]
    public void Jira_rejects_what_alertmanager_rejects(string item, string error)
    {
        var e = Assert.Throws<ConfigException>(() => Parse($"    jira_configs:\n      {item}\n", "global:\n  jira_api_url: 'https://jira.example.com/rest/api/2'\n"));
        Assert.Equal(error, e.Detail);
    }

    [Fact]
    public void Without_an_api_url_anywhere_the_config_is_refused()
    {
        var e = Assert.Throws<ConfigException>(() => Parse("    jira_configs:\n      - { project: OPS, issue_type: Bug }\n"));
        Assert.Equal("no global Jira Cloud URL set", e.Detail);
    }

    [Fact]
    public void Http_config_credentials_are_shown_masked_and_the_global_http_config_is_inherited()
    {
        const string yaml = """
            global:
              jira_api_url: 'https://jira.example.com/rest/api/2'
              http_config:
                authorization: { credentials: GLOBAL-PAT }
            route:
              receiver: a
            receivers:
              - name: a
                jira_configs:
                  - project: OPS
                    issue_type: Bug
                    http_config:
                      basic_auth: { username: alerts@example.com, password: API-TOKEN }
                  - project: OPS
                    issue_type: Task
            """;
        var masked = ConfigSecrets.Mask(yaml);
        Assert.DoesNotContain("API-TOKEN", masked, StringComparison.Ordinal);
        Assert.DoesNotContain("GLOBAL-PAT", masked, StringComparison.Ordinal);
        Assert.Contains("username: alerts@example.com", masked, StringComparison.Ordinal);
        var jiras = AlertmanagerConfigLoader.Parse(masked, "alertmanager.yml").Receivers[0].JiraConfigs;
        Assert.Equal(ConfigSecrets.Token, jiras[0].HttpConfig.BasicAuth?.Password);
        Assert.Equal(ConfigSecrets.Token, jiras[1].HttpConfig.Authorization?.Credentials);
    }
}
