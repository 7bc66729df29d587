using System.Text;
using Alerting.Core.Notify.Sms;

namespace Alerting.Core.Tests.Notify.Sms;

public sealed class AcsSmsTests
{
    [Fact]
    public void The_connection_string_gives_endpoint_and_decoded_key_in_any_order_and_case()
    {
        var key = Convert.ToBase64String(Encoding.ASCII.GetBytes("secret-key"));
        var c = AcsConnectionString.Parse($"AccessKey={key};Endpoint=https://contoso.communication.azure.com/");
        Assert.Equal(new Uri("https://contoso.communication.azure.com/"), c.Endpoint);
        Assert.Equal("secret-key", Encoding.ASCII.GetString(c.AccessKey));
        Assert.DoesNotContain(key, c.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("endpoint=https://x.communication.azure.com/", "no accesskey=")]
    [InlineData("accesskey=aGVsbG8=", "no endpoint=")]
    [InlineData("endpoint=contoso;accesskey=aGVsbG8=", "not an absolute https URL")]
    [InlineData("endpoint=https://x.communication.azure.com/;accesskey=not base64!", "not base64")]
    [InlineData("just-a-key", "must look like endpoint=")]
    public void A_bad_connection_string_is_explained(string value, string problem)
    {
        Assert.False(AcsConnectionString.TryParse(value, out _, out var error));
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_request_goes_to_the_sms_path_with_the_documented_body()
    {
        Assert.Equal("https://contoso.communication.azure.com/sms?api-version=2021-03-07", AcsSms.SendUri(new Uri("https://contoso.communication.azure.com/")).ToString());
        Assert.Equal("""{"from":"+18005550100","smsRecipients":[{"to":"+447700900123"}],"message":"hi","smsSendOptions":{"enableDeliveryReport":false}}""",
            AcsSms.Body("+18005550100", "+447700900123", "hi", false));
    }

    [Fact]
    public void The_signature_covers_verb_path_date_host_and_body_hash_under_the_decoded_key()
    {
        // The expected signature was computed outside .NET (Python's hmac over the documented string to sign).
        var key = Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef");
        var uri = new Uri("https://contoso.communication.azure.com/sms?api-version=2021-03-07");
        var body = Encoding.UTF8.GetBytes("{}");
        var at = new DateTimeOffset(2026, 12, 4, 2, 30, 0, TimeSpan.Zero);

        var h = AcsSms.Sign("POST", uri, body, key, at);

        Assert.Equal("Fri, 04 Dec 2026 02:30:00 GMT", h.Date);
        Assert.Equal("RBNvo1WzZ4oRRq0W9+hknpT7T8If536DEMBg9hyq/4o=", h.ContentHash);
        Assert.Equal("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=U/5vqaCMC2u1bGSQ813vpPiphvU9C1/DFmZjNxUfHAQ=", h.Authorization);

        // A non-default port is part of the host, as in the Host header.
        var local = AcsSms.Sign("POST", new Uri("http://127.0.0.1:5123/sms?api-version=2021-03-07"), body, key, at);
        Assert.NotEqual(h.Authorization, local.Authorization);
    }

    [Fact]
    public void Per_recipient_results_and_error_answers_are_read()
    {
        var results = AcsSms.ParseResults("""{"value":[{"to":"+447700900123","messageId":"Outgoing_1","httpStatusCode":202,"successful":true},{"to":"+15550000000","httpStatusCode":400,"successful":false,"errorMessage":"Invalid To phone number format."}]}""");
        Assert.Equal(new AcsSmsResult("+447700900123", "Outgoing_1", 202, true, null), results[0]);
        Assert.Equal(new AcsSmsResult("+15550000000", null, 400, false, "Invalid To phone number format."), results[1]);
        Assert.Equal("Denied: Denied by the resource provider.", AcsSms.ErrorMessage("""{"error":{"code":"Denied","message":"Denied by the resource provider."}}"""));
        Assert.Throws<FormatException>(() => AcsSms.ParseResults("<html>"));
    }
}
