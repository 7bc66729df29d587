using System.Text.Json;
using Alerting.Core.Templating;

namespace Alerting.Core.Tests.Templating;

/// <summary>
/// Expected strings in Reference/amtool-0.25-render*.json are Alertmanager's own output: each case was rendered by
/// `amtool template render` (0.25.0) with the conformance default.tmpl/email.tmpl as --template.glob, the
/// fixture's data as --template.data and --template.type text or html. Cases printing a KV or Pairs value
/// directly are left out, since Alertmanager added their String methods after 0.25.
/// </summary>
public sealed class AmtoolReferenceOutputTests
{
    private static readonly string[] FixtureFiles = ["amtool-0.25-render.json", "amtool-0.25-render-resolved.json"];

    private static JsonElement Fixture(string file) => JsonDocument.Parse(File.ReadAllText(
        Path.Combine(TestPaths.RepoRoot, "tests", "Alerting.Core.Tests", "Templating", "Reference", file))).RootElement;

    private static readonly Lazy<TemplateSet> Set = new(() =>
        AlertmanagerTemplates.LoadDefault(TestPaths.Conformance("alertmanager", "template", "default.tmpl")));

    public static TheoryData<string, int, string> Cases()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var file in FixtureFiles)
        {
            var i = 0;
            foreach (var c in Fixture(file).GetProperty("cases").EnumerateArray())
            {
                data.Add(file, i++, c.GetProperty("type").GetString() + " " + c.GetProperty("text").GetString());
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RenderingMatchesAmtool(string file, int index, string description)
    {
        var fixture = Fixture(file);
        var c = fixture.GetProperty("cases")[index];
        var data = NotificationData.FromWebhookJson(fixture.GetProperty("data").GetRawText());
        var text = c.GetProperty("text").GetString()!;

        var rendered = c.GetProperty("type").GetString() == "html"
            ? Set.Value.ExecuteHtmlText(text, data)
            : Set.Value.ExecuteText(text, data);

        _ = description; // only names the case in test output
        Assert.Equal(c.GetProperty("expected").GetString(), rendered);
    }
}
