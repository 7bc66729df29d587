using System.Net;
using System.Text.RegularExpressions;
using Alerting.Integration.Tests.Scrape;

namespace Alerting.Integration.Tests.Web;

/// <summary>
/// The operator page as the real function app serves it on the local host: key rules, security headers,
/// and a clean load in Chromium. The alert API may not be deployed alongside yet, so the page must show
/// either its empty state or a visible error, never a blank page or a script error.
/// </summary>
public sealed partial class WebUiPageTests : IAsyncLifetime
{
    private CollectionHost _host = null!;

    public async Task InitializeAsync() => _host = await CollectionHost.StartAsync("scrape_configs: []\n");

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_page_needs_the_function_key()
    {
        using var anonymous = await _host.Http.GetAsync(new Uri("api/ui", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        using var wrong = await _host.Http.GetAsync(new Uri("api/ui?code=not-the-key", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
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
        // No CDN or other origin: every src/href is either absent or a data: URL.
        Assert.DoesNotMatch(ExternalReference(), html);

        var otherNonce = NonceInPolicy().Match(string.Join(' ', second.Headers.GetValues("Content-Security-Policy"))).Groups[1].Value;
        Assert.NotEqual(nonce, otherNonce);
    }

    [Fact]
    public async Task In_chromium_the_page_loads_without_script_errors_and_shows_its_empty_state_or_the_error()
    {
        await using var browser = await Chromium.StartAsync();

        await browser.NavigateAsync(new Uri(_host.Host.BaseAddress, $"api/ui?{CollectionHost.Key}"));
        await browser.WaitForAsync("Number(document.body.dataset.refreshes) >= 1", TimeSpan.FromSeconds(15));

        var state = await browser.EvaluateAsync<string>("document.body.dataset.state");
        if (state == "ready")
        {
            Assert.False(await browser.EvaluateAsync<bool>("document.getElementById('empty').hidden"));
            Assert.True(await browser.EvaluateAsync<bool>("document.getElementById('error').hidden"));
        }
        else
        {
            // Until the acknowledgement API is deployed, GET /api/alerts/open is not routed.
            Assert.Equal("error", state);
            Assert.False(await browser.EvaluateAsync<bool>("document.getElementById('error').hidden"));
            Assert.Contains("alerts/open", await browser.EvaluateAsync<string>("document.getElementById('error').textContent"), StringComparison.Ordinal);
        }
        Assert.Equal("web-operator", await browser.EvaluateAsync<string>("document.getElementById('who').value"));
        // The API's HTTP status may be logged as a network error; anything else (a CSP violation, an
        // exception, console.error) means the page is broken.
        Assert.DoesNotContain(browser.Errors, e => e.Source != "network");
    }

    [GeneratedRegex("'nonce-([A-Za-z0-9+/=]+)'")]
    private static partial Regex NonceInPolicy();

    [GeneratedRegex("""(src|href)\s*=\s*["'](?!data:)""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();
}
