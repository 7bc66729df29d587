using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alerting.Core.Alertmanager;
using Alerting.Core.Templating;

namespace Alerting.Core.Notify.Jira;

/// <summary>
/// What Alertmanager's Jira notifier (notify/jira) asks of the Jira REST API, decided without I/O: the JQL that
/// finds the group's issue by its <c>ALERT{hash}</c> label, the search endpoint for the API type, the create or
/// update body, and which transition (if any) follows.
/// </summary>
public static class JiraIssuePlan
{
    public const int MaxSummaryRunes = 255;

    public const int MaxDescriptionRunes = 32767;

    /// <summary>The label every issue of a group carries (<c>ALERT{group key hash}</c>).</summary>
    public static string GroupLabel(string groupKeyHash) => $"ALERT{{{groupKeyHash}}}";

    /// <summary>
    /// The search Alertmanager runs: a won't-fix resolution excluded (unresolved issues kept); while firing
    /// with a reopen transition and a reopen_duration of at least a minute, issues resolved within it too,
    /// otherwise only issues not done; the project and group label; open issues first, then the latest resolved.
    /// </summary>
    public static string Jql(JiraConfig config, string project, string groupKeyHash, bool firing)
    {
        ArgumentNullException.ThrowIfNull(config);
        var jql = new System.Text.StringBuilder();
        if (config.WontFixResolution.Length > 0)
        {
            jql.Append("(resolution is EMPTY or resolution != ").Append(GoQuote.Quote(config.WontFixResolution)).Append(") and ");
        }
        var reopenMinutes = (long)config.ReopenDuration.TotalMinutes;
        if (firing && config.ReopenTransition.Length > 0 && reopenMinutes > 0)
        {
            jql.Append(CultureInfo.InvariantCulture, $"(resolutiondate is EMPTY OR resolutiondate >= -{reopenMinutes}m) and ");
        }
        else
        {
            jql.Append("statusCategory != Done and ");
        }
        jql.Append("project=").Append(GoQuote.Quote(project)).Append(" and labels=").Append(GoQuote.Quote(GroupLabel(groupKeyHash)))
            .Append(" order by status ASC,resolutiondate DESC");
        return jql.ToString();
    }

    /// <summary>
    /// The search endpoint: Data Center's <c>/search</c>; Jira Cloud's <c>/rest/api/3/search/jql</c> (the legacy
    /// search is gone there) for <c>cloud</c>, or <c>auto</c> with an atlassian.net host.
    /// </summary>
    public static string SearchUrl(JiraConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var host = Uri.TryCreate(config.ApiUrl, UriKind.Absolute, out var u) ? u.Host : string.Empty;
        if (config.ApiType == "cloud" || (config.ApiType == "auto" && host.EndsWith("atlassian.net", StringComparison.Ordinal)))
        {
            var url = Join(config.ApiUrl, "/search/jql");
            var at = url.IndexOf("/rest/api/2/", StringComparison.Ordinal);
            return at < 0 ? url : string.Concat(url.AsSpan(0, at), "/rest/api/3/", url.AsSpan(at + "/rest/api/2/".Length));
        }
        return Join(config.ApiUrl, "/search");
    }

    /// <summary>The search request body (Go's field order: fields, jql, maxResults).</summary>
    public static string SearchBody(string jql) =>
        new JsonObject { ["fields"] = new JsonArray("status"), ["jql"] = jql, ["maxResults"] = 2 }.ToJsonString() + "\n";

    /// <summary>Go's <c>url.JoinPath</c> for the API base and a relative path.</summary>
    public static string Join(string apiUrl, string path)
    {
        ArgumentNullException.ThrowIfNull(apiUrl);
        ArgumentNullException.ThrowIfNull(path);
        var q = apiUrl.IndexOfAny(['?', '#']);
        var (b, rest) = q < 0 ? (apiUrl, string.Empty) : (apiUrl[..q], apiUrl[q..]);
        return b.TrimEnd('/') + "/" + path.TrimStart('/') + rest;
    }

