using Alerting.Core.Model;
using Alerting.Core.Templating;

namespace Alerting.Core.Tests.Templating;

public sealed class HtmlModeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static string Html(string text, object? data)
    {
        var set = AlertmanagerTemplates.CreateSet();
        set.AddFile("t", text);
        return set.ExecuteHtml("t", data);
    }

    private static readonly Dictionary<string, object?> Data = new()
    {
        ["Text"] = "<b>a & 'b' + c</b>",
        ["Url"] = "http://prom:9090/graph?g0.expr=up+%3D%3D+0&x=1",
        ["Bad"] = "javascript:alert(1)",
        ["Query"] = "team ops/eu",
    };

    [Theory]
    [InlineData("<p>{{ .Text }}</p>", "<p>&lt;b&gt;a &amp; &#39;b&#39; &#43; c&lt;/b&gt;</p>")]
    [InlineData("<p>{{ .Text | safeHtml }}</p>", "<p><b>a & 'b' + c</b></p>")]
    [InlineData("<a href=\"{{ .Url }}\">x</a>", "<a href=\"http://prom:9090/graph?g0.expr=up&#43;%3D%3D&#43;0&amp;x=1\">x</a>")]
    [InlineData("<a href=\"{{ .Bad }}\">x</a>", "<a href=\"#ZgotmplZ\">x</a>")]
    [InlineData("<a href=\"http://am/?r={{ .Query }}\">x</a>", "<a href=\"http://am/?r=team%20ops%2feu\">x</a>")]
    [InlineData("<a href=\"http://am/?r={{ .Query | urlquery }}\">x</a>", "<a href=\"http://am/?r=team&#43;ops%2Feu\">x</a>")]
    [InlineData("<td title='{{ .Text }}'>", "<td title='&lt;b&gt;a &amp; &#39;b&#39; &#43; c&lt;/b&gt;'>")]
    [InlineData("a<!-- dropped -->b{{ .Missing }}c", "abc")]
    public void ValuesAreEscapedForTheirHtmlContext(string text, string expected)
    {
        Assert.Equal(expected, Html(text, Data));
    }

    [Fact]
    public void DefaultEmailHtmlEscapesLabelValuesAndDropsTheLeadingComment()
    {
        var set = AlertmanagerTemplates.LoadDefault(TestPaths.Conformance("alertmanager", "template", "default.tmpl"));
        var data = NotificationData.Create(
            "ops",
            Labels.From(("alertname", "Disk<Full>")),
            [new Alert(Labels.From(("alertname", "Disk<Full>"), ("instance", "db-1")), Labels.From(("summary", "a+b")), Now, null, "http://prom/graph?g0.expr=a+b")],
            Now,
            "http://am:9093",
            "k");

        var html = set.ExecuteHtml("email.default.html", data);

        Assert.StartsWith("\n\n<!DOCTYPE html", html, StringComparison.Ordinal);
        Assert.Contains("<title>[FIRING:1] Disk&lt;Full&gt; (db-1)</title>", html, StringComparison.Ordinal);
        Assert.Contains("alertname = Disk&lt;Full&gt;<br", html, StringComparison.Ordinal);
        Assert.Contains("summary = a&#43;b<br", html, StringComparison.Ordinal);
        Assert.Contains("href=\"http://prom/graph?g0.expr=a&#43;b\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"http://am:9093/#/alerts?receiver=ops\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<!--", html, StringComparison.Ordinal);
    }
}
