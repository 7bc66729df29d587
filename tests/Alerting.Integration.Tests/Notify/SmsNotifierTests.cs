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
}
