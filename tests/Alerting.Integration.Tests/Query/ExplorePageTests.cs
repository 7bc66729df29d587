using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Alerting.Integration.Tests.Web;
using Alerting.LocalServices;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Alerting.Integration.Tests.Query;

/// <summary>
/// The explore page (<c>/api/ui/explore</c>) in real headless Chromium over the parity fixture's seed
/// fleet: a query typed and run is plotted as one line per series, with the series a user sees in the
/// legend and the points the query API returned; a bad query shows Prometheus' error.
/// </summary>
[Collection(PrometheusQueryCollection.Name)]
public sealed class ExplorePageTests(PrometheusQueryParityFixture f, ITestOutputHelper output)
{
    private const string Key = "local-function-key";

    [PrometheusFact]
    public async Task A_query_run_on_the_explore_page_is_plotted_as_one_line_per_series()
    {
        const string query = "sum by(user_id) (rate(trader_errors_total[5m]))";
        var end = (f.EndMs / 1000).ToString(CultureInfo.InvariantCulture);

        // What the query API answers for the page's range and step (1 h, 15 s).
        using var http = new HttpClient { BaseAddress = f.Stack.Host.BaseAddress };
        using var api = await http.PostAsync($"api/v1/query_range?code={Key}", new FormUrlEncodedContent(
            [new("query", query), new("start", (f.EndMs / 1000 - 3600).ToString(CultureInfo.InvariantCulture)), new("end", end), new("step", "15")]));
        var expected = (await api.Content.ReadFromJsonAsync<JsonObject>())!["data"]!["result"]!.AsArray()
            .ToDictionary(s => $"{{user_id=\"{s!["metric"]!["user_id"]}\"}}", s => s!["values"]!.AsArray().Count);
        Assert.Equal(4, expected.Count);

        await using var browser = await HeadlessChromium.StartAsync();
        await using var tab = await browser.NewPageAsync();
        var page = tab.Page;
        await page.GotoAsync(new Uri(f.Stack.Host.BaseAddress, $"api/ui/explore?code={Key}&end={end}").ToString());
        await page.GetByLabel("PromQL query").FillAsync(query);
        await page.GetByLabel("Range").SelectOptionAsync("3600");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run query" }).ClickAsync();

        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "ready");
        await Expect(page.Locator("#summary")).ToContainTextAsync($"4 series, {expected.Values.Sum()} points");
        var legend = await page.Locator("#legend li .name").AllTextContentsAsync();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), legend);
        foreach (var (series, points) in expected)
        {
            await Expect(page.Locator($"polyline[data-series='{series}']")).ToHaveAttributeAsync("data-points", points.ToString(CultureInfo.InvariantCulture));
        }
        // The machines in their error burst (3/s) end the hour far above the quiet ones (0.05/s).
        var last = await page.Locator("#legend li .last").AllTextContentsAsync();
        Assert.Contains("3", last);
        Assert.Contains("0.05", last);
        await BrowserTestKit.AssertNoSeriousViolationsAsync(page, "explore page", output);
        Assert.Empty(tab.Errors);
        output.WriteLine(await BrowserTestKit.ScreenshotAsync(page, "explore-query-range"));
    }

    [PrometheusFact]
    public async Task A_malformed_query_shows_Prometheus_error_and_no_chart()
    {
        await using var browser = await HeadlessChromium.StartAsync();
        await using var tab = await browser.NewPageAsync();
        var page = tab.Page;
        await page.GotoAsync(new Uri(f.Stack.Host.BaseAddress, $"api/ui/explore?code={Key}&query={Uri.EscapeDataString("sum(rate(up[5m])")}").ToString());
        // Prometheus' own words for this query_range (the parity tests compare them): type, position, reason.
        await Expect(page.Locator("#error")).ToHaveTextAsync("bad_data: 1:17: parse error: unclosed left parenthesis");
        await Expect(page.Locator("#chart")).ToBeHiddenAsync();
    }
}
