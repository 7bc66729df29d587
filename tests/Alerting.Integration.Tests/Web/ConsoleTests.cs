using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Alerting.Integration.Tests.Web;

/// <summary>
/// The operator console in real headless Chromium against the real app on Azurite, used as a person
/// would: real clicks and typing, each view checked by axe-core and kept as a screenshot.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleTests(ConsoleFixture f, ITestOutputHelper output)
{
    public static TheoryData<string, string> Views => new()
    {
        { "alerts", "" },
        { "alert-detail", "#/alerts/{trading}" },
        { "alert-detail-notified", "#/alerts/{CertificateExpiry}" },
        { "silences", "#/silences" },
        { "silence-new", "#/silences/new?alert={CertificateExpiry}" },
        { "oncall", "#/oncall" },
        { "health", "#/health" },
    };

    [Theory]
    [MemberData(nameof(Views))]
    public async Task Each_view_loads_without_errors_passes_axe_and_is_kept_as_a_screenshot(string name, string hash)
    {
        await using var tab = await f.Browser.NewPageAsync();
        var page = tab.Page;

        await page.GotoAsync(f.Url(Resolve(hash)).ToString());
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "ready");
        await ExpectViewContentAsync(page, name);

        output.WriteLine(await BrowserTestKit.ScreenshotAsync(page, name));
        await BrowserTestKit.AssertNoSeriousViolationsAsync(page, name, output);
        Assert.Empty(tab.Errors);
    }

    [Theory]
    [InlineData("phone-alerts", "")]
    [InlineData("phone-alert-detail", "#/alerts/{trading}")]
    [InlineData("phone-silence-new", "#/silences/new?alert={DiskFull}")]
    public async Task On_a_phone_the_views_fit_the_screen(string name, string hash)
    {
        await using var tab = await f.Browser.NewPageAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            DeviceScaleFactor = 2,
            IsMobile = true,
            HasTouch = true,
            Locale = "en-GB",
            TimezoneId = "Europe/London",
        });
        var page = tab.Page;

        await page.GotoAsync(f.Url(Resolve(hash)).ToString());
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "ready");
        await ExpectViewContentAsync(page, name.Replace("phone-", string.Empty, StringComparison.Ordinal));

        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        output.WriteLine(await BrowserTestKit.ScreenshotAsync(page, name));
        Assert.True(overflow <= 0, $"{name} scrolls sideways by {overflow}px on a 390px-wide phone");
        await BrowserTestKit.AssertNoSeriousViolationsAsync(page, name, output);
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Acknowledging_by_click_shows_who_did_it_and_stops_the_escalation()
    {
        await using var tab = await f.Browser.NewPageAsync();
        var page = tab.Page;
        await page.GotoAsync(f.Url().ToString());

        await page.GetByLabel("Your name").FillAsync("carol");
        await page.GetByLabel("Your name").PressAsync("Tab");
        var row = page.Locator($"li.alert[data-alert-id=\"{f.Ids["PaymentsLatencyHigh"]}\"]");
        await Expect(row).ToHaveAttributeAsync("data-status", "firing");
        await row.GetByRole(AriaRole.Button, new() { Name = "Acknowledge PaymentsLatencyHigh on vyx-user-2" }).ClickAsync();

        await Expect(row).ToHaveAttributeAsync("data-status", "acknowledged");
        await Expect(row.Locator(".state")).ToContainTextAsync("acknowledged by carol");
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("PaymentsLatencyHigh: acknowledged by carol.");

        await row.GetByRole(AriaRole.Link, new() { Name = "PaymentsLatencyHigh" }).ClickAsync();
        await Expect(page.Locator("#alert-title")).ToHaveTextAsync("PaymentsLatencyHigh on vyx-user-2");
        await Expect(page.Locator("#history li[data-action=acknowledge]")).ToContainTextAsync("carol acknowledged it (firing → acknowledged)");
        await Expect(page.Locator("#history li[data-action=acknowledge]")).ToContainTextAsync("via web");
        await Expect(page.Locator("#escalation-next")).ToHaveTextAsync("No further steps: alert is acknowledged.");
        // Keyboard: the detail view's heading has the focus after navigating.
        Assert.Equal("alert-title", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Silencing_from_an_alert_previews_it_creates_the_silence_and_mutes_the_alert()
    {
        await using var tab = await f.Browser.NewPageAsync();
        var page = tab.Page;
        var id = f.Ids["DiskFull"];
        await page.GotoAsync(f.Url($"#/alerts/{id}").ToString());

        await page.GetByRole(AriaRole.Link, new() { Name = "New silence from this alert…" }).ClickAsync();
        await Expect(page.Locator("#silence-new-title")).ToBeFocusedAsync();
        // Every label of the alert becomes an equality matcher, alertname first, as Alertmanager's UI does.
        await Expect(page.Locator(".matcher-row")).ToHaveCountAsync(4);
        await Expect(page.GetByLabel("Matcher 1 label name")).ToHaveValueAsync("alertname");
        await Expect(page.GetByLabel("Matcher 1 value")).ToHaveValueAsync("DiskFull");
        await Expect(page.Locator("#preview-status")).ToHaveTextAsync("Mutes 1 open alert.");
        await Expect(page.Locator($"#preview-list li.alert[data-alert-id=\"{id}\"] .summary")).ToHaveTextAsync(ConsoleFixture.HostileSummary);

        await page.GetByLabel("Duration").FillAsync("90m");
        await page.GetByLabel("Comment (why, and for how long)").FillAsync("Disk is being replaced on vyx-user-3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create silence" }).ClickAsync();

        var created = page.Locator("[data-silence-state=active] li.silence").Filter(new() { HasText = "Disk is being replaced on vyx-user-3" });
        await Expect(created).ToHaveCountAsync(1);
        await Expect(created.Locator("ul.chips")).ToContainTextAsync("alertname=\"DiskFull\"");
        await Expect(created).ToContainTextAsync("ends");

        await page.GetByRole(AriaRole.Link, new() { Name = "Alerts" }).ClickAsync();
        var row = page.Locator($"#alerts li.alert[data-alert-id=\"{id}\"]");
        await Expect(row.Locator(".badge").Filter(new() { HasText = "Muted" })).ToBeVisibleAsync();
        await Expect(row.Locator(".state")).ToContainTextAsync("muted by a silence");

        var silence = (await f.SilencesAsync()).OfType<JsonObject>().Single(s => s["comment"]!.GetValue<string>() == "Disk is being replaced on vyx-user-3");
        Assert.Equal("active", silence["status"]!["state"]!.GetValue<string>());
        Assert.Equal("web-operator", silence["createdBy"]!.GetValue<string>());
        var length = DateTimeOffset.Parse(silence["endsAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
            - DateTimeOffset.Parse(silence["startsAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(length.TotalMinutes, 89, 91);
        Assert.False(await page.EvaluateAsync<bool>("() => window.__xss === 1"));
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task A_silence_made_by_hand_previews_its_alerts_refuses_a_bad_regex_and_can_be_expired()
    {
        await using var tab = await f.Browser.NewPageAsync();
        var page = tab.Page;
        await page.GotoAsync(f.Url("#/silences").ToString());

        await page.GetByRole(AriaRole.Link, new() { Name = "New silence" }).ClickAsync();
        await page.GetByLabel("Matcher 1 label name").FillAsync("instance");
        await page.GetByLabel("Matcher 1 operator").SelectOptionAsync("=~");
        await page.GetByLabel("Matcher 1 value").FillAsync("vyx-user-(1");
        await Expect(page.Locator("#preview-status")).ToContainTextAsync("bad matcher");

        await page.GetByLabel("Matcher 1 value").FillAsync("vyx-user-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add matcher" }).ClickAsync();
        await page.GetByLabel("Matcher 2 label name").FillAsync("severity");
        await page.GetByLabel("Matcher 2 value").FillAsync("info");
        await Expect(page.Locator("#preview-status")).ToHaveTextAsync("Mutes 1 open alert.");
        await Expect(page.Locator("#preview-list li.alert a.alertname")).ToHaveTextAsync("CertificateExpiry");

        // A missing comment is explained, not sent.
        await page.GetByRole(AriaRole.Button, new() { Name = "Create silence" }).ClickAsync();
        await Expect(page.Locator("#silence-form-error")).ToHaveTextAsync("Add a comment: the people who see this silence later need to know why.");
        await page.GetByLabel("Created by").FillAsync("dana");
        await page.GetByLabel("Comment (why, and for how long)").FillAsync("Certificate renewal in progress");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create silence" }).ClickAsync();

        var active = page.Locator("[data-silence-state=active] li.silence").Filter(new() { HasText = "Certificate renewal in progress" });
        await Expect(active).ToHaveCountAsync(1);
        await active.GetByRole(AriaRole.Button, new() { Name = "Expire silence: Certificate renewal in progress" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Silence expired.");
        await Expect(active).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-silence-state=expired] li.silence").Filter(new() { HasText = "Certificate renewal in progress" })).ToHaveCountAsync(1);
        var stored = (await f.SilencesAsync()).OfType<JsonObject>().Single(s => s["comment"]!.GetValue<string>() == "Certificate renewal in progress");
        Assert.Equal("expired", stored["status"]!["state"]!.GetValue<string>());
        Assert.Equal("dana", stored["createdBy"]!.GetValue<string>());
        Assert.DoesNotContain(tab.Errors, e => e.Source != "network");
    }

    [Fact]
    public async Task Filtering_by_label_matcher_and_by_text_narrows_the_list()
    {
        await using var tab = await f.Browser.NewPageAsync();
        var page = tab.Page;
        await page.GotoAsync(f.Url().ToString());
        await Expect(page.Locator("#alerts li.alert")).ToHaveCountAsync(4);
        var filter = page.GetByLabel("Filter by label or text");

        await filter.PressSequentiallyAsync("severity=\"critical\"");
        await Expect(page.Locator("section.severity")).ToHaveCountAsync(1);
        await Expect(page.Locator("section.severity")).ToHaveAttributeAsync("data-severity", "critical");
        await Expect(page.Locator("#alerts li.alert")).ToHaveCountAsync(2);
        await Expect(page.Locator("#filter-hint")).ToHaveTextAsync("Showing 2 of 4 open alerts.");

        await filter.FillAsync("instance=~\"vyx-user-[13]\", disk");
        await Expect(page.Locator("#alerts li.alert a.alertname")).ToHaveTextAsync(["DiskFull"]);

        await filter.FillAsync("severity!=\"critical\"");
        await Expect(page.Locator("#alerts li.alert a.alertname")).ToHaveTextAsync(["DiskFull", "CertificateExpiry"]);

        await filter.FillAsync("instance=~\"(\"");
        await Expect(page.Locator("#filter-hint")).ToHaveTextAsync("The regular expression in instance=~\"(\" is not valid.");

        await filter.FillAsync("nothing-like-this");
        await Expect(page.Locator("#no-match")).ToHaveTextAsync("No open alert matches this filter.");
        await filter.FillAsync(string.Empty);
        await Expect(page.Locator("#alerts li.alert")).ToHaveCountAsync(4);
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Times_follow_the_apps_clock_and_the_escalation_shows_steps_done_and_the_next_one()
    {
        await using var tab = await f.Browser.NewPageAsync();
        var page = tab.Page;
        await page.GotoAsync(f.Url($"#/alerts/{f.TradingAlertId}").ToString());

        // The test's clock is 7 minutes past the alert's start, whatever the browser's clock says.
        await Expect(page.Locator("#alert-detail .title")).ToContainTextAsync("(7 min ago)");
        await Expect(page.Locator("#clock")).ToContainTextAsync("App time");
        await Expect(page.Locator("ol.steps li[data-state=done]")).ToHaveCountAsync(2);
        await Expect(page.Locator("ol.steps li[data-state=done]").Nth(0)).ToContainTextAsync("Step 1 · T+0 min → reliability-team");
        await Expect(page.Locator("ol.steps li[data-state=done]").Nth(1)).ToContainTextAsync("oncall:engineer (");
        await Expect(page.Locator("ol.steps li[data-state=next]")).ToContainTextAsync("Step 3 · T+15 min → oncall:manager");
        await Expect(page.Locator("#escalation-next")).ToContainTextAsync("(in 8 min)");
        await Expect(page.Locator("#labels")).ToContainTextAsync("instance=\"vyx-user-7\"");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Runbook: https://runbooks.example/trading-down" })).ToHaveAttributeAsync("href", "https://runbooks.example/trading-down");
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task On_call_names_who_holds_each_role_now_and_next()
    {
        await using var tab = await f.Browser.NewPageAsync();
        var page = tab.Page;
        await page.GotoAsync(f.Url("#/oncall").ToString());

        var engineer = page.Locator("[data-schedule=reliability] tr[data-role=engineer]");
        await Expect(engineer.Locator("td.now")).ToContainTextAsync("@team.local");
        await Expect(engineer.Locator("td.next")).ToContainTextAsync(" from ");
        var now = (await f.Http.GetFromJsonAsync<JsonObject>($"api/console/oncall?code={ConsoleFixture.Key}"))!["schedules"]![0]!["roles"]![0]!;
        await Expect(engineer.Locator("td.now strong")).ToHaveTextAsync(now["now"]!["who"]!.GetValue<string>());
        await Expect(page.Locator("[data-schedule=reliability] tr[data-role=manager] td.now strong")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(dana|erin)$"));
        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Health_shows_scrapes_rule_groups_and_queues()
    {
        await using var tab = await f.Browser.NewPageAsync();
        var page = tab.Page;
        await page.GotoAsync(f.Url("#/health").ToString());

        await Expect(page.Locator("#health-scrape tr[data-job=node] td.num")).ToHaveTextAsync("1 / 1");
        await Expect(page.Locator("#health-rules tbody tr")).Not.ToHaveCountAsync(0);
        await Expect(page.Locator("#health-queues tr[data-queue=alerts]")).ToBeVisibleAsync();
        await Expect(page.Locator("#health-config")).ToContainTextAsync("onCall");
        Assert.Empty(tab.Errors);
    }

    private string Resolve(string hash) => hash
        .Replace("{trading}", f.TradingAlertId, StringComparison.Ordinal)
        .Replace("{CertificateExpiry}", f.Ids["CertificateExpiry"], StringComparison.Ordinal)
        .Replace("{DiskFull}", f.Ids["DiskFull"], StringComparison.Ordinal);

    private async Task ExpectViewContentAsync(IPage page, string name)
    {
        switch (name)
        {
            case "alerts":
                await Expect(page.Locator($"li.alert[data-alert-id=\"{f.TradingAlertId}\"]")).ToBeVisibleAsync();
                break;
            case "alert-detail":
                await Expect(page.Locator("#alert-title")).ToHaveTextAsync("TradingEngineDown on vyx-user-7");
                await Expect(page.Locator("ol.steps li").First).ToBeVisibleAsync();
                break;
            case "alert-detail-notified":
                await Expect(page.Locator("#alert-title")).ToHaveTextAsync("CertificateExpiry on vyx-user-1");
                await Expect(page.Locator("table[aria-label='Notifications sent'] tbody tr")).ToHaveCountAsync(2);
                await Expect(page.Locator("table[aria-label='Notifications sent'] tbody")).ToContainTextAsync("reliability-team");
                await Expect(page.Locator("table[aria-label='Notifications sent'] tbody")).ToContainTextAsync("sent (firing)");
                break;
            case "silences":
                await Expect(page.Locator("[data-silence-state=pending] li.silence")).ToContainTextAsync("Planned maintenance of the backup job");
                await Expect(page.Locator("[data-silence-state=expired] li.silence").First).ToBeVisibleAsync();
                break;
            case "silence-new":
                await Expect(page.Locator("#preview-status")).ToHaveTextAsync("Mutes 1 open alert.");
                break;
            case "oncall":
                await Expect(page.Locator("[data-schedule=reliability] tr[data-role=engineer] td.now strong")).ToBeVisibleAsync();
                break;
            case "health":
                await Expect(page.Locator("#health-scrape tr[data-job=node]")).ToBeVisibleAsync();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "no such view");
        }
    }
}
