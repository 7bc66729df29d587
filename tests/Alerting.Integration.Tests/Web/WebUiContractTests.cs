using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Alerting.Functions.Functions;
using Alerting.Integration.Tests.Collection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;

namespace Alerting.Integration.Tests.Web;

/// <summary>
/// The operator page against a stand-in for the acknowledgement API that follows its agreed contract,
/// so the page's grouping, buttons, history, escaping and error display are tested before the real API
/// lands. The page is the function's own response (same HTML, same CSP), served from this test's Kestrel.
/// </summary>
public sealed class WebUiContractTests : IAsyncLifetime
{
    private const string Key = "test-key";

    // An annotation an attacker could control (pushed alerts carry arbitrary annotations).
    private const string Hostile = "<img src=x onerror=\"window.__xss = 1\"> disk full";

    private readonly ConcurrentDictionary<string, JsonObject> _alerts = new();
    private readonly ConcurrentQueue<(string Id, string Action, JsonObject Body, string? Key)> _posts = new();
    private readonly ConcurrentDictionary<string, List<JsonObject>> _history = new();
    private volatile bool _slowListing;
    private LocalServer _server = null!;
    private Chromium _browser = null!;

    private Uri PageUrl => new($"http://{_server.Address}/api/ui?code={Key}");

    public async Task InitializeAsync()
    {
        Add("fp-crit-1", "UserMachineDown", "critical", "vyx-user-7", "firing", null, Hostile);
        Add("fp-crit-2", "UserMachineDown", "critical", "vyx-user-3", "firing", null, "down");
        Add("fp-warn-1", "HighErrorRate", "warning", "vyx-user-2", "acknowledged", "bob", "errors");
        _server = await LocalServer.StartAsync(MapFakeApi);
        _browser = await Chromium.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _server.DisposeAsync();
    }

    private void Add(string id, string name, string severity, string instance, string status, string? by, string summary) =>
        _alerts[id] = new JsonObject
        {
            ["id"] = id,
            ["alertname"] = name,
            ["severity"] = severity,
            ["instance"] = instance,
            ["status"] = status,
            ["since"] = "2026-11-24T12:00:00Z",
            ["by"] = by,
            ["startsAt"] = "2026-11-24T11:55:00Z",
            ["labels"] = new JsonObject { ["alertname"] = name, ["severity"] = severity, ["instance"] = instance },
            ["annotations"] = new JsonObject { ["summary"] = summary },
        };

