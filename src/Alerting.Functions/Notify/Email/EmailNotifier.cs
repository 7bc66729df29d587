using Alerting.Core.Alertmanager;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Alerting.Functions.Notify.Email;

/// <summary>
/// Alertmanager's email integration over SMTP with MailKit: headers (Subject, To, From, and any others
/// configured) and the text and HTML bodies are templates, defaulting to Alertmanager's email.default.*
/// templates. An escalation email gets the signed one-click Acknowledge button inside Alertmanager's card
/// (<see cref="AcknowledgeEmail"/>; templates see it as <c>.AcknowledgeURL</c>) and the link in the text body.
/// </summary>
public sealed class EmailNotifier(ILogger<EmailNotifier> logger) : Notifier<EmailConfig>
{
    public override string Kind => "email";

    protected override async Task<DeliveryReceipt?> SendAsync(EmailConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var templater = TemplaterFor(notification);
        var message = Compose(config, templater, notification);
        templater.Report(logger, integration.Id, notification.Receiver);
        await SendMessageAsync(config, message, ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>The templates and data an email of <paramref name="notification"/> renders with.</summary>
    public static Templater TemplaterFor(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var data = notification.Data();
        return notification.Incident?.AcknowledgeUrl is { } url
            ? new Templater(AcknowledgeEmail.Templates(notification.Templates), data, new AcknowledgeEmailData(data, url))
            : new Templater(notification.Templates, data);
    }

    /// <summary>The message Alertmanager would send for this config and notification.</summary>
    public static MimeMessage Compose(EmailConfig c, Templater t, Notification notification)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(notification);
        var message = new MimeMessage();
        var configuredId = false;
        var headers = new Dictionary<string, string>(c.Headers, StringComparer.OrdinalIgnoreCase);
        headers.TryAdd("Subject", EmailConfig.DefaultSubject);
        headers.TryAdd("To", c.To);
        headers.TryAdd("From", c.From);
        foreach (var (name, template) in headers)
        {
            var value = t.Text(template);
            switch (name.ToUpperInvariant())
            {
                case "SUBJECT":
                    message.Subject = value;
                    break;
                case "TO":
                    message.To.AddRange(Addresses(value, "to"));
                    break;
                case "FROM":
                    var from = Addresses(value, "from");
                    if (from.Count != 1)
                    {
                        throw new PermanentNotificationException($"must be exactly one 'from' address (got: {from.Count})");
                    }
                    message.From.AddRange(from);
                    break;
                case "MESSAGE-ID":
                    message.MessageId = value.Trim('<', '>', ' ');
                    configuredId = true;
                    break;
                default:
                    message.Headers.Add(name, value);
                    break;
            }
        }
        var body = new BodyBuilder();
        if (!string.IsNullOrEmpty(c.Html))
        {
            body.HtmlBody = t.Html(c.Html);
        }
        if (!string.IsNullOrEmpty(c.Text))
        {
            body.TextBody = t.Text(c.Text);
        }
        if (notification.Incident?.AcknowledgeUrl is { } url)
        {
            PlaceAcknowledge(body, t, url);
        }
        message.Body = body.ToMessageBody();
        // MimeKit gives every new message a random Message-ID, as Alertmanager does per attempt.
        if (!configuredId && notification.DeliveryId is { } id)
        {
            message.MessageId = StableMessageId(id, message.From.Mailboxes.FirstOrDefault()?.Domain);
        }
        return message;
    }

    /// <summary>
    /// The Message-ID of one delivery (group, flush token, integration): the same on every instance and on
    /// every redelivery, so a resend after a crash between the SMTP send and the notification-log write is
    /// recognisable as the same message (mail stores and clients that dedupe by Message-ID show it once).
    /// Alertmanager's is random per attempt; the domain is the sender's, not the host's, so it does not
    /// change with the instance that retries.
    /// </summary>
    public static string StableMessageId(string deliveryId, string? domain)
    {
        ArgumentNullException.ThrowIfNull(deliveryId);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(deliveryId)));
        return $"{hash[..32]}@{(string.IsNullOrEmpty(domain) ? "alerting.local" : domain)}";
    }

    private static void PlaceAcknowledge(BodyBuilder body, Templater t, string url)
    {
        const string Label = "Acknowledge";
        var plain = $"<a href=\"{System.Net.WebUtility.HtmlEncode(url)}\">{Label}</a>";
        var button = t.NamedHtml(AcknowledgeEmail.ButtonTemplate, plain);
        body.HtmlBody = AcknowledgeEmail.PlaceButton(body.HtmlBody ?? string.Empty, button, url);
        if (body.TextBody is not { } text || !text.Contains(url, StringComparison.Ordinal))
        {
            body.TextBody = (body.TextBody is { Length: > 0 } t2 ? t2 + "\n\n" : string.Empty) + $"{Label}: {url}\n";
        }
    }

    private static InternetAddressList Addresses(string value, string what)
    {
        try
        {
            return InternetAddressList.Parse(value);
        }
        catch (ParseException e)
        {
            throw new PermanentNotificationException($"parse '{what}' addresses: {e.Message}", e);
        }
    }

    /// <summary>
    /// Delivers <paramref name="message"/> through the config's smarthost as Alertmanager does: implicit TLS
    /// on port 465, STARTTLS when <c>require_tls</c> (failing if the server does not offer it), plain SMTP
    /// otherwise; authentication when the server offers AUTH and credentials are set.
    /// </summary>
    public static async Task SendMessageAsync(EmailConfig c, MimeMessage message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        var (host, port) = SplitHostPort(c.Smarthost);
        using var client = new SmtpClient { LocalDomain = string.IsNullOrEmpty(c.Hello) ? "localhost" : c.Hello };
        // tls_config applies to STARTTLS and implicit TLS alike (a private CA, a client certificate).
        client.ServerCertificateValidationCallback = TlsTrust.Callback(c.TlsConfig);
        if (TlsTrust.ClientCertificate(c.TlsConfig) is { } clientCertificate)
        {
            client.ClientCertificates = [clientCertificate];
        }
        var security = port == 465 ? SecureSocketOptions.SslOnConnect : c.RequireTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
        try
        {
            await client.ConnectAsync(host, port, security, ct).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(c.AuthUsername) && client.Capabilities.HasFlag(SmtpCapabilities.Authentication))
            {
                var password = c.AuthPassword ?? HttpClientConfigs.ReadSecret(c.AuthPasswordFile) ?? string.Empty;
                await client.AuthenticateAsync(c.AuthUsername, password, ct).ConfigureAwait(false);
            }
            await client.SendAsync(message, ct).ConfigureAwait(false);
            await client.DisconnectAsync(true, ct).ConfigureAwait(false);
        }
        catch (AuthenticationException e)
        {
            throw new PermanentNotificationException($"email: authentication with {host}:{port} failed: {e.Message}", e);
        }
        catch (SmtpCommandException e) when ((int)e.StatusCode is >= 500 and < 600)
        {
            // A 5xx reply is the server's permanent refusal (unknown recipient, message rejected).
            throw new PermanentNotificationException($"email: {host}:{port} refused the message: {e.Message}", e);
        }
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
