using System.Net;
using System.Text;
using Alerting.Core.Acknowledgement;
using Alerting.Core.Notify.PagerDuty;
using Alerting.Core.Notify.Slack;
using Alerting.Functions.Notify;
using Alerting.Functions.Options;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Functions;

/// <summary>
/// Acknowledgement from outside: the signed one-click email link, Slack's Acknowledge button and
/// PagerDuty's v3 webhooks. These endpoints are anonymous at the function level because the caller
/// cannot hold a function key; each request is authenticated by its own signature instead, and a
/// request that fails it gets 401 and changes nothing.
/// </summary>
public sealed partial class OperatorChannelFunctions(
    IncidentService service,
    AlertStore alerts,
    LinkSigning links,
    LinkNonceStore nonces,
    TimeProvider time,
    IOptions<AlertingOptions> options,
    ILogger<OperatorChannelFunctions> logger)
{
    /// <summary>
    /// Shows what the link would do and a button that does it. Mail scanners fetch links, so the GET
    /// changes nothing and does not use up the link; only the POST from the page acknowledges.
    /// </summary>
    [Function("LinkConfirm")]
    public async Task<IActionResult> Confirm(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "links/{action}")] HttpRequest req,
        string action,
        CancellationToken ct)
    {
        if (links.Signer is not { } signer)
        {
            return LinksNotConfigured();
        }
        var token = req.Query["token"].ToString();
        var check = signer.Inspect(token, action);
        if (!check.IsValid)
        {
            return Page(StatusCodes.Status401Unauthorized, "Link not valid", Reason(check.Status));
        }
        var stored = await alerts.GetAsync(check.Claims!.AlertId, ct).ConfigureAwait(false);
        if (stored is null)
        {
            return Page(StatusCodes.Status404NotFound, "Unknown alert", $"No alert with id {check.Claims.AlertId}.");
        }
        var title = $"{stored.Alert.Labels["alertname"]} on {stored.Alert.Labels["instance"]}";
        var form = $"<form method=\"post\"><input type=\"hidden\" name=\"token\" value=\"{WebUtility.HtmlEncode(token)}\">" +
            $"<p><label>Your name <input name=\"who\" value=\"\" placeholder=\"email link\"></label></p>" +
            $"<button type=\"submit\" id=\"confirm\">{WebUtility.HtmlEncode(Capitalize(action))}</button></form>";
        return Page(StatusCodes.Status200OK, $"{Capitalize(action)} {title}?", stored.Alert.Annotations["summary"], form);
    }

    [Function("LinkAct")]
    public async Task<IActionResult> Act(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "links/{action}")] HttpRequest req,
        string action,
        CancellationToken ct)
    {
        if (links.Signer is not { } signer)
        {
            return LinksNotConfigured();
        }
        if (!req.HasFormContentType)
        {
            return Page(StatusCodes.Status400BadRequest, "Bad request", "Expected the form from the confirmation page.");
        }
        var form = await req.ReadFormAsync(ct).ConfigureAwait(false);
        var token = form["token"].ToString();
        if (!AlertActionFunctions.TryAction(action, out var verb))
        {
            return Page(StatusCodes.Status404NotFound, "Unknown action", action);
        }
        // Signature and expiry first: a forged or expired link must not burn a nonce or reach the store.
        var check = signer.Inspect(token, action);
        if (!check.IsValid)
        {
            LogRefused(logger, "email link", check.Status.ToString());
            return Page(StatusCodes.Status401Unauthorized, "Link not valid", Reason(check.Status));
        }
        if (await alerts.GetAsync(check.Claims!.AlertId, ct).ConfigureAwait(false) is null)
        {
            return Page(StatusCodes.Status404NotFound, "Unknown alert", $"No alert with id {check.Claims.AlertId}.");
        }
        var used = await signer.VerifyAsync(token, action, nonces, ct).ConfigureAwait(false);
        if (!used.IsValid)
        {
            LogRefused(logger, "email link", used.Status.ToString());
            return Page(StatusCodes.Status401Unauthorized, "Link not valid", Reason(used.Status));
        }
        var who = form["who"].ToString() is { Length: > 0 } name ? name : "email link";
        var result = await service.ApplyAsync(used.Claims!.AlertId, new AckCommand(verb, who, AckChannel.Email), ct).ConfigureAwait(false);
        return result.Outcome switch
        {
            OperatorOutcome.Done => Page(StatusCodes.Status200OK, "Done", $"Alert {used.Claims.AlertId} is now {AcknowledgementStateMachine.Name(result.Status!.Value)}."),
            OperatorOutcome.NotFound => Page(StatusCodes.Status404NotFound, "Unknown alert", result.Message!),
            _ => Page(StatusCodes.Status409Conflict, "Nothing changed", result.Message!),
        };
    }

    /// <summary>Slack's interactivity request URL: a button click on one of our messages.</summary>
    [Function("SlackInteraction")]
    public async Task<IActionResult> Slack(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "slack/interactions")] HttpRequest req,
        CancellationToken ct)
    {
        if (string.IsNullOrEmpty(options.Value.SlackSigningSecret))
        {
            return ApiResults.Error(StatusCodes.Status503ServiceUnavailable, "no Slack signing secret configured (Alerting:SlackSigningSecret)");
        }
        var body = await RequestBody.ReadLimitedAsync(req, options.Value.MaxRequestBytes, ct).ConfigureAwait(false);
        if (body is null)
        {
            return ApiResults.Error(StatusCodes.Status413PayloadTooLarge, $"request body exceeds {options.Value.MaxRequestBytes} bytes");
        }
        var verifier = new SlackRequestVerifier(options.Value.SlackSigningSecret, time);
        var status = verifier.Verify(req.Headers[SlackRequestVerifier.TimestampHeader], req.Headers[SlackRequestVerifier.SignatureHeader], body);
        if (status != SlackSignatureStatus.Valid)
        {
            LogRefused(logger, "slack", status.ToString());
            return ApiResults.Error(StatusCodes.Status401Unauthorized, $"slack signature check failed: {status}");
        }
        var interaction = SlackInteractionParser.Parse(Encoding.UTF8.GetString(body), out var error);
        if (interaction is null)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, error ?? "not a block action");
        }
        AckAction? verb = interaction.ActionId switch
        {
            SlackMessageBuilder.AcknowledgeActionId => AckAction.Acknowledge,
            SlackMessageBuilder.UnacknowledgeActionId => AckAction.Unacknowledge,
            SlackMessageBuilder.ResolveActionId => AckAction.Resolve,
            _ => null,
        };
        if (verb is null || string.IsNullOrEmpty(interaction.Value))
        {
            return new OkResult(); // e.g. the runbook link button: nothing to change
        }
        var who = interaction.UserName.Length > 0 ? interaction.UserName : interaction.UserId;
        var result = await service.ApplyAsync(interaction.Value, new AckCommand(verb.Value, who, AckChannel.Slack), ct).ConfigureAwait(false);
        return AlertActionFunctions.ToResult(interaction.Value, result);
    }

    /// <summary>PagerDuty v3 webhook: an incident acknowledged or resolved there is acknowledged or resolved here.</summary>
    [Function("PagerDutyWebhook")]
    public async Task<IActionResult> PagerDuty(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "pagerduty/webhook")] HttpRequest req,
        CancellationToken ct)
    {
        var secrets = options.Value.PagerDutyWebhookSecret.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (secrets.Length == 0)
        {
            return ApiResults.Error(StatusCodes.Status503ServiceUnavailable, "no PagerDuty webhook secret configured (Alerting:PagerDutyWebhookSecret)");
        }
        var body = await RequestBody.ReadLimitedAsync(req, options.Value.MaxRequestBytes, ct).ConfigureAwait(false);
        if (body is null)
        {
            return ApiResults.Error(StatusCodes.Status413PayloadTooLarge, $"request body exceeds {options.Value.MaxRequestBytes} bytes");
        }
        if (!new PagerDutyWebhookVerifier(secrets).Verify(req.Headers[PagerDutyWebhookVerifier.SignatureHeader], body))
        {
            LogRefused(logger, "pagerduty", "bad signature");
            return ApiResults.Error(StatusCodes.Status401Unauthorized, "pagerduty signature check failed");
        }
        var ev = PagerDutyWebhookEvent.Parse(Encoding.UTF8.GetString(body), out var error);
        if (ev is null)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, error ?? "not a PagerDuty v3 event");
        }
        AckAction? verb = ev.EventType switch
        {
            "incident.acknowledged" => AckAction.Acknowledge,
            "incident.resolved" => AckAction.Resolve,
            "incident.unacknowledged" => AckAction.Unacknowledge,
            _ => null,
        };
        // Other event types, and incidents we did not open, are acknowledged to PagerDuty and ignored.
        if (verb is null || ev.IncidentKey is null || await service.FindByDedupKeyAsync(ev.IncidentKey, ct).ConfigureAwait(false) is not { } alertId)
        {
            return new OkResult();
        }
        var result = await service.ApplyAsync(alertId, new AckCommand(verb.Value, ev.AgentName ?? "pagerduty", AckChannel.PagerDuty), ct).ConfigureAwait(false);
        // A transition that is already done (we told PagerDuty ourselves) is success for PagerDuty.
        return result.Outcome == OperatorOutcome.NotFound ? AlertActionFunctions.ToResult(alertId, result) : new OkResult();
    }

    private static ContentResult LinksNotConfigured() =>
        Page(StatusCodes.Status503ServiceUnavailable, "Links are not configured", "This deployment has no link signing key (Alerting:LinkSigningKey).");

    private static string Reason(SignedLinkStatus status) => status switch
    {
        SignedLinkStatus.Expired => "This link has expired.",
        SignedLinkStatus.AlreadyUsed => "This link has already been used.",
        SignedLinkStatus.WrongAction => "This link is for a different action.",
        _ => "This link is not one we issued.",
    };

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private static ContentResult Page(int status, string title, string text, string extraHtml = "") => new()
    {
        StatusCode = status,
        ContentType = "text/html; charset=utf-8",
        Content = $"<!doctype html><html><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(title)}</title></head>" +
            $"<body style=\"font-family:sans-serif;max-width:40em;margin:2em auto\"><h1 id=\"title\">{WebUtility.HtmlEncode(title)}</h1>" +
            $"<p id=\"message\">{WebUtility.HtmlEncode(text)}</p>{extraHtml}</body></html>",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a {Channel} request: {Reason}")]
    private static partial void LogRefused(ILogger logger, string channel, string reason);
}
