using Microsoft.Playwright;

namespace Alerting.LocalServices;

/// <summary>
/// Something a page reported that a user would call broken: an uncaught exception, a console error
/// (CSP violations land there), or a failed request. <see cref="Source"/> is "exception", "console"
/// or "network" (a request that failed, or the browser's log line for an HTTP error status).
/// </summary>
public sealed record BrowserError(string Source, string Text, string? Url = null);

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>) driven by Playwright. Playwright's own browser download
/// is never used (<c>playwright install</c> needs the network): its driver, which ships inside the
/// Microsoft.Playwright package, launches the system binary through <c>ExecutablePath</c>. Waits are
/// Playwright's (auto-waiting locators and web-first assertions), never sleeps.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>
    /// --no-sandbox: tests run as root in containers, where Chromium's sandbox cannot start. The rest keep
    /// an offline machine from waiting on update checks, sync and QUIC probes.
    /// </summary>
    private static readonly string[] Arguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
        "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", "--mute-audio",
    ];

    private readonly IPlaywright _playwright;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static string? Binary =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    public static async Task<HeadlessChromium> StartAsync()
    {
        var bin = Binary ?? throw new InvalidOperationException("chromium is not installed: run .ci/install-deps");
        // Web-first assertions wait for their condition up to this deadline (Playwright's default of 5 s is
        // short on a shared 2-core CI machine); a condition that holds earlier returns at once.
        Assertions.SetDefaultExpectTimeout(20_000);
        var playwright = await Playwright.CreateAsync().ConfigureAwait(false);
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = bin,
                Headless = true,
                Args = Arguments,
                Timeout = 60_000,
            }).ConfigureAwait(false);
            return new HeadlessChromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A page in a fresh context (its own storage), collecting its errors. The default is a 1280×900
    /// desktop in UTC with English formats; pass options for a phone or another zone.
    /// </summary>
    public async Task<BrowserPage> NewPageAsync(BrowserNewContextOptions? options = null)
    {
        var context = await Browser.NewContextAsync(options ?? new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Locale = "en-GB",
            TimezoneId = "UTC",
        }).ConfigureAwait(false);
        var page = await context.NewPageAsync().ConfigureAwait(false);
        page.SetDefaultTimeout(20_000);
        return new BrowserPage(context, page);
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync().ConfigureAwait(false);
        _playwright.Dispose();
    }
}

/// <summary>One Playwright page and the errors it reported since it opened.</summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<BrowserError> _errors = [];

    internal BrowserPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                // Chromium logs an HTTP error status of a fetch as "Failed to load resource".
                var network = message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal);
                Add(new BrowserError(network ? "network" : "console", message.Text, message.Location));
            }
        };
        page.PageError += (_, error) => Add(new BrowserError("exception", error.ToString() ?? string.Empty));
        page.RequestFailed += (_, request) => Add(new BrowserError("network", request.Failure ?? "request failed", request.Url));
    }

    public IPage Page { get; }

    public IReadOnlyList<BrowserError> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors];
            }
        }
    }

    private void Add(BrowserError error)
    {
        lock (_errors)
        {
            _errors.Add(error);
        }
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync().ConfigureAwait(false);
}