    /// <summary>Whether descriptions go as ADF: the API URL's path ends in <c>/3</c>.</summary>
    public static bool IsApiV3(string apiUrl) =>
        Uri.TryCreate(apiUrl, UriKind.Absolute, out var u) && Uri.UnescapeDataString(u.AbsolutePath).TrimEnd('/').EndsWith("/3", StringComparison.Ordinal);

    /// <summary>
    /// The create (or update) body. <paramref name="f"/>'s description is already rendered: on API v3 it must be
    /// JSON (an ADF document), sent as is; otherwise it is a string; empty is left out. Custom fields override
    /// standard ones of the same name, as Alertmanager's map merge does.
    /// </summary>
    /// <exception cref="JiraPlanException">The v3 description is not JSON, or a field value cannot be encoded.</exception>
    public static string IssueBody(JiraIssueFields f, bool apiV3)
    {
        ArgumentNullException.ThrowIfNull(f);
        var fields = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (f.Summary is { } summary)
        {
            fields["summary"] = summary;
        }
        if (f.Description is { } d)
        {
            var description = d;
            if (apiV3)
            {
                description = description.Trim();
                if (description.Length > 0)
                {
                    try
                    {
                        fields["description"] = JsonNode.Parse(description);
                    }
                    catch (JsonException)
                    {
                        throw new JiraPlanException("description template: invalid JSON for API v3");
                    }
                }
            }
            else if (description.Length > 0)
            {
                fields["description"] = description;
            }
        }
        var issueType = new JsonObject();
        if (f.IssueType.Length > 0)
        {
            issueType["name"] = f.IssueType;
        }
        fields["issuetype"] = issueType;
        fields["labels"] = new JsonArray([.. f.Labels.Select(l => (JsonNode?)l)]);
        if (f.Priority.Length > 0)
        {
            fields["priority"] = new JsonObject { ["name"] = f.Priority };
        }
        fields["project"] = new JsonObject { ["key"] = f.Project };
        try
        {
            foreach (var (k, v) in f.Custom)
            {
                fields[k] = JiraFieldValues.ToJson(v);
            }
        }
        catch (InvalidOperationException e)
        {
            throw new JiraPlanException("fields template: " + e.Message);
        }
        var o = new JsonObject();
        foreach (var (k, v) in fields)
        {
            o[k] = v;
        }
        return new JsonObject { ["fields"] = o }.ToJsonString() + "\n";
    }

    /// <summary>The labels Alertmanager sends: the configured ones, rendered, plus the group label, sorted.</summary>
    public static IReadOnlyList<string> Labels(IEnumerable<string> rendered, string groupKeyHash) =>
        [.. rendered.Append(GroupLabel(groupKeyHash)).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The transition after a create or update: none for a new issue; for a firing group whose issue is done the
    /// reopen transition, for a resolved group whose issue is not done the resolve transition (empty: none).
    /// </summary>
    public static string? Transition(JiraConfig config, string? existingStatusCategory, bool firing)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (existingStatusCategory is null)
        {
            return null;
        }
        var done = existingStatusCategory == "done";
        var name = firing ? (done ? config.ReopenTransition : string.Empty) : (done ? string.Empty : config.ResolveTransition);
        return name.Length > 0 ? name : null;
    }

    /// <summary>The body that performs a transition.</summary>
    public static string TransitionBody(string id) => new JsonObject { ["transition"] = new JsonObject { ["id"] = id } }.ToJsonString() + "\n";
}

/// <summary>The rendered parts of an issue, summary and description already cut to their limits. Null <see cref="Summary"/> or <see cref="Description"/> leaves the field out (an update with enable_update false).</summary>
public sealed record JiraIssueFields(string Project, string IssueType, string? Summary, string? Description, IReadOnlyList<string> Labels, string Priority, IReadOnlyDictionary<string, object?> Custom);

/// <summary>A notification Alertmanager refuses to send as configured (not retried).</summary>
public sealed class JiraPlanException(string message) : Exception(message);
