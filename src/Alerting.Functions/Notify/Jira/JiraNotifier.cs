using System.Text.Json;
using Alerting.Core.Alertmanager;
using Alerting.Core.Notify.Jira;
using Alerting.Functions.Notify.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.Jira;

/// <summary>
/// Alertmanager's Jira integration (<c>jira</c>, first in Alertmanager 0.28; behaviour of its current source):
/// the group's issue is found by a JQL search for its <c>ALERT{hash}</c> label; without one a firing group
/// creates an issue (<c>POST issue</c>) and a resolved one sends nothing; with one the issue is edited
/// (<c>PUT issue/{key}</c>, summary and description only when their <c>enable_update</c> allows), then
/// transitioned: reopened when firing and done, resolved when resolved and not done. Authentication is the
/// http_config's (basic auth with an account email and API token, or a bearer personal access token).
/// 429 and 5xx are transient, other failures permanent, as in Alertmanager.
/// </summary>
public sealed partial class JiraNotifier(NotifyHttpClients clients, ILogger<JiraNotifier> logger) : Notifier<JiraConfig>
{
    public override string Kind => "jira";

    protected override async Task<DeliveryReceipt?> SendAsync(JiraConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var data = notification.Data();
        var templater = new Templater(notification.Templates, data);
        var firing = data.Alerts.Firing().Count > 0;
        var hash = notification.GroupKeyHash;
        var client = clients.For(config.HttpConfig);

        var project = templater.Text(config.Project);
        // Alertmanager fails before searching when the project does not render.
        ThrowOnTemplateErrors(templater, integration, notification);
        var jql = JiraIssuePlan.Jql(config, project, hash, firing);
        LogSearch(logger, integration.Id, notification.GroupKey, jql);
        var existing = await SearchAsync(client, config, jql, ct).ConfigureAwait(false);
        if (existing is null && !firing)
        {
            // Alertmanager does not open an issue for a group that is already resolved.
            templater.Report(logger, integration.Id, notification.Receiver);
            return null;
        }

        var fields = Fields(config, templater, project, hash, integration.Id, notification.GroupKey);
        if (existing is not null)
        {
            fields = fields with
            {
                Summary = config.Summary.UpdatesExisting ? fields.Summary : null,
                Description = config.Description.UpdatesExisting ? fields.Description : null,
            };
        }
        ThrowOnTemplateErrors(templater, integration, notification);
        string body;
        try
        {
            body = JiraIssuePlan.IssueBody(fields, JiraIssuePlan.IsApiV3(config.ApiUrl));
        }
        catch (JiraPlanException e)
        {
            throw new PermanentNotificationException("jira: " + e.Message);
        }

        var (method, path) = existing is null ? (HttpMethod.Post, "issue") : (HttpMethod.Put, "issue/" + existing.Key);
        using (var response = await SendAsync(client, method, JiraIssuePlan.Join(config.ApiUrl, path), body, ct).ConfigureAwait(false))
        {
            await DeliveryResponses.EnsureDeliveredAsync(response, $"jira: failed to {method} request to \"{path}\"", ct).ConfigureAwait(false);
        }

        if (JiraIssuePlan.Transition(config, existing?.StatusCategory, firing) is { } transition)
        {
            await TransitionAsync(client, config, existing!.Key, transition, ct).ConfigureAwait(false);
            LogTransitioned(logger, integration.Id, existing.Key, transition);
        }
        return null;
    }

    /// <summary>Unlike a chat message, an issue stays: Alertmanager sends nothing from a template that fails.</summary>
    private void ThrowOnTemplateErrors(Templater templater, Integration integration, Notification notification)
    {
        templater.Report(logger, integration.Id, notification.Receiver);
        if (templater.Errors.Count > 0)
        {
            throw new PermanentNotificationException("jira: template error: " + templater.Errors[0]);
        }
    }

