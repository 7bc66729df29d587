using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Alerting.Fakes.Jira;

/// <summary>A Jira status: its name and status category (key <c>new</c>, <c>indeterminate</c> or <c>done</c>, and its name).</summary>
public sealed record JiraStatus(string Id, string Name, string CategoryKey, string CategoryName)
{
    public static readonly JiraStatus ToDo = new("10000", "To Do", "new", "To Do");
    public static readonly JiraStatus InProgress = new("3", "In Progress", "indeterminate", "In Progress");
    public static readonly JiraStatus Done = new("10001", "Done", "done", "Done");
}

/// <summary>An issue as the fake holds it: the fields last written, the workflow state and what was done to it.</summary>
public sealed class JiraIssue
{
    public required string Id { get; init; }

    public required string Key { get; init; }

    public required string Project { get; init; }

    /// <summary>Every field as last created or edited (summary, description, labels, custom fields ...).</summary>
    public JsonObject Fields { get; internal set; } = [];

    public JiraStatus Status { get; internal set; } = JiraStatus.ToDo;

    public string? Resolution { get; internal set; }

    public DateTimeOffset? ResolutionDate { get; internal set; }

    public IReadOnlyList<string> Labels => Fields["labels"] is JsonArray a ? [.. a.Select(l => l!.GetValue<string>())] : [];

    /// <summary>How often the issue was edited (PUT).</summary>
    public int Updates { get; internal set; }

    /// <summary>The transitions performed, by name, in order.</summary>
    public List<string> Transitions { get; } = [];
}

/// <summary>
/// Jira cannot run here, so this stands in for the parts of its REST API (v2 and v3) an alerting integration uses,
/// as Atlassian documents them (developer.atlassian.com, "The Jira Cloud platform REST API" and Jira Data Center's
/// REST API): issue search with JQL (<c>POST /rest/api/2/search</c>, <c>POST /rest/api/{2,3}/search/jql</c>; the
/// legacy v3 search answers 410 as on Jira Cloud), create issue (<c>POST issue</c>, 201 with id, key and self),
/// edit issue (<c>PUT issue/{key}</c>, 204), get transitions and do a transition (<c>issue/{key}/transitions</c>).
/// Requests need basic auth (account email and API token) or a bearer personal access token (401 otherwise). It
/// refuses, with Jira's <c>errorMessages</c>/<c>errors</c> bodies, what Jira refuses: a missing or unknown project
/// or issue type, a missing summary, one over 255 characters or with a line break, a description that is not a string (v2)
/// or not an Atlassian Document (v3), labels with spaces, an unknown priority, fields not on the screen, bad JQL,
/// an unknown issue (404), a transition not available from the issue's status. <see cref="FailNext"/> answers 429
/// (with Retry-After) or 5xx.
/// </summary>
public sealed class JiraFake : IAsyncDisposable
{
    public const string Email = "alerts@example.com";
    public const string ApiToken = "ATATT3xFfGF0-jira-fake-token";
    public const string PersonalAccessToken = "NjQ2MjM4-jira-fake-pat";
    public const string Project = "OPS";

    public static readonly IReadOnlySet<string> IssueTypes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Bug", "Task", "Incident" };
    public static readonly IReadOnlySet<string> Priorities = new HashSet<string>(StringComparer.Ordinal) { "Highest", "High", "Medium", "Low", "Lowest" };
    public static readonly IReadOnlySet<string> CustomFields = new HashSet<string>(StringComparer.Ordinal) { "customfield_10001", "customfield_10002", "components" };

    // Jira writes quotes and apostrophes as they are.
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly HashSet<string> StandardFields = new(StringComparer.Ordinal) { "summary", "description", "issuetype", "labels", "priority", "project" };

    private readonly ConcurrentQueue<(string Method, ReceivedRequest Request)> _received = new();
    private readonly ConcurrentQueue<(int Status, string Body)> _rejected = new();
    private readonly List<JiraIssue> _issues = [];
    private readonly Lock _gate = new();
    private readonly TransientFailures _failures = new("Jira");
    private readonly WebApplication _app;
    private readonly TimeProvider _time;
    private int _requests;

