using System.Text.Json;
using Alerting.Core.Model;
using Alerting.Core.Templating;

namespace Alerting.Core.Tests.Templating;

/// <summary>
/// Reference/promtool-2.42-numbers.json holds 100 numbers (fixed edge cases and seeded random magnitudes) run through
/// humanize, humanize1024, humanizePercentage, humanizeDuration and a dozen printf verbs by promtool 2.42 itself
/// (the expected strings are its output), so float formatting and rounding are checked against Go, not against us.
/// </summary>
public sealed class PrometheusNumberFormattingTests
{
    private static readonly Lazy<JsonElement> Cases = new(() => JsonDocument.Parse(File.ReadAllText(
        Path.Combine(TestPaths.RepoRoot, "tests", "Alerting.Core.Tests", "Templating", "Reference", "promtool-2.42-numbers.json"))).RootElement);

    [Fact]
    public void EveryNumberFormatsLikePromtool()
    {
        var mismatches = new List<string>();
        foreach (var c in Cases.Value.EnumerateArray())
        {
            var template = c.GetProperty("template").GetString()!;
            var expected = c.GetProperty("expected").GetString()!;
            var actual = PrometheusRuleTemplates.Expand(template, Labels.Empty, 1, Labels.Empty, "http://localhost:9090", ruleName: "Probe");
            if (actual != expected)
            {
                mismatches.Add($"{template}\n  expected {expected}\n  actual   {actual}");
            }
        }

        Assert.Equal(100, Cases.Value.GetArrayLength());
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }
}
