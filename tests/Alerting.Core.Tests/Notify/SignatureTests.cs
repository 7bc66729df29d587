using System.Security.Cryptography;
using System.Text;
using Alerting.Core.Notify.PagerDuty;
using Alerting.Core.Notify.Slack;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.Core.Tests.Notify;

public sealed class SignatureTests
{
    // The worked example from Slack's "Verifying requests from Slack" page.
    private const string SlackSecret = "8f742231b10e8888abcd99yyyzzz85a5";
    private const string SlackTimestamp = "1531420618";
    private const string SlackBody =
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    private const string SlackSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    private static FakeTimeProvider At(long unixSeconds) => new(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));

    [Fact]
    public void Slack_documented_example_verifies()
    {
        var verifier = new SlackRequestVerifier(SlackSecret, At(1531420618 + 30));
        Assert.Equal(SlackSignatureStatus.Valid, verifier.Verify(SlackTimestamp, SlackSignature, SlackBody));
        Assert.Equal(SlackSignature, verifier.Sign(SlackTimestamp, SlackBody));
    }

    [Fact]
    public void Slack_request_outside_five_minutes_is_refused_as_replay()
    {
        Assert.Equal(SlackSignatureStatus.StaleTimestamp,
            new SlackRequestVerifier(SlackSecret, At(1531420618 + 301)).Verify(SlackTimestamp, SlackSignature, SlackBody));
        Assert.Equal(SlackSignatureStatus.StaleTimestamp,
            new SlackRequestVerifier(SlackSecret, At(1531420618 - 301)).Verify(SlackTimestamp, SlackSignature, SlackBody));
        Assert.Equal(SlackSignatureStatus.Valid,
            new SlackRequestVerifier(SlackSecret, At(1531420618 + 300)).Verify(SlackTimestamp, SlackSignature, SlackBody));
    }

    [Fact]
    public void Slack_tampered_body_wrong_secret_or_missing_headers_fail()
    {
        var verifier = new SlackRequestVerifier(SlackSecret, At(1531420618));
        Assert.Equal(SlackSignatureStatus.BadSignature, verifier.Verify(SlackTimestamp, SlackSignature, SlackBody + "&x=1"));
        Assert.Equal(SlackSignatureStatus.BadSignature,
            new SlackRequestVerifier("another-secret", At(1531420618)).Verify(SlackTimestamp, SlackSignature, SlackBody));
        Assert.Equal(SlackSignatureStatus.BadSignature, verifier.Verify(SlackTimestamp, "v1=" + SlackSignature[3..], SlackBody));
        Assert.Equal(SlackSignatureStatus.BadSignature, verifier.Verify(SlackTimestamp, "v0=zz", SlackBody));
        Assert.Equal(SlackSignatureStatus.MissingHeaders, verifier.Verify(null, SlackSignature, SlackBody));
        Assert.Equal(SlackSignatureStatus.MissingHeaders, verifier.Verify(SlackTimestamp, "", SlackBody));
    }

    private static string Hex(string secret, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void PagerDuty_signature_matches_hmac_of_raw_body()
    {
        const string body = """{"event":{"id":"01","event_type":"incident.acknowledged"}}""";
        var verifier = new PagerDutyWebhookVerifier("pd-secret");
        Assert.True(verifier.Verify("v1=" + Hex("pd-secret", body), body));
        Assert.Equal("v1=" + Hex("pd-secret", body), verifier.Sign(Encoding.UTF8.GetBytes(body)));
        Assert.False(verifier.Verify("v1=" + Hex("pd-secret", body), body + " "));
        Assert.False(verifier.Verify(null, body));
        Assert.False(verifier.Verify("v2=" + Hex("pd-secret", body), body));
    }

    [Fact]
    public void PagerDuty_any_of_several_signatures_or_secrets_is_enough_during_rotation()
    {
        const string body = "{}";
        var header = $"v1={Hex("old", body)}, v1={Hex("new", body)}";
        Assert.True(new PagerDutyWebhookVerifier("new").Verify(header, body));
        Assert.True(new PagerDutyWebhookVerifier("old").Verify(header, body));
        Assert.True(new PagerDutyWebhookVerifier("unrelated", "new").Verify("v1=" + Hex("new", body), body));
        Assert.False(new PagerDutyWebhookVerifier("other").Verify(header, body));
        Assert.False(new PagerDutyWebhookVerifier("new").Verify("v1=nothex, v1=", body));
    }
}
