using Alerting.Core.Alertmanager;
using Alerting.Core.Templating;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Alerting.Functions.Notifying;

/// <summary>
/// Alertmanager's email integration over SMTP with MailKit: headers (Subject, To, From) and the HTML
/// and text bodies are templates, defaulting to Alertmanager's email.default.* templates.
/// </summary>
public sealed class EmailNotifier(ILogger<EmailNotifier> logger) : INotifier
{
    public string Kind => "email";

    public async Task SendAsync(Integration integration, Notification notification, TemplateSet templates, CancellationToken ct)
    {
        var data = notification.Data();
        var c = (EmailConfig)integration.Config;
        var errors = new List<string>();
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
        message.Body = body.ToMessageBody();
        TemplateFallback.Report(logger, integration, notification.Receiver, errors);
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId();

        var (host, port) = SplitHostPort(c.Smarthost);
        using var client = new SmtpClient();
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
