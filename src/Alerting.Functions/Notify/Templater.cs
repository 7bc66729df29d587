using Alerting.Core.Templating;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify;

/// <summary>
/// Renders an integration's templated fields against one notification's data. A template that fails to
/// render must not lose the notification: the field is sent with the raw template text instead, and the
/// error is logged (<see cref="Report"/>) so the author can fix the template.
/// </summary>
/// <remarks><paramref name="model"/> is what templates see when it is not <paramref name="data"/> itself
/// (escalation emails add <c>.AcknowledgeURL</c> to Alertmanager's data).</remarks>
public sealed partial class Templater(TemplateSet templates, NotificationData data, object? model = null)
{
    private readonly object _model = model ?? data;

    private readonly List<string> _errors = [];

    public NotificationData Data => data;

    public IReadOnlyList<string> Errors => _errors;

    /// <summary>A text field; empty for a missing template.</summary>
    public string Text(string? template) =>
        string.IsNullOrEmpty(template) ? string.Empty : Render(() => templates.ExecuteText(template, _model), template);

    /// <summary>A field Alertmanager marks <c>omitempty</c>: null when it renders empty, so the key is left out.</summary>
    public string? Optional(string? template) => Text(template) is { Length: > 0 } v ? v : null;

    /// <summary>An HTML field (html/template escaping), as Alertmanager renders email bodies.</summary>
    public string Html(string? template) =>
        string.IsNullOrEmpty(template) ? string.Empty : Render(() => templates.ExecuteHtmlText(template, _model), template);

    /// <summary>A named HTML template (<c>{{ define }}</c>); <paramref name="fallback"/> when it fails.</summary>
    public string NamedHtml(string name, string fallback) => Render(() => templates.ExecuteHtml(name, _model), fallback);

    private string Render(Func<string> render, string raw)
    {
        try
        {
            return render();
        }
        catch (Exception e) when (e is TemplateParseException or TemplateExecutionException or TemplateArgumentException)
        {
            _errors.Add(e.Message);
            return raw;
        }
    }

    /// <summary>Logs every template error of this rendering, naming the integration and receiver.</summary>
    public void Report(ILogger logger, string integrationId, string receiver)
    {
        foreach (var error in _errors)
        {
            LogFallback(logger, integrationId, receiver, error);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Template error in {Integration} of {Receiver}; sent the raw template text instead: {Error}")]
    private static partial void LogFallback(ILogger logger, string integration, string receiver, string error);
}