    private void MapFakeApi(WebApplication app)
    {
        app.MapGet("/api/ui", async (HttpContext ctx) =>
            await WebUiFunction.Run(ctx.Request).ExecuteResultAsync(new ActionContext(ctx, new RouteData(), new ActionDescriptor())));
        app.MapGet("/api/alerts/open", async (HttpContext ctx) =>
        {
            if (!Authorized(ctx))
            {
                return Results.Json(new { error = "missing or invalid function key" }, statusCode: 401);
            }
            // Snapshot first, answer later: a listing that was already on its way when an action landed.
            var listing = new JsonObject { ["alerts"] = new JsonArray([.. _alerts.Values.Select(a => a.DeepClone())]) };
            if (_slowListing)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(800));
            }
            return Results.Json(listing);
        });
        app.MapGet("/api/alerts/{id}/history", (HttpContext ctx, string id) =>
            !Authorized(ctx) ? Results.Json(new { error = "missing or invalid function key" }, statusCode: 401)
            : !_alerts.ContainsKey(id) ? Results.Json(new { error = $"no open alert {id}" }, statusCode: 404)
            : Results.Json(new JsonObject { ["id"] = id, ["history"] = new JsonArray([.. History(id).Select(h => h.DeepClone())]) }));
        app.MapPost("/api/alerts/{id}/{action}", async (HttpContext ctx, string id, string action) =>
        {
            var body = (await JsonNode.ParseAsync(ctx.Request.Body))!.AsObject();
            _posts.Enqueue((id, action, body, ctx.Request.Headers["x-functions-key"].FirstOrDefault()));
            if (!Authorized(ctx))
            {
                return Results.Json(new { error = "missing or invalid function key" }, statusCode: 401);
            }
            if (!_alerts.TryGetValue(id, out var alert))
            {
                return Results.Json(new { error = $"no open alert {id}" }, statusCode: 404);
            }
            if (id == "fp-crit-2")
            {
                return Results.Json(new { error = "alert fp-crit-2 was resolved by carol" }, statusCode: 409);
            }
            var from = alert["status"]!.GetValue<string>();
            var to = action switch { "acknowledge" => "acknowledged", "silence" => "silenced", "snooze" => "snoozed", _ => "firing" };
            alert["status"] = to;
            alert["by"] = to == "firing" ? null : body["who"]?.GetValue<string>();
            History(id).Add(new JsonObject
            {
                ["action"] = action, ["who"] = body["who"]?.DeepClone(), ["when"] = "2026-11-24T12:01:00Z",
                ["how"] = body["how"]?.DeepClone(), ["from"] = from, ["to"] = to, ["note"] = null,
            });
            return Results.Json(new { id, status = to });
        });
    }

    private List<JsonObject> History(string id) => _history.GetOrAdd(id, _ => []);

    private static bool Authorized(HttpContext ctx) =>
        (ctx.Request.Headers["x-functions-key"].FirstOrDefault() ?? ctx.Request.Query["code"].FirstOrDefault()) == Key;

    private async Task LoadAsync()
    {
        await _browser.NavigateAsync(PageUrl);
        await _browser.WaitForAsync("document.body.dataset.state === 'ready'", TimeSpan.FromSeconds(10));
    }

    private Task<string?> TextAsync(string selector) =>
        _browser.EvaluateAsync<string>($"document.querySelector({System.Text.Json.JsonSerializer.Serialize(selector)})?.textContent ?? null");

    [Fact]
    public async Task Alerts_are_grouped_by_severity_critical_first_then_by_machine_with_who_acknowledged()
    {
        await LoadAsync();

        Assert.Equal(["critical", "warning"], await _browser.EvaluateAsync<string[]>("[...document.querySelectorAll('section.severity')].map(s => s.dataset.severity)") ?? []);
        Assert.Equal(["vyx-user-3", "vyx-user-7"], await _browser.EvaluateAsync<string[]>("[...document.querySelectorAll('section[data-severity=critical] table')].map(t => t.dataset.instance)") ?? []);
        Assert.Equal("firing", await _browser.EvaluateAsync<string>("document.querySelector('tr[data-alert-id=\"fp-crit-1\"]').dataset.status"));
        Assert.Equal("acknowledged", await _browser.EvaluateAsync<string>("document.querySelector('tr[data-alert-id=\"fp-warn-1\"]').dataset.status"));
        Assert.Contains("bob", await TextAsync("tr[data-alert-id=\"fp-warn-1\"] td.status"), StringComparison.Ordinal);
        Assert.Equal("Unacknowledge", await TextAsync("tr[data-alert-id=\"fp-warn-1\"] button[data-action=\"unacknowledge\"]"));
        Assert.Equal("Acknowledge", await TextAsync("tr[data-alert-id=\"fp-crit-1\"] button[data-action=\"acknowledge\"]"));
        Assert.NotNull(await TextAsync("tr[data-alert-id=\"fp-crit-1\"] button[data-action=\"silence\"]"));
        Assert.True(await _browser.EvaluateAsync<bool>("document.getElementById('empty').hidden"));
    }

    [Fact]
    public async Task Alert_text_is_shown_as_text_never_as_markup()
    {
        await LoadAsync();

        Assert.Equal(Hostile, await TextAsync("tr[data-alert-id=\"fp-crit-1\"] td.summary"));
        Assert.Equal(0, await _browser.EvaluateAsync<int>("document.querySelectorAll('img').length"));
        Assert.False(await _browser.EvaluateAsync<bool>("'__xss' in window"));
    }

    [Fact]
    public async Task Acknowledge_by_click_posts_who_and_how_with_the_key_and_the_row_turns_acknowledged()
    {
        await LoadAsync();

        await _browser.ClickAsync("tr[data-alert-id=\"fp-crit-1\"] button[data-action=\"acknowledge\"]");
        await _browser.WaitForAsync("document.querySelector('tr[data-alert-id=\"fp-crit-1\"]')?.dataset.status === 'acknowledged'", TimeSpan.FromSeconds(10));

        var post = Assert.Single(_posts);
        Assert.Equal(("fp-crit-1", "acknowledge", Key), (post.Id, post.Action, post.Key));
        Assert.Equal("web-operator", post.Body["who"]?.GetValue<string>());
        Assert.Equal("web", post.Body["how"]?.GetValue<string>());
        Assert.Contains("web-operator", await TextAsync("tr[data-alert-id=\"fp-crit-1\"] td.status"), StringComparison.Ordinal);
        Assert.NotNull(await TextAsync("tr[data-alert-id=\"fp-crit-1\"] button[data-action=\"unacknowledge\"]"));
        Assert.Empty(_browser.Errors);
    }

    [Fact]
    public async Task The_operator_name_is_remembered_and_sent_with_silence()
    {
        await LoadAsync();
        await _browser.EvaluateAsync<bool>("(() => { const w = document.getElementById('who'); w.value = 'alice'; w.dispatchEvent(new Event('change')); return true; })()");

        await LoadAsync();
        Assert.Equal("alice", await _browser.EvaluateAsync<string>("document.getElementById('who').value"));
        await _browser.ClickAsync("tr[data-alert-id=\"fp-crit-1\"] button[data-action=\"silence\"]");
        await _browser.WaitForAsync("document.querySelector('tr[data-alert-id=\"fp-crit-1\"]')?.dataset.status === 'silenced'", TimeSpan.FromSeconds(10));

        var post = Assert.Single(_posts);
        Assert.Equal(("silence", "alice", "web"), (post.Action, post.Body["who"]?.GetValue<string>(), post.Body["how"]?.GetValue<string>()));
    }

    [Fact]
    public async Task A_click_on_an_alert_shows_its_history()
    {
        await LoadAsync();
        await _browser.ClickAsync("tr[data-alert-id=\"fp-crit-1\"] button[data-action=\"acknowledge\"]");
        await _browser.WaitForAsync("document.querySelector('tr[data-alert-id=\"fp-crit-1\"]')?.dataset.status === 'acknowledged'", TimeSpan.FromSeconds(10));

        await _browser.ClickAsync("tr[data-alert-id=\"fp-crit-1\"] td.alertname");
        await _browser.WaitForAsync("document.querySelectorAll('#history li.entry').length === 1", TimeSpan.FromSeconds(10));

        Assert.False(await _browser.EvaluateAsync<bool>("document.getElementById('history').hidden"));
        Assert.Equal("fp-crit-1", await _browser.EvaluateAsync<string>("document.getElementById('history').dataset.alertId"));
        Assert.Equal("acknowledge", await _browser.EvaluateAsync<string>("document.querySelector('#history li.entry').dataset.action"));
        Assert.Contains("web-operator", await TextAsync("#history li.entry"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_api_error_is_shown_in_the_error_element()
    {
        await LoadAsync();

        await _browser.ClickAsync("tr[data-alert-id=\"fp-crit-2\"] button[data-action=\"acknowledge\"]");
        await _browser.WaitForAsync("!document.getElementById('error').hidden", TimeSpan.FromSeconds(10));

        Assert.Contains("409 alert fp-crit-2 was resolved by carol", await TextAsync("#error"), StringComparison.Ordinal);
        Assert.Equal("firing", await _browser.EvaluateAsync<string>("document.querySelector('tr[data-alert-id=\"fp-crit-2\"]').dataset.status"));

        // The next poll succeeds, but the operator must still see why the click failed.
        var refreshes = await _browser.EvaluateAsync<int>("Number(document.body.dataset.refreshes)");
        await _browser.ClickAsync("#refresh");
        await _browser.WaitForAsync($"Number(document.body.dataset.refreshes) > {refreshes}", TimeSpan.FromSeconds(10));
        Assert.False(await _browser.EvaluateAsync<bool>("document.getElementById('error').hidden"));
        // The browser logs the 409 itself; the page adds no script error of its own.
        Assert.DoesNotContain(_browser.Errors, e => e.Source != "network");
    }

    [Fact]
    public async Task An_action_during_a_slow_refresh_is_followed_by_a_fresh_listing_not_the_stale_one()
    {
        await LoadAsync();
        _slowListing = true;

        await _browser.ClickAsync("#refresh");
        await _browser.ClickAsync("tr[data-alert-id=\"fp-crit-1\"] button[data-action=\"acknowledge\"]");

        // Well before the 10 s poll: the stale listing (firing) must be followed by a fresh one.
        await _browser.WaitForAsync("document.querySelector('tr[data-alert-id=\"fp-crit-1\"]')?.dataset.status === 'acknowledged'", TimeSpan.FromSeconds(4));
        Assert.Single(_posts);
    }
}
