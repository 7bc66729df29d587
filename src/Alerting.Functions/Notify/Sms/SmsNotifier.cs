using System.Net;
using System.Text;
using Alerting.Core.Notify.Sms;
using Alerting.Functions.Notify.Http;
using Microsoft.Extensions.Logging;

namespace Alerting.Functions.Notify.Sms;

/// <summary>
/// SMS pages to on-call people through Azure Communication Services (<see cref="AcsSms"/>): one request per
/// page, HMAC-signed with the resource's access key, sent through the one resilience pipeline of
/// <see cref="NotifyHttpClients"/> (429 and 5xx retried with backoff and Retry-After). ACS answers 202 with a
/// result per recipient; a recipient marked <c>successful: false</c> is a failure even in a 202: transient when
/// its own status is 429/5xx (the step is redelivered), otherwise permanent (logged and counted by the
/// <see cref="Deliverer"/>, as for any receiver's 4xx). Each page carries ACS's repeatability fields derived from
/// the escalation step (<see cref="AcsSms.Repeatability"/>), so a step redelivered after a crash within ACS's
/// window is answered with the first send's message id and no second SMS.
/// </summary>
public sealed partial class SmsNotifier(NotifyHttpClients clients, TimeProvider time, ILogger<SmsNotifier> logger) : Notifier<SmsConfig>
{
    public override string Kind => "sms";

    protected override async Task<DeliveryReceipt?> SendAsync(SmsConfig config, Integration integration, Notification notification, CancellationToken ct)
    {
        var message = SmsPage.Text(notification.Alerts, notification.Now, notification.Incident?.AcknowledgeUrl, config.MaxSegments);
        var now = time.GetUtcNow();
        var repeatability = AcsSms.Repeatability(notification.DeliveryId, notification.DueAt, config.To, message, now);
        var body = Encoding.UTF8.GetBytes(AcsSms.Body(config.From, config.To, message, config.EnableDeliveryReport, repeatability));
        var uri = AcsSms.SendUri(config.Connection.Endpoint);
        var signed = AcsSms.Sign("POST", uri, body, config.Connection.AccessKey, now);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await NotifyRequests.SendAsync(clients.For(config.HttpConfig), HttpMethod.Post, uri.ToString(), content, ct, request =>
        {
            request.Headers.TryAddWithoutValidation("x-ms-date", signed.Date);
            request.Headers.TryAddWithoutValidation("x-ms-content-sha256", signed.ContentHash);
            var space = signed.Authorization.IndexOf(' ', StringComparison.Ordinal);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(signed.Authorization[..space], signed.Authorization[(space + 1)..]);
        }).ConfigureAwait(false);
        await DeliveryResponses.EnsureDeliveredAsync(response, "sms", ct, AcsSms.ErrorMessage).ConfigureAwait(false);
        var answer = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        IReadOnlyList<AcsSmsResult> results;
        try
        {
            results = AcsSms.ParseResults(answer);
        }
        catch (FormatException e)
        {
            // Accepted but unreadable: the message may be on its way, so a resend could page twice.
            throw new PermanentNotificationException($"sms: {e.Message}: {DeliveryResponses.Truncate(answer)}", e);
        }
        foreach (var result in results.Where(r => !r.Successful))
        {
            var detail = $"sms to {Mask(result.To)}: {result.HttpStatusCode} {result.ErrorMessage}";
            if (DeliveryResponses.IsTransient((HttpStatusCode)result.HttpStatusCode))
            {
                throw new TransientNotificationException(detail, (HttpStatusCode)result.HttpStatusCode);
            }
            throw new PermanentNotificationException(detail);
        }
        var sent = results.FirstOrDefault();
        LogSent(logger, Mask(config.To), sent?.MessageId ?? "(none)", SmsText.Measure(message).Segments, notification.Receiver, repeatability.RequestId);
        return null;
    }

    /// <summary>A number as it may appear in logs: country code and the last two digits.</summary>
    public static string Mask(string number) =>
        number.Length <= 5 ? "***" : string.Concat(number.AsSpan(0, 3), new string('*', number.Length - 5), number.AsSpan(number.Length - 2));

    [LoggerMessage(Level = LogLevel.Information, Message = "SMS to {To} accepted as {MessageId} ({Segments} segment(s)) for {Receiver}, repeatability id {RequestId}")]
    private static partial void LogSent(ILogger logger, string to, string messageId, int segments, string receiver, string requestId);
}
