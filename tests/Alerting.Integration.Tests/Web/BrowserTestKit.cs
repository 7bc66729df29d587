using System.Text.Json;
using Alerting.Core.Tests;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Alerting.Integration.Tests.Web;

/// <summary>One axe-core finding: the rule, how bad, what to do, and the elements it found.</summary>
internal sealed record AxeViolation(string Id, string Impact, string Help, IReadOnlyList<string> Targets)
{
    public override string ToString() => $"{Impact} {Id}: {Help} [{string.Join(" | ", Targets)}]";
}

/// <summary>Accessibility checks with axe-core and screenshots kept as test artefacts.</summary>
internal static class BrowserTestKit
{
    /// <summary>
    /// Where screenshots go: <c>ALERTING_TEST_ARTIFACTS</c> when set, else <c>TestResults/console</c> at the
    /// repository root (ignored by git, beside the test runner's own results).
    /// </summary>
    public static string ArtifactsDir { get; } = Environment.GetEnvironmentVariable("ALERTING_TEST_ARTIFACTS") is { Length: > 0 } dir
        ? dir
        : Path.Combine(TestPaths.RepoRoot, "TestResults", "console");

    private static readonly Lazy<string> AxeSource = new(() =>
    {
        var path = Path.Combine(TestPaths.RepoRoot, "node_modules", "axe-core", "axe.min.js");
        return File.Exists(path)
            ? File.ReadAllText(path)
            : throw new InvalidOperationException($"{path} is missing: run .ci/install-deps (npm ci installs the pinned axe-core)");
    });

    /// <summary>
    /// Runs axe-core (the npm package pinned in package-lock.json) in the page against WCAG 2.1 A/AA and
    /// axe's best practices. Injected through Playwright's evaluation channel, which the page's strict
    /// Content-Security-Policy does not apply to, so the page is checked exactly as served.
    /// </summary>
    public static async Task<IReadOnlyList<AxeViolation>> AxeAsync(IPage page)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.EvaluateAsync(AxeSource.Value + "\n;void 0");
        }
        var json = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
              return result.violations.map(v => ({ id: v.id, impact: v.impact || 'unknown', help: v.help, targets: v.nodes.map(n => n.target.join(' ')) }));
            }
            """);
        return json.EnumerateArray().Select(v => new AxeViolation(
            v.GetProperty("id").GetString()!,
            v.GetProperty("impact").GetString()!,
            v.GetProperty("help").GetString()!,
            v.GetProperty("targets").EnumerateArray().Select(t => t.GetString()!).ToArray())).ToArray();
    }

    public static async Task AssertNoSeriousViolationsAsync(IPage page, string what, ITestOutputHelper? output = null)
    {
        var violations = await AxeAsync(page);
        foreach (var minor in violations.Where(v => v.Impact is not ("serious" or "critical")))
        {
            output?.WriteLine($"axe ({what}): {minor}");
        }
        var serious = violations.Where(v => v.Impact is "serious" or "critical").ToArray();
        Assert.True(serious.Length == 0, $"axe found serious accessibility problems in {what}:\n" + string.Join("\n", serious.Select(v => v.ToString())));
    }

    /// <summary>Saves a full-page screenshot as <c>&lt;name&gt;.png</c> in <see cref="ArtifactsDir"/> and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ArtifactsDir);
        var path = Path.Combine(ArtifactsDir, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }
}
