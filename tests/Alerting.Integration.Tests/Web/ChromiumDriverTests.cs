using Alerting.Integration.Tests.Scrape;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Alerting.Integration.Tests.Web;

/// <summary>The DevTools driver itself, against a static page on a loopback Kestrel: no function app involved.</summary>
public sealed class ChromiumDriverTests : IAsyncLifetime
{
    private const string Page = """
        <!DOCTYPE html>
        <html><head><title>driver</title><link rel="icon" href="data:,"></head>
        <body>
          <p id="out">before</p>
          <button id="go" type="button">Go</button>
          <div id="cover-wrap"><button id="covered" type="button">Covered</button><div id="cover"></div></div>
          <script>
            document.getElementById('go').addEventListener('click', e => {
              document.getElementById('out').textContent = 'clicked ' + e.isTrusted;
            });
            document.getElementById('covered').addEventListener('click', () => {
              document.getElementById('out').textContent = 'covered button clicked';
            });
            // An overlay over the second button: a real mouse click hits the overlay, el.click() would not.
            const cover = document.getElementById('cover');
            Object.assign(cover.style, { position: 'fixed', inset: '0', background: 'transparent' });
            cover.hidden = true;
            window.later = () => new Promise(r => setTimeout(() => r({ answer: 42 }), 100));
          </script>
        </body></html>
        """;

    private LocalServer _server = null!;
    private Chromium _browser = null!;

    private Uri PageUrl => new($"http://{_server.Address}/page");

    public async Task InitializeAsync()
    {
        _server = await LocalServer.StartAsync(app => app.MapGet("/page", () => Results.Content(Page, "text/html; charset=utf-8")));
        _browser = await Chromium.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Navigates_evaluates_and_awaits_promises()
    {
        await _browser.NavigateAsync(PageUrl);

        Assert.Equal("driver", await _browser.EvaluateAsync<string>("document.title"));
        Assert.Equal(3, await _browser.EvaluateAsync<int>("1 + 2"));
        Assert.Equal(42, (await _browser.EvaluateAsync<System.Text.Json.Nodes.JsonObject>("later()"))!["answer"]!.GetValue<int>());
        Assert.Empty(_browser.Errors);
    }

    [Fact]
    public async Task A_real_click_changes_the_dom_and_is_trusted()
    {
        await _browser.NavigateAsync(PageUrl);

        await _browser.ClickAsync("#go");

        await _browser.WaitForAsync("document.getElementById('out').textContent === 'clicked true'", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_click_lands_on_whatever_covers_the_element_as_a_mouse_would()
    {
        await _browser.NavigateAsync(PageUrl);
        await _browser.EvaluateAsync<bool>("document.getElementById('cover').hidden = false");

        await _browser.ClickAsync("#covered");
        await Task.Delay(200);

        Assert.Equal("before", await _browser.EvaluateAsync<string>("document.getElementById('out').textContent"));
    }

    [Fact]
    public async Task Script_errors_surface_with_their_message()
    {
        await _browser.NavigateAsync(PageUrl);

        var e = await Assert.ThrowsAsync<BrowserScriptException>(() => _browser.EvaluateAsync<int>("(() => { throw new Error('boom from page'); })()"));
        Assert.Contains("boom from page", e.Message);
        await Assert.ThrowsAsync<BrowserScriptException>(() => _browser.EvaluateAsync<int>("Promise.reject(new Error('rejected'))"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _browser.ClickAsync("#missing"));
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => _browser.WaitForAsync("window.never === true", TimeSpan.FromMilliseconds(300)));
        Assert.Contains("window.never", timeout.Message);
    }

    [Fact]
    public async Task Uncaught_page_errors_are_collected()
    {
        await _browser.NavigateAsync(PageUrl);

        await _browser.EvaluateAsync<bool>("setTimeout(() => { throw new Error('async boom'); }, 0); true");
        await Task.Delay(200);

        Assert.Contains(_browser.Errors, e => e.Source == "exception" && e.Text.Contains("async boom", StringComparison.Ordinal));
    }
}
