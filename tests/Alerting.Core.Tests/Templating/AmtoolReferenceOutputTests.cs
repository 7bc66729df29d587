using System.Text.Json;
using Alerting.Core.Templating;

namespace Alerting.Core.Tests.Templating;

/// <summary>
/// Expected strings in Reference/amtool-0.25-render.json are Alertmanager's own output: each case was rendered by
/// `amtool template render` (0.25.0) with the conformance default.tmpl/email.tmpl as --template.glob, the
/// fixture's data as --template.data and --template.type text or html. Cases printing a KV or Pairs value
/// directly are left out, since Alertmanager added their String methods after 0.25.
/// </summary>
public sealed class AmtoolReferenceOutputTests
{
    private static readonly string FixturePath =
        Path.Combine(TestPaths.RepoRoot, "tests", "Alerting.Core.Tests", "Templating", "Reference", "amtool-0.25-render.json");

    private static readonly Lazy<JsonElement> Fixture = new(() => JsonDocument.Parse(File.ReadAllText(FixturePath)).RootElement);

    private static readonly Lazy<TemplateSet> Set = new(() =>
        AlertmanagerTemplates.LoadDefault(TestPaths.Conformance("alertmanager", "template", "default.tmpl")));

    public static TheoryData<int, string> Cases()
    {
        var data = new TheoryData<int, string>();
        var i = 0;
        foreach (var c in Fixture.Value.GetProperty("cases").EnumerateArray())
        {
            data.Add(i++, c.GetProperty("type").GetString() + " " + c.GetProperty("text").GetString());
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RenderingMatchesAmtool(int index, string description)
    {
        var c = Fixture.Value.GetProperty("cases")[index];
        var data = NotificationData.FromWebhookJson(Fixture.Value.GetProperty("data").GetRawText());
        var text = c.GetProperty("text").GetString()!;

        var rendered = c.GetProperty("type").GetString() == "html"
            ? Set.Value.ExecuteHtmlText(text, data)
            : Set.Value.ExecuteText(text, data);

        Assert.False(string.IsNullOrEmpty(description));
        Assert.Equal(c.GetProperty("expected").GetString(), rendered);
    }
}
