using System.Text.Json;
using Alerting.Core.Templating;

namespace Alerting.Core.Tests.Templating;

/// <summary>
/// Reference/promtool-2.42-parse-errors.json: templates put in an alerting rule's annotations and checked by
/// `promtool check rules` (Go's text/template parser); "error" is the message promtool printed, null when it parsed.
/// </summary>
public sealed class ParseErrorReferenceTests
{
    [Fact]
    public void ParseErrorsMatchPromtool()
    {
        var cases = JsonDocument.Parse(File.ReadAllText(Path.Combine(
            TestPaths.RepoRoot, "tests", "Alerting.Core.Tests", "Templating", "Reference", "promtool-2.42-parse-errors.json"))).RootElement;
        var mismatches = new List<string>();
        foreach (var c in cases.EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            var expected = c.GetProperty("error").ValueKind == JsonValueKind.Null ? null : c.GetProperty("error").GetString();
            string? actual = null;
            try
            {
                TemplateSet.Create(PrometheusRuleTemplates.Functions("http://localhost:9090"), MissingKeyMode.Zero).AddFile("__alert_P", text);
            }
            catch (TemplateParseException e)
            {
                actual = e.Message;
            }
            if (actual != expected)
            {
                mismatches.Add($"{text}\n  expected {expected}\n  actual   {actual}");
            }
        }

        Assert.True(cases.GetArrayLength() >= 40);
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }
}
