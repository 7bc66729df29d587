using System.Net;
using System.Text.RegularExpressions;
using Alerting.Integration.Tests.Scrape;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Alerting.Integration.Tests.Web;

/// <summary>
/// The console page as the real function app serves it on the local host: key rules, security headers,
/// and a clean load in Chromium with nothing to show.
/// </summary>
public sealed partial class WebUiPageTests : IAsyncLifetime
{
    private CollectionHost _host = null!;

    public async Task InitializeAsync() => _host = await CollectionHost.StartAsync("scrape_configs: []\n");

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_page_and_its_read_api_need_the_function_key()
    {
        foreach (var path in new[] { "api/ui", "api/console/alerts", "api/console/health", "api/console/oncall" })
        {
            using var anonymous = await _host.Http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

            using var wrong = await _host.Http.GetAsync(new Uri(path + "?code=not-the-key", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
    }

    [Fact]
    public async Task The_page_is_self_contained_html_with_a_nonce_based_content_security_policy()
    {
        using var first = await _host.Http.GetAsync(new Uri($"api/ui?{CollectionHost.Key}", UriKind.Relative));
        using var second = await _host.Http.GetAsync(new Uri($"api/ui?{CollectionHost.Key}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("text/html; charset=utf-8", first.Content.Headers.ContentType?.ToString());
        var csp = string.Join(' ', first.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        var nonce = NonceInPolicy().Match(csp).Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.Equal("no-referrer", Assert.Single(first.Headers.GetValues("Referrer-Policy")));

        var html = await first.Content.ReadAsStringAsync();
        Assert.Contains($"<script nonce=\"{nonce}\">", html, StringComparison.Ordinal);
        Assert.Contains($"<style nonce=\"{nonce}\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("__CSP_NONCE__", html, StringComparison.Ordinal);
        // No CDN or other origin: every src/href is absent, a data: URL or a link inside the page.
        Assert.DoesNotMatch(ExternalReference(), html);
        // Small enough to load at once on a phone: no framework, no build step.
        Assert.True(html.Length < 100_000, $"the page is {html.Length} bytes");

        var otherNonce = NonceInPolicy().Match(string.Join(' ', second.Headers.GetValues("Content-Security-Policy"))).Groups[1].Value;
        Assert.NotEqual(nonce, otherNonce);
    }

    [Fact]
    public async Task In_chromium_an_empty_app_shows_its_quiet_state_on_every_view_without_errors()
    {
        await using var browser = await HeadlessChromium.StartAsync();
        await using var tab = await browser.NewPageAsync();
        var page = tab.Page;

        await page.GotoAsync(new Uri(_host.Host.BaseAddress, $"api/ui?{CollectionHost.Key}").ToString());
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "ready");
        await Expect(page.Locator("#empty")).ToHaveTextAsync("No open alerts. Everything is quiet.");
        await Expect(page.Locator("#error")).ToBeHiddenAsync();
        await Expect(page.Locator("#who")).ToHaveValueAsync("web-operator");

        await page.GetByRole(AriaRole.Link, new() { Name = "Silences" }).ClickAsync();
        await Expect(page.Locator("[data-silence-state=active] .empty")).ToHaveTextAsync("No active silences.");
        await page.GetByRole(AriaRole.Link, new() { Name = "On call" }).ClickAsync();
        await Expect(page.Locator("#oncall")).ToContainTextAsync("No on-call schedules are configured");
        await page.GetByRole(AriaRole.Link, new() { Name = "Health" }).ClickAsync();
        await Expect(page.Locator("#health-config")).ToContainTextAsync("alertmanager");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "ready");

        Assert.Empty(tab.Errors);
    }

    [Fact]
    public async Task Without_a_key_the_page_says_how_to_open_it()
    {
        await using var browser = await HeadlessChromium.StartAsync();
        await using var tab = await browser.NewPageAsync();

        // The page itself needs the key, so serve it from a local copy that has none in its address.
        using var response = await _host.Http.GetAsync(new Uri($"api/ui?{CollectionHost.Key}", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();
        var nonce = NonceInPolicy().Match(string.Join(' ', response.Headers.GetValues("Content-Security-Policy"))).Groups[1].Value;
        await using var server = await LocalServer.StartAsync(app => app.MapGet("/api/ui", (HttpContext c) =>
        {
            c.Response.Headers.ContentSecurityPolicy = Alerting.Functions.Functions.WebUiFunction.ContentSecurityPolicy(nonce);
            return Results.Content(html, "text/html; charset=utf-8");
        }));
        await tab.Page.GotoAsync($"http://{server.Address}/api/ui");

        await Expect(tab.Page.Locator("#error")).ToContainTextAsync("No function key: open this page as /api/ui?code=<function key>.");
        Assert.DoesNotContain(tab.Errors, e => e.Source is "exception" or "console");
    }

    [Fact]
    public async Task Page_errors_are_reported_so_a_broken_page_fails_its_test()
    {
        await using var server = await LocalServer.StartAsync(app => app.MapGet("/broken", () => Results.Content("""
            <!DOCTYPE html><html lang="en"><head><title>broken</title><link rel="icon" href="data:,"></head>
            <body><p id="out">x</p><script>console.error('logged problem'); setTimeout(() => { throw new Error('async boom'); }, 0);</script></body></html>
            """, "text/html; charset=utf-8")));
        await using var browser = await HeadlessChromium.StartAsync();
        await using var tab = await browser.NewPageAsync();

        var thrown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tab.Page.PageError += (_, _) => thrown.TrySetResult();
        await tab.Page.GotoAsync($"http://{server.Address}/broken");
        await thrown.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Contains(tab.Errors, e => e.Source == "console" && e.Text.Contains("logged problem", StringComparison.Ordinal));
        Assert.Contains(tab.Errors, e => e.Source == "exception" && e.Text.Contains("async boom", StringComparison.Ordinal));
    }

    [GeneratedRegex("'nonce-([A-Za-z0-9+/=]+)'")]
    private static partial Regex NonceInPolicy();

    [GeneratedRegex("""(src|href)\s*=\s*["'](?!data:|#)""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();
}
