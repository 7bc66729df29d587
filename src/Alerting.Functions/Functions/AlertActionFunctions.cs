using Alerting.Core.Acknowledgement;
using Alerting.Core.Notify;
using Alerting.Functions.Options;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Alerting.Functions.Functions;

/// <summary>
/// The operators' HTTP API (function key): open alerts with their acknowledgement state, an alert's
/// history, and acknowledge / unacknowledge / resolve / snooze / silence. The web page uses it too.
/// </summary>
public sealed class AlertActionFunctions(
    AlertStore alerts,
    IncidentStore incidents,
    AuditStore audit,
    IncidentService service,
    TimeProvider time,
    IOptions<AlertingOptions> options)
{
    [Function("OpenAlerts")]
    public async Task<IActionResult> Open(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "alerts/open")] HttpRequest req,
        CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var states = (await incidents.ListAsync(ct).ConfigureAwait(false)).ToDictionary(i => i.AlertId, StringComparer.Ordinal);
        var open = (await alerts.ListAsync(ct).ConfigureAwait(false))
            .Where(a => !a.Alert.IsResolvedAt(now))
            .Select(a =>
            {
                var ack = states.TryGetValue(a.Alert.Fingerprint, out var i) ? i.Ack : AlertAckState.FiringSince(a.Alert.StartsAt);
                var status = ack.EffectiveStatus(now);
                return new
                {
                    id = a.Alert.Fingerprint,
                    alertname = a.Alert.Labels["alertname"],
                    severity = a.Alert.Labels["severity"],
                    instance = a.Alert.Labels["instance"],
                    status = AcknowledgementStateMachine.Name(status),
                    since = ack.Since,
                    by = ack.By,
                    snoozedUntil = status == AlertStatus.Snoozed ? ack.SnoozedUntil : null,
                    startsAt = a.Alert.StartsAt,
                    labels = a.Alert.Labels.ToDictionary(),
                    annotations = a.Alert.Annotations.ToDictionary(),
                };
            })
            .Where(a => a.status != "resolved")
            .OrderBy(a => AlertGroupSnapshot.SeverityRank(a.severity.ToLowerInvariant()))
            .ThenBy(a => a.instance, StringComparer.Ordinal)
            .ThenBy(a => a.alertname, StringComparer.Ordinal)
            .ToArray();
        return new OkObjectResult(new { alerts = open });
    }

    [Function("AlertHistory")]
    public async Task<IActionResult> History(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "alerts/{id}/history")] HttpRequest req,
        string id,
        CancellationToken ct)
    {
        if (await alerts.GetAsync(id, ct).ConfigureAwait(false) is null && await incidents.GetAsync(id, ct).ConfigureAwait(false) is null)
        {
            return ApiResults.Error(StatusCodes.Status404NotFound, $"no alert with id {id}");
        }
        var history = (await audit.ListAsync(id, ct).ConfigureAwait(false)).Select(r => new
        {
            action = r.Action.ToString().ToLowerInvariant(),
            who = r.Who,
            when = r.When,
            how = r.How.ToString().ToLowerInvariant(),
            from = AcknowledgementStateMachine.Name(r.From),
            to = AcknowledgementStateMachine.Name(r.To),
            note = r.Note,
            snoozedUntil = r.SnoozedUntil,
        });
        return new OkObjectResult(new { id, history });
    }

    [Function("AlertAction")]
    public async Task<IActionResult> Act(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "alerts/{id}/{action}")] HttpRequest req,
        string id,
        string action,
        CancellationToken ct)
    {
        if (!TryAction(action, out var verb))
        {
            return ApiResults.Error(StatusCodes.Status404NotFound, $"unknown action '{action}'; use acknowledge, unacknowledge, resolve, snooze or silence");
        }
        var body = await RequestBody.ReadLimitedAsync(req, options.Value.MaxRequestBytes, ct).ConfigureAwait(false);
        if (body is null)
        {
            return ApiResults.Error(StatusCodes.Status413PayloadTooLarge, $"request body exceeds {options.Value.MaxRequestBytes} bytes");
        }
        ActionBody? input;
        try
        {
            input = body.Length == 0 ? new ActionBody(null, null, null, null) : JsonInput.Deserialize<ActionBody>(body, QueueSender.Json, ActionShape);
        }
        catch (JsonInputException e)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, e.Message);
        }
        if (input is null || string.IsNullOrWhiteSpace(input.Who))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, "body needs \"who\": the operator's name, kept in the audit trail");
        }
        var how = input.How?.ToLowerInvariant() == "web" ? AckChannel.Web : AckChannel.Api;
        var result = await service.ApplyAsync(id, new AckCommand(verb, input.Who, how, input.Note, input.Until), ct).ConfigureAwait(false);
        return ToResult(id, result);
    }

    internal static IActionResult ToResult(string id, OperatorResult result) => result.Outcome switch
    {
        OperatorOutcome.Done => new OkObjectResult(new { id, status = AcknowledgementStateMachine.Name(result.Status!.Value) }),
        OperatorOutcome.NotFound => ApiResults.Error(StatusCodes.Status404NotFound, result.Message!),
        OperatorOutcome.Rejected => ApiResults.Error(StatusCodes.Status400BadRequest, result.Message!),
        _ => ApiResults.Error(StatusCodes.Status409Conflict, result.Message!),
    };

    internal static bool TryAction(string text, out AckAction action)
    {
        (var ok, action) = text switch
        {
            "acknowledge" or "ack" => (true, AckAction.Acknowledge),
            "unacknowledge" or "unack" => (true, AckAction.Unacknowledge),
            "resolve" => (true, AckAction.Resolve),
            "snooze" => (true, AckAction.Snooze),
            "silence" => (true, AckAction.Silence),
            _ => (false, AckAction.Acknowledge),
        };
        return ok;
    }

    private const string ActionShape =
        "the body must be a JSON object: {\"who\":\"<operator>\",\"note\":\"<optional text>\",\"until\":\"<RFC 3339, for snooze and silence>\"}";

    private sealed record ActionBody(string? Who, string? How, string? Note, DateTimeOffset? Until);
}
