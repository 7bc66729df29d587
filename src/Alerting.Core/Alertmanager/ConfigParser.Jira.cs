using Alerting.Core.Config;
using Alerting.Core.Notify.Jira;

namespace Alerting.Core.Alertmanager;

/// <summary>
/// <c>jira_configs</c> with the keys, defaults and errors of Alertmanager's current source (notify/jira/config.go,
/// config/config.go); 0.25 does not know the key. The API URL comes from the integration or <c>global.jira_api_url</c>.
/// </summary>
internal sealed partial class ConfigParser
{
    private void ParseJira(YamlNode node, string path, ReceiverDraft draft)
    {
        // Current releases declare the type in package jira, so go-yaml names it jira.plain.
        var m = OpenIntegration(node, path, "jira", "jira.plain");
        if (m is null)
        {
            return;
        }
        var http = HttpClientConfigParser.Parse(m, "http_config");
        var d = new JiraConfig();
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (m.Get("fields") is { } fieldsNode && !YamlScalars.IsNull(fieldsNode))
        {
            if (fieldsNode is YamlMapping fm)
            {
                foreach (var (k, v) in fm.Children)
                {
                    if (k is YamlScalar ks)
                    {
                        fields[YamlScalars.IsNull(ks) ? string.Empty : ks.Value] = JiraFieldValues.FromYaml(v);
                    }
                    else
                    {
                        _ctx.Mismatch(k, m.KeyPath("fields"), "string");
                    }
                }
            }
            else
            {
                _ctx.Mismatch(fieldsNode, m.KeyPath("fields"), "map[string]interface {}");
            }
        }
        var cfg = new JiraConfig
        {
            SendResolved = m.Bool("send_resolved") ?? true,
            HttpConfig = http ?? new HttpClientConfig(),
            ApiUrl = Url(m, "api_url") ?? string.Empty,
            ApiType = m.String("api_type") ?? d.ApiType,
            Project = m.String("project") ?? string.Empty,
            Summary = JiraFieldConfig(m, "summary", d.Summary),
            Description = JiraFieldConfig(m, "description", d.Description),
            Labels = m.StringList("labels") ?? [],
            Priority = m.String("priority") ?? d.Priority,
            IssueType = m.String("issue_type") ?? string.Empty,
            ReopenTransition = m.String("reopen_transition") ?? string.Empty,
            ResolveTransition = m.String("resolve_transition") ?? string.Empty,
            WontFixResolution = m.String("wont_fix_resolution") ?? string.Empty,
            ReopenDuration = m.Duration("reopen_duration") ?? TimeSpan.Zero,
            Fields = fields,
        };
        m.Done();
        if (m.HadTypeErrors)
        {
            return;
        }
        if (cfg.Project.Length == 0)
        {
            throw _ctx.Error(m.Node, path, "missing project in jira_config");
        }
        if (cfg.IssueType.Length == 0)
        {
            throw _ctx.Error(m.Node, path, "missing issue_type in jira_config");
        }
        if (cfg.ApiType is not ("auto" or "cloud" or "datacenter"))
        {
            throw _ctx.Error(m.At("api_type"), m.KeyPath("api_type"), "unknown api_type on jira_config, must be auto, cloud or datacenter");
        }
        draft.Jiras.Add((cfg, http is not null, m.Node, path));
    }

    /// <summary>
    /// <c>summary</c> and <c>description</c>: a template string (the older form) or <c>{template, enable_update}</c>;
    /// the object form keeps the default template when it names none, as Alertmanager decodes over its defaults.
    /// </summary>
    private JiraField JiraFieldConfig(YamlMap m, string key, JiraField fallback)
    {
        var node = m.Get(key);
        if (YamlScalars.IsNull(node))
        {
            return fallback;
        }
        if (node is YamlScalar s)
        {
            return new JiraField(s.Value);
        }
        if (node is not YamlMapping)
        {
            _ctx.Mismatch(node!, m.KeyPath(key), "jira.plain");
            return fallback;
        }
        var f = YamlMap.Open(_ctx, node, m.KeyPath(key), "jira.plain")!;
        var field = new JiraField(f.String("template") ?? fallback.Template, f.Bool("enable_update"));
        f.Done();
        return field;
    }

    private List<JiraConfig> ApplyJiraGlobals(ReceiverDraft draft, GlobalConfig g)
    {
        var result = new List<JiraConfig>();
        foreach (var (cfg, ownHttp, node, path) in draft.Jiras)
        {
            var c = ownHttp ? cfg : cfg with { HttpConfig = g.HttpConfig };
            if (c.ApiUrl.Length == 0)
            {
                c = c with { ApiUrl = g.GetOther("jira_api_url") ?? throw _ctx.Error(node, path + ".api_url", "no global Jira Cloud URL set") };
            }
            result.Add(c);
        }
        return result;
    }
}
