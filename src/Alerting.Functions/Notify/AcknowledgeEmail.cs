using System.Net;
using System.Runtime.CompilerServices;
using Alerting.Core.Templating;

namespace Alerting.Functions.Notify;

/// <summary>
/// Alertmanager's template data plus the signed one-click link of an escalation email, so templates can
/// write <c>{{ .AcknowledgeURL }}</c>. Same field names as <see cref="NotificationData"/>, so every
/// Alertmanager template renders exactly as it would with the plain data.
/// </summary>
public sealed class AcknowledgeEmailData(NotificationData data, string acknowledgeUrl)
{
    public string Receiver => data.Receiver;

    public string Status => data.Status;

    public AlertList Alerts => data.Alerts;

    public KV GroupLabels => data.GroupLabels;

    public KV CommonLabels => data.CommonLabels;

    public KV CommonAnnotations => data.CommonAnnotations;

    public string ExternalURL => data.ExternalURL;

    public string AcknowledgeURL => acknowledgeUrl;
}

/// <summary>
/// Puts the Acknowledge button of an escalation email inside the notification: next to the "View in
/// Alertmanager" button of Alertmanager's default card (whose template stays unchanged), unless the
/// template already rendered the link itself (<c>email.alerting.compact.html</c> does). Bodies from a
/// template without that card get the button at the end. Our templates live in
/// <c>Notify/Templates/&lt;name&gt;.tmpl</c>, one per file, and a deployment's own definition of a name wins.
/// </summary>
public static class AcknowledgeEmail
{
    public const string ButtonTemplate = "email.alerting.acknowledge";
    public const string CompactHtml = "{{ template \"email.alerting.compact.html\" . }}";
    public const string CompactText = "{{ template \"email.alerting.compact.text\" . }}";

    private static readonly string[] Names = [ButtonTemplate, "email.alerting.compact.html", "email.alerting.compact.text"];

    // Alertmanager's email.default.html marks its one call-to-action with this class.
    private const string CardButtonMarker = "class=\"btn-primary\"";

    private static readonly Lazy<IReadOnlyDictionary<string, string>> Sources = new(() => Names.ToDictionary(n => n, Load, StringComparer.Ordinal));

    private static readonly ConditionalWeakTable<TemplateSet, TemplateSet> WithOurs = [];

    /// <summary>
    /// <paramref name="templates"/> plus each of our templates the deployment did not define itself
    /// (cached per loaded set; the config provider builds a new set on reload).
    /// </summary>
    public static TemplateSet Templates(TemplateSet templates) => WithOurs.GetValue(templates, t =>
    {
        var missing = Names.Where(n => !t.HasTemplate(n)).ToArray();
        if (missing.Length == 0)
        {
            return t;
        }
        var extended = t.Clone();
        foreach (var name in missing)
        {
            extended.AddFile(name + ".tmpl", Sources.Value[name]);
        }
        return extended;
    });

    /// <summary>The HTML body with the rendered <paramref name="button"/> inside it, once.</summary>
    public static string PlaceButton(string html, string button, string url)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(url);
        if (html.Contains(url, StringComparison.Ordinal) || html.Contains(WebUtility.HtmlEncode(url), StringComparison.Ordinal))
        {
            return html;
        }
        var marker = html.IndexOf(CardButtonMarker, StringComparison.Ordinal);
        var anchorEnd = marker < 0 ? -1 : html.IndexOf("</a>", marker, StringComparison.OrdinalIgnoreCase);
        if (anchorEnd >= 0)
        {
            return html.Insert(anchorEnd + "</a>".Length, "\n                    " + button);
        }
        var block = $"<p style=\"margin:16px 0\">{button}</p>";
        var end = html.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
        return end >= 0 ? html.Insert(end, block) : html + block;
    }

    private static string Load(string name)
    {
        var resource = $"Alerting.Functions.Notify.Templates.{name}.tmpl";
        using var stream = typeof(AcknowledgeEmail).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded resource {resource} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
