using Alerting.Core.Templating;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify;

/// <summary>
/// A template that fails to render must not lose the notification: the field is sent with the raw
/// template text instead, and the error is logged so the author can fix the template.
/// </summary>
internal static partial class TemplateFallback
{
    public static string Render(Func<string> render, string raw, ICollection<string> errors)
    {
        try
        {
            return render();
        }
        catch (Exception e) when (e is TemplateParseException or TemplateExecutionException or TemplateArgumentException)
        {
            errors.Add(e.Message);
            return raw;
        }
    }

    public static void Report(ILogger logger, Integration integration, string receiver, IEnumerable<string> errors) =>
        Report(logger, integration.Id, receiver, errors);

    /// <summary>For sends outside a receiver's integration list (an escalation email to an on-call person).</summary>
    public static void Report(ILogger logger, string integrationId, string receiver, IEnumerable<string> errors)
    {
        foreach (var error in errors)
        {
            LogFallback(logger, integrationId, receiver, error);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Template error in {Integration} of {Receiver}; sent the raw template text instead: {Error}")]
    private static partial void LogFallback(ILogger logger, string integration, string receiver, string error);
}
