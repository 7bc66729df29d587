using System.Text;
using Alerting.Core.Acknowledgement;
using Microsoft.Extensions.Time.Testing;

namespace Alerting.Core.Tests.Acknowledgement;

public sealed class SignedLinkTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero));

    private sealed class MemoryNonces : ISingleUseNonceStore
    {
        private readonly HashSet<string> _used = [];

        public ValueTask<bool> TryConsumeAsync(string nonce, DateTimeOffset expiresAt, CancellationToken ct) =>
            ValueTask.FromResult(_used.Add(nonce));
    }

    private SignedLinkSigner Signer() => new(Key, _time);

    [Fact]
    public async Task Fresh_link_verifies_once_and_then_reports_already_used()
    {
        var signer = Signer();
        var nonces = new MemoryNonces();
        var token = signer.CreateToken("alert/with:odd chars", "acknowledge", TimeSpan.FromHours(1));

        var first = await signer.VerifyAsync(token, "acknowledge", nonces, CancellationToken.None);
        Assert.Equal(SignedLinkStatus.Valid, first.Status);
        Assert.Equal("alert/with:odd chars", first.Claims!.AlertId);
        Assert.Equal("acknowledge", first.Claims.Action);
        Assert.Equal(_time.GetUtcNow().AddHours(1), first.Claims.ExpiresAt);

        var second = await signer.VerifyAsync(token, "acknowledge", nonces, CancellationToken.None);
        Assert.Equal(SignedLinkStatus.AlreadyUsed, second.Status);
    }

    [Fact]
    public void Token_is_url_safe()
    {
        var token = Signer().CreateToken("a+b/c=d", "resolve", TimeSpan.FromMinutes(5));
        Assert.All(token, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'));
        Assert.Equal(Uri.EscapeDataString(token), token);
    }

    [Fact]
    public void Link_expires_at_its_expiry()
    {
        var signer = Signer();
        var token = signer.CreateToken("a1", "acknowledge", TimeSpan.FromMinutes(30));
        _time.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(SignedLinkStatus.Valid, signer.Inspect(token).Status);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(SignedLinkStatus.Expired, signer.Inspect(token).Status);
    }

    [Fact]
    public void Changing_any_part_breaks_the_signature()
    {
        var signer = Signer();
        var token = signer.CreateToken("a1", "acknowledge", TimeSpan.FromMinutes(30));
        var parts = token.Split('.');

        var otherAction = string.Join('.', parts[0], parts[1], "resolve", parts[3], parts[4], parts[5]);
        Assert.Equal(SignedLinkStatus.BadSignature, signer.Inspect(otherAction).Status);

        var longer = string.Join('.', parts[0], parts[1], parts[2], (long.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture) + 86400).ToString(System.Globalization.CultureInfo.InvariantCulture), parts[4], parts[5]);
        Assert.Equal(SignedLinkStatus.BadSignature, signer.Inspect(longer).Status);

        var otherAlert = string.Join('.', parts[0], "YTI", parts[2], parts[3], parts[4], parts[5]);
        Assert.Equal(SignedLinkStatus.BadSignature, signer.Inspect(otherAlert).Status);

        var otherKey = new SignedLinkSigner(Encoding.UTF8.GetBytes("another-key-another-key-another-key"), _time);
        Assert.Equal(SignedLinkStatus.BadSignature, otherKey.Inspect(token).Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("v1.a.b")]
    [InlineData("v2.YTE.acknowledge.1.n.sig")]
    [InlineData("v1.YTE.acknowledge.1.n.!!!")]
    public void Garbage_is_malformed(string token) =>
        Assert.Equal(SignedLinkStatus.Malformed, Signer().Inspect(token).Status);

    [Fact]
    public async Task Link_for_one_action_cannot_be_used_for_another_and_does_not_burn_the_nonce()
    {
        var signer = Signer();
        var nonces = new MemoryNonces();
        var token = signer.CreateToken("a1", "acknowledge", TimeSpan.FromMinutes(30));
        Assert.Equal(SignedLinkStatus.WrongAction, (await signer.VerifyAsync(token, "resolve", nonces, CancellationToken.None)).Status);
        Assert.Equal(SignedLinkStatus.Valid, (await signer.VerifyAsync(token, "acknowledge", nonces, CancellationToken.None)).Status);
    }

    [Fact]
    public void Url_carries_the_token_as_query_parameter()
    {
        var url = Signer().CreateUrl("https://alerts.example/api/ack", "a1", "acknowledge", TimeSpan.FromHours(1));
        Assert.StartsWith("https://alerts.example/api/ack?token=v1.", url, StringComparison.Ordinal);
        var withQuery = Signer().CreateUrl("https://alerts.example/api/ack?x=1", "a1", "acknowledge", TimeSpan.FromHours(1));
        Assert.Contains("?x=1&token=v1.", withQuery, StringComparison.Ordinal);
    }

    [Fact]
    public void Short_keys_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new SignedLinkSigner(new byte[16], _time));
    }
}
