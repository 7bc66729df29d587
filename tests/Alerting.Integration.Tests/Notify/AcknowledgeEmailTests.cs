using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Core.Templating;
using Alerting.Core.Tests;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.Email;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// Where the escalation email's Acknowledge button goes: inside Alertmanager's card beside "View in
/// Alertmanager", with Alertmanager's templates unchanged; the compact variant for on-call pages; and a
/// deployment's own templates.
/// </summary>
public sealed class AcknowledgeEmailTests
{
    private const string Url = "http://alerting.test/api/links/acknowledge?token=abc.def&x=1";

    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    private readonly TemplateSet _templates = AlertmanagerTemplates.LoadDefault(Path.Combine(TestPaths.RepoRoot, "rules", "templates", "default.tmpl"));

    private Notification Notification(string? acknowledgeUrl = Url, TemplateSet? templates = null) => new(
        "reliability-team",
        Labels.From(("alertname", "TradingEngineDown")),
        [new Alert(Labels.From(("alertname", "TradingEngineDown"), ("instance", "vyx-user-7"), ("severity", "critical")),
            Labels.From(("summary", "Trading engine down"), ("runbook_url", "https://runbooks.example/t")), Now.AddMinutes(-5), null, "")],
        Now,
        "http://alerting.test",
        "{}/escalation:x")
    {
        Templates = templates ?? _templates,
        Incident = acknowledgeUrl is null ? null : new IncidentContext("a1", Alerting.Core.Acknowledgement.AlertStatus.Firing, null, null, acknowledgeUrl),
    };

    /// <summary>The email as the notifier composes it, and the template errors it met.</summary>
    private static (MimeKit.MimeMessage Message, IReadOnlyList<string> Errors) Compose(EmailConfig config, Notification notification)
    {
        var templater = EmailNotifier.TemplaterFor(notification);
        return (EmailNotifier.Compose(config, templater, notification), templater.Errors);
    }

    private static EmailConfig Config(string? html = null, string? text = null) => new()
    {
        To = "team@example.test",
        From = "alerting@example.test",
        Smarthost = "127.0.0.1:25",
        Html = html ?? "{{ template \"email.default.html\" . }}",
        Text = text ?? string.Empty,
    };

    [Fact]
    public void The_button_sits_inside_alertmanagers_card_next_to_its_own_button()
    {
        var (message, errors) = Compose(Config(), Notification());
        var html = message.HtmlBody!;

        Assert.Empty(errors);
        var viewIn = html.IndexOf("class=\"btn-primary\"", StringComparison.Ordinal);
        var button = html.IndexOf("class=\"btn-acknowledge\"", StringComparison.Ordinal);
        var firing = html.IndexOf("[1] Firing", StringComparison.Ordinal);
        Assert.True(viewIn > 0 && button > viewIn && button < firing, "the Acknowledge button should follow 'View in Alertmanager' inside the card");
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, "btn-acknowledge"));
        Assert.Contains("href=\"http://alerting.test/api/links/acknowledge?token=abc.def&amp;x=1\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("</body><p", html.Replace("\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_an_action_alertmanagers_email_is_unchanged()
    {
        var (message, errors) = Compose(Config(), Notification(acknowledgeUrl: null));
        var plain = message.HtmlBody!;
        var expected = _templates.ExecuteHtmlText("{{ template \"email.default.html\" . }}", Notification(acknowledgeUrl: null).Data());

        Assert.Empty(errors);
        Assert.Equal(expected, plain);
        Assert.DoesNotContain("btn-acknowledge", plain, StringComparison.Ordinal);
    }

    [Fact]
    public void The_compact_variant_is_short_and_carries_the_button_and_the_link_once()
    {
        var (message, errors) = Compose(Config(AcknowledgeEmail.CompactHtml, AcknowledgeEmail.CompactText), Notification());

        Assert.Empty(errors);
        Assert.NotNull(message.HtmlBody);
        Assert.NotNull(message.TextBody);
        Assert.Contains("btn-acknowledge", message.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("btn-primary", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Trading engine down", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains(">Runbook</a>", message.HtmlBody, StringComparison.Ordinal);
        Assert.True(message.HtmlBody.Length < 4000, $"compact html is {message.HtmlBody.Length} characters");
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(message.TextBody, System.Text.RegularExpressions.Regex.Escape(Url)));
        Assert.StartsWith("[FIRING:1] TradingEngineDown", message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public void A_custom_body_without_the_card_gets_the_button_at_its_end_and_may_place_the_link_itself()
    {
        var (appendedMessage, appendedErrors) = Compose(Config("<html><body><p>{{ .CommonLabels.alertname }}</p></body></html>"), Notification());
        var (placedMessage, placedErrors) = Compose(Config("<html><body><a href=\"{{ .AcknowledgeURL }}\">ack it</a></body></html>"), Notification());
        var appended = appendedMessage.HtmlBody!;
        var placed = placedMessage.HtmlBody!;

        Assert.Empty(appendedErrors);
        Assert.Empty(placedErrors);
        Assert.Matches("<p>TradingEngineDown</p><p style=\"margin:16px 0\"><a href=[^>]*class=\"btn-acknowledge\"", appended);
        Assert.DoesNotContain("btn-acknowledge", placed, StringComparison.Ordinal);
        Assert.Contains(">ack it</a>", placed, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deployments_own_button_template_wins()
    {
        var mine = _templates.Clone();
        mine.AddFile("mine.tmpl", "{{ define \"email.alerting.acknowledge\" }}<a class=\"mine\" href=\"{{ .AcknowledgeURL }}\">I'm on it</a>{{ end }}");

        var (message, errors) = Compose(Config(), Notification(templates: mine));
        var html = message.HtmlBody!;

        Assert.Empty(errors);
        Assert.Contains("I'm on it", html, StringComparison.Ordinal);
        Assert.DoesNotContain("btn-acknowledge", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_redelivered_flush_email_carries_the_same_message_id_and_another_flush_a_new_one()
    {
        var flush = Notification(acknowledgeUrl: null) with { DeliveryId = "group-1/token-a/email/0" };

        var first = Compose(Config(), flush).Message.MessageId;
        var redelivered = Compose(Config(), flush).Message.MessageId;
        var nextFlush = Compose(Config(), flush with { DeliveryId = "group-1/token-b/email/0" }).Message.MessageId;
        var outsideFlush = Compose(Config(), Notification(acknowledgeUrl: null)).Message.MessageId;

        Assert.Equal(first, redelivered);
        Assert.EndsWith("@example.test", first, StringComparison.Ordinal);
        Assert.NotEqual(first, nextFlush);
        Assert.NotEqual(outsideFlush, Compose(Config(), Notification(acknowledgeUrl: null)).Message.MessageId);
    }
}