    private JiraFake(WebApplication app, TimeProvider time) => (_app, _time) = (app, time);

    /// <summary>The server's root; a jira_config's <c>api_url</c> is <c>{BaseAddress}rest/api/2</c> (or <c>/3</c>).</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public string ApiUrl(int version = 2) => $"{BaseAddress}rest/api/{version}";

    /// <summary>Accepted requests (method and body; GETs with an empty object), in arrival order.</summary>
    public IReadOnlyList<(string Method, ReceivedRequest Request)> Received => _received.ToArray();

    /// <summary>Refused requests: status and Jira's error body.</summary>
    public IReadOnlyList<(int Status, string Body)> Rejected => _rejected.ToArray();

    public int Requests => Volatile.Read(ref _requests);

    public IReadOnlyList<JiraIssue> Issues
    {
        get
        {
            lock (_gate)
            {
                return [.. _issues];
            }
        }
    }

    public static async Task<JiraFake> StartAsync(TimeProvider? time = null, int port = 0, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var fake = new JiraFake(app, time ?? TimeProvider.System);
        app.Run(fake.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        fake.BaseAddress = new Uri(app.Urls.First() + "/");
        return fake;
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="status"/> (429 or 5xx).</summary>
    public void FailNext(int status, int count) => _failures.Arm(status, count);

    /// <summary>Resolves an issue as a person would in Jira's UI (e.g. with "Won't Fix").</summary>
    public void Resolve(string key, string resolution)
    {
        lock (_gate)
        {
            var issue = _issues.Single(i => i.Key == key);
            (issue.Status, issue.Resolution, issue.ResolutionDate) = (JiraStatus.Done, resolution, _time.GetUtcNow());
        }
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref _requests);
        var result = await AnswerAsync(ctx).ConfigureAwait(false);
        await result.ExecuteAsync(ctx).ConfigureAwait(false);
    }

    private async Task<IResult> AnswerAsync(HttpContext ctx)
    {
        var fail = _failures.Take();
        if (fail is 429)
        {
            ctx.Response.Headers.RetryAfter = "1";
            return Error(429, "Rate limit exceeded.");
        }
        if (fail is { } status)
        {
            return Error(status, "Internal server error");
        }
        if (!Authenticated(ctx.Request))
        {
            ctx.Response.Headers.WWWAuthenticate = "Basic realm=\"protected-area\"";
            return Error(401, "You are not authenticated. Authentication required to perform this operation.");
        }
        var segments = ctx.Request.Path.Value!.Trim('/').Split('/');
        if (segments.Length < 4 || segments[0] != "rest" || segments[1] != "api" || segments[2] is not ("2" or "3" or "latest"))
        {
            return Error(404, "null for uri: " + ctx.Request.Path);
        }
        var version = segments[2] == "3" ? 3 : 2;
        var route = segments[3..];
        var method = ctx.Request.Method;
        JsonObject? body = null;
        if (method is "POST" or "PUT")
        {
            using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
            var text = await reader.ReadToEndAsync(ctx.RequestAborted).ConfigureAwait(false);
            try
            {
                body = JsonNode.Parse(text) as JsonObject;
            }
            catch (JsonException)
            {
                body = null;
            }
            if (body is null)
            {
                return Error(400, "Unexpected character: was expecting a JSON object");
            }
            if (!ctx.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ?? true)
            {
                return Error(415, "Unsupported Media Type");
            }
        }
        lock (_gate)
        {
            var answer = (method, route) switch
            {
                ("POST", ["search"]) when version == 3 => Error(410, "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"),
                ("POST", ["search"]) => Search(body!, legacy: true),
                ("POST", ["search", "jql"]) => Search(body!, legacy: false),
                ("POST", ["issue"]) => Create(body!, version),
                ("PUT", ["issue", var key]) => Edit(key, body!, version),
                ("GET", ["issue", var key, "transitions"]) => ListTransitions(key),
                ("POST", ["issue", var key, "transitions"]) => DoTransition(key, body!),
                (_, ["search"] or ["search", "jql"] or ["issue"] or ["issue", _] or ["issue", _, "transitions"]) => Error(405, "Method Not Allowed"),
                _ => Error(404, "null for uri: " + ctx.Request.Path),
            };
            if (answer is not ErrorResult)
            {
                _received.Enqueue((method, new ReceivedRequest(_time.GetUtcNow(), ctx.Request.Path, body ?? new JsonObject())));
            }
            return answer;
        }
    }

    private static bool Authenticated(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return header["Bearer ".Length..] == PersonalAccessToken;
        }
        if (header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            try
            {
                return Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..])) == $"{Email}:{ApiToken}";
            }
            catch (FormatException)
            {
                return false;
            }
        }
        return false;
    }

    private IResult Search(JsonObject body, bool legacy)
    {
        if (body["jql"] is not JsonValue j || !j.TryGetValue<string>(out var jql))
        {
            return legacy ? Error(400, "The JQL query is missing.") : Error(400, "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.");
        }
        var max = 50;
        if (body["maxResults"] is { } m && (m is not JsonValue mv || !mv.TryGetValue(out max)))
        {
            return Error(400, "Can not deserialize value of type int from maxResults");
        }
        if (body["fields"] is { } f && f is not JsonArray)
        {
            return Error(400, "Can not deserialize value of type java.util.List from fields");
        }
        var wanted = body["fields"] is JsonArray fa ? fa.Select(x => x?.ToString()).ToHashSet(StringComparer.Ordinal) : ["*navigable"];
        JiraJql query;
        try
        {
            query = JiraJql.Parse(jql, p => string.Equals(p, Project, StringComparison.OrdinalIgnoreCase), _time.GetUtcNow());
        }
        catch (JqlException e)
        {
            return Error(400, e.Message);
        }
        IEnumerable<JiraIssue> found = _issues.Where(query.Filter);
        IOrderedEnumerable<JiraIssue>? ordered = null;
        foreach (var (field, desc) in query.Order)
        {
            Func<JiraIssue, long> k = field switch
            {
                "status" => i => i.Status == JiraStatus.ToDo ? 0 : i.Status == JiraStatus.InProgress ? 1 : 2,
                // Jira lists issues without a value first in descending order.
                "resolutiondate" => i => i.ResolutionDate?.UtcTicks ?? long.MaxValue,
                _ => i => long.Parse(i.Id, System.Globalization.CultureInfo.InvariantCulture),
            };
            ordered = ordered is null
                ? (desc ? found.OrderByDescending(k) : found.OrderBy(k))
                : (desc ? ordered.ThenByDescending(k) : ordered.ThenBy(k));
        }
        var all = (ordered ?? found).ToList();
        var issues = new JsonArray([.. all.Take(max).Select(i => (JsonNode)IssueJson(i, wanted))]);
        var answer = legacy
            ? new JsonObject { ["expand"] = "schema,names", ["startAt"] = 0, ["maxResults"] = max, ["total"] = all.Count, ["issues"] = issues }
            : new JsonObject { ["issues"] = issues, ["isLast"] = all.Count <= max };
        return Json(200, answer);
    }

    private JsonObject IssueJson(JiraIssue i, HashSet<string?> wanted)
    {
        var fields = new JsonObject();
        if (wanted.Contains("status") || wanted.Contains("*all") || wanted.Contains("*navigable"))
        {
            fields["status"] = new JsonObject
            {
                ["self"] = $"{BaseAddress}rest/api/2/status/{i.Status.Id}",
                ["description"] = string.Empty,
                ["name"] = i.Status.Name,
                ["id"] = i.Status.Id,
                ["statusCategory"] = new JsonObject { ["id"] = i.Status.CategoryKey == "done" ? 3 : i.Status.CategoryKey == "new" ? 2 : 4, ["key"] = i.Status.CategoryKey, ["name"] = i.Status.CategoryName },
            };
        }
        return new JsonObject { ["expand"] = "operations,editmeta,changelog,renderedFields", ["id"] = i.Id, ["self"] = $"{BaseAddress}rest/api/2/issue/{i.Id}", ["key"] = i.Key, ["fields"] = fields };
    }

    private IResult Create(JsonObject body, int version)
    {
        if (body["fields"] is not JsonObject fields)
        {
            return Errors(new JsonObject { ["project"] = "Specify a valid project ID or key", ["summary"] = "You must specify a summary of the issue.", ["issuetype"] = "Specify an issue type" });
        }
        var errors = Validate(fields, version, creating: true);
        if (errors.Count > 0)
        {
            return Errors(errors);
        }
        var id = (10000 + _issues.Count).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var issue = new JiraIssue { Id = id, Key = $"{Project}-{_issues.Count + 1}", Project = Project, Fields = (JsonObject)fields.DeepClone() };
        _issues.Add(issue);
        return Json(201, new JsonObject { ["id"] = id, ["key"] = issue.Key, ["self"] = $"{BaseAddress}rest/api/{version}/issue/{id}" });
    }

    private IResult Edit(string key, JsonObject body, int version)
    {
        if (Find(key) is not { } issue)
        {
            return NoIssue();
        }
        if (body["fields"] is not JsonObject fields)
        {
            return Errors(new JsonObject(), "No fields or update operations were provided.");
        }
        var errors = Validate(fields, version, creating: false);
        if (fields["project"] is JsonObject p && !string.Equals(p["key"]?.ToString(), issue.Project, StringComparison.OrdinalIgnoreCase))
        {
            errors["project"] = "Field 'project' cannot be set. It is not on the appropriate screen, or unknown.";
        }
        if (errors.Count > 0)
        {
            return Errors(errors);
        }
        foreach (var (k, v) in fields)
        {
            issue.Fields[k] = v?.DeepClone();
        }
        issue.Updates++;
        return Results.StatusCode(204);
    }

    private JsonObject Validate(JsonObject fields, int version, bool creating)
    {
        var errors = new JsonObject();
        if (creating || fields.ContainsKey("project"))
        {
            var project = fields["project"] as JsonObject;
            var key = project?["key"]?.ToString() ?? project?["id"]?.ToString();
            if (key is null || !(string.Equals(key, Project, StringComparison.OrdinalIgnoreCase) || key == "10000"))
            {
                errors["project"] = "Specify a valid project ID or key";
            }
        }
        if (creating || fields.ContainsKey("issuetype"))
        {
            var type = fields["issuetype"] as JsonObject;
            var name = type?["name"]?.ToString() ?? type?["id"]?.ToString();
            if (name is null)
            {
                errors["issuetype"] = "Specify an issue type";
            }
            else if (!IssueTypes.Contains(name))
            {
                errors["issuetype"] = "Specify a valid issue type";
            }
        }
        if (creating || fields.ContainsKey("summary"))
        {
            if (fields["summary"] is not JsonValue s || !s.TryGetValue<string>(out var summary) || summary.Trim().Length == 0)
            {
                errors["summary"] = "You must specify a summary of the issue.";
            }
            else if (summary.EnumerateRunes().Count() > 255 || summary.Contains('\n', StringComparison.Ordinal))
            {
                errors["summary"] = !summary.Contains('\n', StringComparison.Ordinal) ? "Summary must be less than 255 characters." : "The summary is invalid because it contains newline characters.";
            }
        }
        if (fields.ContainsKey("description"))
        {
            var d = fields["description"];
            if (version == 2 && d is not null && (d is not JsonValue dv || !dv.TryGetValue<string>(out _)))
            {
                errors["description"] = "Operation value must be a string";
            }
            if (version == 3 && d is not null && (d is not JsonObject doc || doc["type"]?.ToString() != "doc" || doc["version"]?.ToString() != "1" || doc["content"] is not JsonArray))
            {
                errors["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)";
            }
        }
        if (fields.ContainsKey("labels"))
        {
            if (fields["labels"] is not JsonArray labels || labels.Any(l => l is not JsonValue lv || !lv.TryGetValue<string>(out _)))
            {
                errors["labels"] = "Operation value must be an array of strings";
            }
            else if (labels.Select(l => l!.GetValue<string>()).FirstOrDefault(l => l.Contains(' ', StringComparison.Ordinal) || l.Length == 0 || l.Length > 255) is { } bad)
            {
                errors["labels"] = bad.Contains(' ', StringComparison.Ordinal) ? $"The label '{bad}' contains spaces which is invalid." : "The label must be between 1 and 255 characters.";
            }
        }
        if (fields.ContainsKey("priority"))
        {
            var name = (fields["priority"] as JsonObject)?["name"]?.ToString();
            if (name is null || !Priorities.Contains(name))
            {
                errors["priority"] = $"Priority name '{name}' is not valid";
            }
        }
        foreach (var (k, _) in fields)
        {
            if (!StandardFields.Contains(k) && !CustomFields.Contains(k))
            {
                errors[k] = $"Field '{k}' cannot be set. It is not on the appropriate screen, or unknown.";
            }
        }
        return errors;
    }

    private static IReadOnlyList<(string Id, string Name, JiraStatus To)> Available(JiraIssue issue) => issue.Status.CategoryKey == "done"
        ? [("41", "Reopen", JiraStatus.ToDo)]
        : [("21", "In Progress", JiraStatus.InProgress), ("31", "Done", JiraStatus.Done)];

    private IResult ListTransitions(string key)
    {
        if (Find(key) is not { } issue)
        {
            return NoIssue();
        }
        var list = new JsonArray([.. Available(issue).Select(t => (JsonNode)new JsonObject
        {
            ["id"] = t.Id,
            ["name"] = t.Name,
            ["to"] = new JsonObject { ["name"] = t.To.Name, ["id"] = t.To.Id, ["statusCategory"] = new JsonObject { ["key"] = t.To.CategoryKey, ["name"] = t.To.CategoryName } },
            ["hasScreen"] = false,
            ["isGlobal"] = false,
        })]);
        return Json(200, new JsonObject { ["expand"] = "transitions", ["transitions"] = list });
    }

    private IResult DoTransition(string key, JsonObject body)
    {
        if (Find(key) is not { } issue)
        {
            return NoIssue();
        }
        var id = (body["transition"] as JsonObject)?["id"]?.ToString();
        if (id is null)
        {
            return Errors(new JsonObject(), "Missing 'transition' identifier");
        }
        var t = Available(issue).FirstOrDefault(a => a.Id == id);
        if (t.Name is null)
        {
            return Errors(new JsonObject(), $"Transition id '{id}' is not valid for this issue.");
        }
        issue.Status = t.To;
        var done = t.To.CategoryKey == "done";
        issue.Resolution = done ? "Done" : null;
        issue.ResolutionDate = done ? _time.GetUtcNow() : null;
        issue.Transitions.Add(t.Name);
        return Results.StatusCode(204);
    }

    private JiraIssue? Find(string key) => _issues.FirstOrDefault(i => string.Equals(i.Key, key, StringComparison.OrdinalIgnoreCase) || i.Id == key);

    private IResult NoIssue() => Error(404, "Issue does not exist or you do not have permission to see it.");

    private IResult Error(int status, string message) => Reject(status, new JsonObject { ["errorMessages"] = new JsonArray(message), ["errors"] = new JsonObject() });

    private IResult Errors(JsonObject errors, string? message = null) =>
        Reject(400, new JsonObject { ["errorMessages"] = message is null ? new JsonArray() : new JsonArray(message), ["errors"] = errors });

    private ErrorResult Reject(int status, JsonObject body)
    {
        var json = body.ToJsonString(Relaxed);
        _rejected.Enqueue((status, json));
        return new ErrorResult(status, json);
    }

    private static IResult Json(int status, JsonObject body) => Results.Content(body.ToJsonString(Relaxed), "application/json;charset=UTF-8", Encoding.UTF8, status);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);

    private sealed class ErrorResult(int status, string json) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) =>
            Results.Content(json, "application/json;charset=UTF-8", Encoding.UTF8, status).ExecuteAsync(httpContext);
    }
}