    private JiraIssueFields Fields(JiraConfig config, Templater t, string project, string hash, string integrationId, string groupKey)
    {
        var summary = t.Text(config.Summary.Template);
        var cut = Truncate.InRunes(summary, JiraIssuePlan.MaxSummaryRunes);
        if (cut.Length != summary.Length)
        {
            LogTruncated(logger, integrationId, groupKey, "summary", JiraIssuePlan.MaxSummaryRunes);
        }
        var description = t.Text(config.Description.Template);
        var cutDescription = Truncate.InRunes(description, JiraIssuePlan.MaxDescriptionRunes);
        if (cutDescription.Length != description.Length)
        {
            LogTruncated(logger, integrationId, groupKey, "description", JiraIssuePlan.MaxDescriptionRunes);
        }
        var custom = config.Fields.ToDictionary(kv => kv.Key, kv => JiraFieldValues.Render(kv.Value, t.Text), StringComparer.Ordinal);
        return new JiraIssueFields(project, t.Text(config.IssueType), cut, cutDescription,
            JiraIssuePlan.Labels(config.Labels.Select(t.Text), hash), t.Text(config.Priority), custom);
    }

    private static async Task<FoundIssue?> SearchAsync(HttpClient client, JiraConfig config, string jql, CancellationToken ct)
    {
        using var response = await SendAsync(client, HttpMethod.Post, JiraIssuePlan.SearchUrl(config), JiraIssuePlan.SearchBody(jql), ct).ConfigureAwait(false);
        await DeliveryResponses.EnsureDeliveredAsync(response, "jira: failed to look up existing issues", ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (!doc.RootElement.TryGetProperty("issues", out var issues) || issues.ValueKind != JsonValueKind.Array || issues.GetArrayLength() == 0)
            {
                return null;
            }
            var first = issues[0];
            var key = first.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : string.Empty;
            string? category = null;
            if (first.TryGetProperty("fields", out var f) && f.ValueKind == JsonValueKind.Object
                && f.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Object)
            {
                category = s.TryGetProperty("statusCategory", out var c) && c.ValueKind == JsonValueKind.Object && c.TryGetProperty("key", out var ck) && ck.ValueKind == JsonValueKind.String
                    ? ck.GetString()
                    : string.Empty;
            }
            // Without a key or a status Alertmanager edits nothing it could transition.
            return new FoundIssue(key, key.Length == 0 ? null : category);
        }
        catch (JsonException e)
        {
            throw new PermanentNotificationException($"jira: failed to look up existing issues: the answer is not JSON ({e.Message})");
        }
        catch (InvalidOperationException e)
        {
            throw new PermanentNotificationException($"jira: failed to look up existing issues: unexpected answer ({e.Message})");
        }
    }

    private static async Task TransitionAsync(HttpClient client, JiraConfig config, string key, string name, CancellationToken ct)
    {
        var path = $"issue/{key}/transitions";
        string? id = null;
        using (var response = await SendAsync(client, HttpMethod.Get, JiraIssuePlan.Join(config.ApiUrl, path), null, ct).ConfigureAwait(false))
        {
            await DeliveryResponses.EnsureDeliveredAsync(response, $"jira: failed to GET request to \"{path}\"", ct).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            try
            {
                using var doc = JsonDocument.Parse(text);
                if (doc.RootElement.TryGetProperty("transitions", out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (var t in list.EnumerateArray())
                    {
                        if (t.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && n.GetString() == name)
                        {
                            id = t.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : string.Empty;
                            break;
                        }
                    }
                }
            }
            catch (JsonException e)
            {
                throw new PermanentNotificationException($"jira: transitions of {key}: the answer is not JSON ({e.Message})");
            }
        }
        if (id is null)
        {
            throw new PermanentNotificationException($"jira: can't find transition {name} for issue {key}");
        }
        using var done = await SendAsync(client, HttpMethod.Post, JiraIssuePlan.Join(config.ApiUrl, path), JiraIssuePlan.TransitionBody(id), ct).ConfigureAwait(false);
        await DeliveryResponses.EnsureDeliveredAsync(done, $"jira: failed to POST request to \"{path}\"", ct).ConfigureAwait(false);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string url, string? json, CancellationToken ct) =>
        NotifyRequests.SendAsync(client, method, url, json is null ? null : NotifyRequests.Content(json), ct, r => r.Headers.AcceptLanguage.ParseAdd("en"));

    private sealed record FoundIssue(string Key, string? StatusCategory);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Integration} of group {GroupKey}: searching Jira with {Jql}")]
    private static partial void LogSearch(ILogger logger, string integration, string groupKey, string jql);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Integration} of group {GroupKey}: truncated the {Field} to {MaxRunes} runes")]
    private static partial void LogTruncated(ILogger logger, string integration, string groupKey, string field, int maxRunes);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Integration}: Jira issue {Key} transitioned with {Transition}")]
    private static partial void LogTransitioned(ILogger logger, string integration, string key, string transition);
}
