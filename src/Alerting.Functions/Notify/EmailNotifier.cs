using Alerting.Core.Alertmanager;
using Alerting.Core.Templating;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Alerting.Functions.Notify;

/// <summary>
/// Alertmanager's email integration over SMTP with MailKit: headers (Subject, To, From) and the HTML
/// and text bodies are templates, defaulting to Alertmanager's email.default.* templates.
/// </summary>
public sealed class EmailNotifier(ILogger<EmailNotifier> logger) : INotifier
{
    public string Kind => "email";

    public async Task SendAsync(Integration integration, Notification notification, TemplateSet templates, CancellationToken ct)
    {
        var c = (EmailConfig)integration.Config;
        var errors = new List<string>();
        var message = Compose(c, notification, templates, errors);
        TemplateFallback.Report(logger, integration, notification.Receiver, errors);
        await SendMessageAsync(c, message, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The message Alertmanager would send for this config and notification. An <paramref name="action"/>
    /// (the one-click Acknowledge link of escalation emails) is placed inside the HTML body by
    /// <see cref="AcknowledgeEmail"/> and added to the text body; templates see it as <c>.AcknowledgeURL</c>.
    /// </summary>
    public static MimeMessage Compose(EmailConfig c, Notification notification, TemplateSet templates, ICollection<string> errors, EmailAction? action = null)
    {
        object data = notification.Data();
        if (action is not null)
        {
            templates = AcknowledgeEmail.Templates(templates);
            data = new AcknowledgeEmailData(notification.Data(), action.Url);
        }
        var message = new MimeMessage();
        var headers = new Dictionary<string, string>(c.Headers, StringComparer.OrdinalIgnoreCase);
        headers.TryAdd("Subject", "{{ template \"email.default.subject\" . }}");
        headers.TryAdd("To", c.To);
        headers.TryAdd("From", c.From);
        foreach (var (name, template) in headers)
        {
            var value = TemplateFallback.Render(() => templates.ExecuteText(template, data), template, errors);
            switch (name.ToUpperInvariant())
            {
                case "SUBJECT":
                    message.Subject = value;
                    break;
                case "TO":
                    message.To.AddRange(InternetAddressList.Parse(value));
                    break;
                case "FROM":
                    message.From.AddRange(InternetAddressList.Parse(value));
                    break;
                default:
                    message.Headers.Add(name, value);
                    break;
            }
        }
        var body = new BodyBuilder();
        if (!string.IsNullOrEmpty(c.Html))
        {
            body.HtmlBody = TemplateFallback.Render(() => templates.ExecuteHtmlText(c.Html, data), c.Html, errors);
        }
        if (!string.IsNullOrEmpty(c.Text))
        {
            body.TextBody = TemplateFallback.Render(() => templates.ExecuteText(c.Text, data), c.Text, errors);
        }
        if (action is not null)
        {
            var plain = $"<a href=\"{System.Net.WebUtility.HtmlEncode(action.Url)}\">{System.Net.WebUtility.HtmlEncode(action.Label)}</a>";
            var button = TemplateFallback.Render(() => templates.ExecuteHtml(AcknowledgeEmail.ButtonTemplate, data), plain, errors);
            body.HtmlBody = AcknowledgeEmail.PlaceButton(body.HtmlBody ?? string.Empty, button, action.Url);
            if (body.TextBody is not { } text || !text.Contains(action.Url, StringComparison.Ordinal))
            {
                body.TextBody = (body.TextBody is { Length: > 0 } t ? t + "\n\n" : string.Empty) + $"{action.Label}: {action.Url}\n";
            }
        }
        message.Body = body.ToMessageBody();
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId();
        return message;
    }

    /// <summary>Delivers <paramref name="message"/> through the config's smarthost (STARTTLS as configured, auth when set).</summary>
    public static async Task SendMessageAsync(EmailConfig c, MimeMessage message, CancellationToken ct)
    {
        var (host, port) = SplitHostPort(c.Smarthost);
        using var client = new SmtpClient();
        // tls_config applies to STARTTLS and implicit TLS alike (a private CA, a client certificate).
        client.ServerCertificateValidationCallback = TlsTrust.Callback(c.TlsConfig);
        if (TlsTrust.ClientCertificate(c.TlsConfig) is { } clientCertificate)
        {
            client.ClientCertificates = [clientCertificate];
        }
        var security = port == 465 ? SecureSocketOptions.SslOnConnect : c.RequireTls ? SecureSocketOptions.StartTls : SecureSocketOptions.StartTlsWhenAvailable;
        await client.ConnectAsync(host, port, security, ct).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(c.AuthUsername))
        {
            await client.AuthenticateAsync(c.AuthUsername, c.AuthPassword ?? SecretFile.Read(c.AuthPasswordFile) ?? string.Empty, ct).ConfigureAwait(false);
        }
        await client.SendAsync(message, ct).ConfigureAwait(false);
        await client.DisconnectAsync(true, ct).ConfigureAwait(false);
    }

    private static (string Host, int Port) SplitHostPort(string smarthost)
    {
        var i = smarthost.LastIndexOf(':');
        if (i <= 0 || !int.TryParse(smarthost.AsSpan(i + 1), System.Globalization.CultureInfo.InvariantCulture, out var port))
        {
            throw new PermanentNotificationException($"smarthost '{smarthost}' must be host:port");
        }
        return (smarthost[..i].Trim('[', ']'), port);
    }
}

/// <summary>A one-click action appended to an email: the button text and the (signed) link.</summary>
public sealed record EmailAction(string Label, string Url);
