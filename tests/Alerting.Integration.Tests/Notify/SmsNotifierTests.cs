using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Alerting.Core.Acknowledgement;
using Alerting.Core.Model;
using Alerting.Core.Notify.Sms;
using Alerting.Fakes.Acs;
using Alerting.Functions.Notify;
using Alerting.Functions.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NotifyIntegration = Alerting.Functions.Notify.Integration;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// SMS pages through the one delivery path against a strict Azure Communication Services fake that verifies
/// ACS's HMAC signature: accepted pages are recorded with the acknowledge link and within the segment cap; a
/// wrong key (401), a refused recipient inside a 202, and a rate limit are classified as for every receiver.
/// </summary>
public sealed class SmsNotifierTests : IAsyncLifetime
{
    private const string To = "+447700900123";
    private const string From = "+18005550100";
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private readonly CapturedLogs _logs = new();
    private AcsSmsFake _acs = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _acs = await AcsSmsFake.StartAsync();
        _services = NotifyTestKit.Services(new DeliveryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(50), MaxRetryAfter = TimeSpan.FromSeconds(5) }, _logs);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _acs.DisposeAsync();
        _logs.Dispose();
    }

    private NotifyIntegration Sms(string? connectionString = null, string to = To) => new("sms-person", new SmsConfig
    {
        To = to,
        From = From,
        Connection = AcsConnectionString.Parse(connectionString ?? _acs.ConnectionString),
    });

    private static Notification Page(string summary = "vyx-user-2 machine 683713eb7d9008 was OOM-killed") => new(
        "alice",
        Labels.From(("alertname", "FlyMachineOomKilled")),
        [new Alert(Labels.From(("alertname", "FlyMachineOomKilled"), ("severity", "critical"), ("app", "vyx-user-2")), Labels.AnnotationsFrom([new Label("summary", summary)]), Now.AddMinutes(-5), null, string.Empty)],
        Now,
        "http://alerting.test",
        "{}/escalation:abc")
    {
        Templates = NotifyTestKit.Templates(),
        Incident = new IncidentContext("abc", AlertStatus.Firing, null, null, "http://alerting.test/api/links/acknowledge?token=v1.YWJj.acknowledge.1893456000.bm9uY2U.c2ln"),
    };

    private Task<DeliveryResult> DeliverAsync(NotifyIntegration integration, Notification notification) =>
        _services.GetRequiredService<Deliverer>().DeliverAsync(integration, notification, CancellationToken.None);

    [Fact]
    public async Task A_page_is_signed_accepted_and_carries_the_alert_and_the_acknowledge_link()
    {
        var result = await DeliverAsync(Sms(), Page());

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        var sms = Assert.Single(_acs.Messages);
        Assert.Equal((From, To), (sms.From, sms.To));
        Assert.Equal("FIRING: FlyMachineOomKilled [critical] vyx-user-2 machine 683713eb7d9008 was OOM-killed\nAck: http://alerting.test/api/links/acknowledge?token=v1.YWJj.acknowledge.1893456000.bm9uY2U.c2ln", sms.Message);
        Assert.False(sms.EnableDeliveryReport);
        Assert.Equal("/sms?api-version=2021-03-07", Assert.Single(_acs.Requests).Path);
    }

    [Fact]
    public async Task A_long_summary_is_cut_to_three_segments_and_the_link_survives()
    {
        await DeliverAsync(Sms(), Page(string.Concat(Enumerable.Repeat("memory pressure on every machine of the app; ", 40))));

        var sms = Assert.Single(_acs.Messages);
        Assert.EndsWith("token=v1.YWJj.acknowledge.1893456000.bm9uY2U.c2ln", sms.Message, StringComparison.Ordinal);
        Assert.Equal(3, SmsText.Measure(sms.Message).Segments);
    }

    [Fact]
    public async Task A_wrong_access_key_is_refused_by_the_service_and_rejected_for_good_with_its_reason_logged_and_counted()
    {
        var failed = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Name == "alerting_notifications_failed_total")
            {
                l.EnableMeasurementEvents(i);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, v, tags, _) =>
        {
            foreach (var t in tags)
            {
                if (t.Key == "integration" && (string?)t.Value == "sms")
                {
                    Interlocked.Add(ref failed, v);
                }
            }
        });
        listener.Start();
        var wrongKey = $"endpoint={_acs.Endpoint};accesskey={Convert.ToBase64String(Encoding.ASCII.GetBytes("not-the-resource-key-0123456789"))}";

        var result = await DeliverAsync(Sms(wrongKey), Page());

        Assert.Equal(DeliveryStatus.Rejected, result.Status);
        Assert.Empty(_acs.Messages);
        Assert.Equal(401, Assert.Single(_acs.Requests).Status);
        Assert.Contains(_logs.Lines, l => l.Level == LogLevel.Error && l.Message.Contains("Denied by the resource provider", StringComparison.Ordinal));
        Assert.True(Interlocked.Read(ref failed) >= 1, "the failure should be counted in alerting_notifications_failed_total{integration=\"sms\"}");
    }

    [Fact]
    public async Task A_recipient_refused_inside_the_202_is_a_permanent_failure()
    {
        _acs.RejectRecipient(To, 400, "Invalid To phone number format.");

        var result = await DeliverAsync(Sms(), Page());

        Assert.Equal(DeliveryStatus.Rejected, result.Status);
        Assert.Contains("Invalid To phone number format.", result.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(202, Assert.Single(_acs.Requests).Status);
        Assert.DoesNotContain("7700900123", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_recipient_throttled_inside_the_202_fails_the_step_so_it_is_redelivered()
    {
        _acs.RejectRecipient(To, 429, "Too many requests for this number.");

        var result = await DeliverAsync(Sms(), Page());

        Assert.Equal(DeliveryStatus.Failed, result.Status);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public async Task Throttling_and_server_errors_are_retried_in_process_and_the_page_goes_out(int status)
    {
        _acs.FailNext(status, 1);

        var result = await DeliverAsync(Sms(), Page());

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        Assert.Equal([status, 202], _acs.Requests.Select(r => r.Status));
        Assert.Single(_acs.Messages);
    }

    [Fact]
    public async Task The_fake_refuses_tampered_signatures_bad_numbers_and_over_long_messages_as_the_service_does()
    {
        using var http = new HttpClient();
        var key = Convert.FromBase64String(AcsSmsFake.DefaultAccessKey);
        var uri = AcsSms.SendUri(_acs.Endpoint);

        async Task<(HttpStatusCode, string)> Send(string body, Func<AcsSignedHeaders, AcsSignedHeaders>? tamper = null, string? sentBody = null)
        {
            var signed = AcsSms.Sign("POST", uri, Encoding.UTF8.GetBytes(body), key, DateTimeOffset.UtcNow);
            signed = tamper?.Invoke(signed) ?? signed;
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(sentBody ?? body, Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("x-ms-date", signed.Date);
            request.Headers.TryAddWithoutValidation("x-ms-content-sha256", signed.ContentHash);
            request.Headers.TryAddWithoutValidation("Authorization", signed.Authorization);
            using var response = await http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var good = AcsSms.Body(From, To, "hello", false);
        Assert.Equal(HttpStatusCode.Accepted, (await Send(good)).Item1);
        var (forged, error) = await Send(good, s => s with { Authorization = s.Authorization[..^6] + "AAAAA=" });
        Assert.Equal(HttpStatusCode.Unauthorized, forged);
        Assert.Equal("""{"error":{"code":"Denied","message":"Denied by the resource provider."}}""", error);
        // The body changed after signing: its hash no longer matches.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(good, sentBody: good.Replace("hello", "hullo", StringComparison.Ordinal))).Item1);
        // A date more than 15 minutes old.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(good, s => AcsSms.Sign("POST", uri, Encoding.UTF8.GetBytes(good), key, DateTimeOffset.UtcNow.AddMinutes(-20)))).Item1);
        var (badTo, badToError) = await Send(AcsSms.Body(From, "07700 900123", "hello", false));
        Assert.Equal(HttpStatusCode.BadRequest, badTo);
        Assert.Contains("Invalid To phone number format", badToError, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(AcsSms.Body(From, To, new string('a', AcsSmsFake.MaxMessageLength + 1), false))).Item1);
        Assert.Single(_acs.Messages);
    }

    [Fact]
    public async Task A_step_delivered_twice_within_the_window_sends_one_sms_and_both_deliveries_succeed()
    {
        // The same escalation step redelivered after a crash: same delivery id, same due time, later attempt.
        var step = Page() with { DeliveryId = "escalation/abc/token-1/1:person alice/sms-person", DueAt = Now.AddMinutes(-1) };

        var first = await DeliverAsync(Sms(), step);
        var again = await DeliverAsync(Sms(), step with { Now = Now.AddSeconds(40) });

        Assert.Equal(DeliveryStatus.Delivered, first.Status);
        Assert.Equal(DeliveryStatus.Delivered, again.Status);
        Assert.Single(_acs.Messages);
        Assert.Equal(1, _acs.RepeatsAnswered);
        // Both answers name the one message that went out.
        var ids = _acs.Requests.Select(r => AcsSms.ParseResults(r.Body).Single()).ToArray();
        Assert.Equal(ids[0].MessageId, ids[1].MessageId);
        Assert.All(ids, r => Assert.Equal("accepted", r.RepeatabilityResult));
    }

    [Fact]
    public async Task Another_step_or_another_number_is_a_new_sms()
    {
        var step = Page() with { DeliveryId = "escalation/abc/token-1/1:person alice/sms-person", DueAt = Now.AddMinutes(-1) };

        await DeliverAsync(Sms(), step);
        await DeliverAsync(Sms(), step with { DeliveryId = "escalation/abc/token-1/2:person alice/sms-person" });
        await DeliverAsync(Sms(to: "+447700900999"), step);

        Assert.Equal(3, _acs.Messages.Count);
        Assert.Equal(0, _acs.RepeatsAnswered);
    }

    [Fact]
    public async Task A_step_redelivered_after_the_window_is_sent_again_rather_than_lost()
    {
        // Due 6 minutes ago: ACS no longer tracks a request first sent then and would refuse that first-sent.
        var step = Page() with { DeliveryId = "escalation/abc/token-1/1:person alice/sms-person", DueAt = DateTimeOffset.UtcNow.AddMinutes(-6) };

        await DeliverAsync(Sms(), step);
        var again = await DeliverAsync(Sms(), step);

        Assert.Equal(DeliveryStatus.Delivered, again.Status);
        Assert.Equal(2, _acs.Messages.Count);
        Assert.All(_acs.Requests, r => Assert.Equal(202, r.Status));
    }

    [Fact]
    public async Task The_fake_keeps_acs_repeatability_rules()
    {
        using var http = new HttpClient();
        var key = Convert.FromBase64String(AcsSmsFake.DefaultAccessKey);
        var uri = AcsSms.SendUri(_acs.Endpoint);

        async Task<(HttpStatusCode Status, string Body)> Send(string body)
        {
            var signed = AcsSms.Sign("POST", uri, Encoding.UTF8.GetBytes(body), key, DateTimeOffset.UtcNow);
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("x-ms-date", signed.Date);
            request.Headers.TryAddWithoutValidation("x-ms-content-sha256", signed.ContentHash);
            request.Headers.TryAddWithoutValidation("Authorization", signed.Authorization);
            using var response = await http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var now = DateTimeOffset.UtcNow;
        var id = new SmsRepeatability("fda6d242-46aa-4247-8bf6-619a1206f9c3", now.AddMinutes(-1));
        var first = AcsSms.ParseResults((await Send(AcsSms.Body(From, To, "hello", false, id))).Body).Single();
        Assert.True(first.Successful);

        // The same id with other content is refused for that recipient, inside the 202.
        var changed = AcsSms.ParseResults((await Send(AcsSms.Body(From, To, "hullo", false, id))).Body).Single();
        Assert.Equal((false, 400, "rejected"), (changed.Successful, changed.HttpStatusCode, changed.RepeatabilityResult));

        // A first-sent outside the tracked 5 minutes is refused (412), not sent.
        var stale = AcsSms.ParseResults((await Send(AcsSms.Body(From, To, "hello", false, new SmsRepeatability("0b7f2a9e-5c1d-4e8f-9a3b-2c4d6e8f0a1b", now.AddMinutes(-6))))).Body).Single();
        Assert.Equal((false, 412, "rejected"), (stale.Successful, stale.HttpStatusCode, stale.RepeatabilityResult));

        // An id that is not a GUID is a bad request; the signature still covers the fields (they are in the signed body).
        var (badId, _) = await Send(AcsSms.Body(From, To, "hello", false, id).Replace("fda6d242-46aa-4247-8bf6-619a1206f9c3", "step-1", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, badId);

        Assert.Single(_acs.Messages);
    }
}
