using System.Text;
using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Functions.Notify;
using Alerting.Functions.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using NotifyIntegration = Alerting.Functions.Notify.Integration;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// A receiver's <c>http_config</c> is honoured per receiver, for a webhook and a Slack integration alike,
/// against a local HTTPS receiver that demands a client certificate from a private CA and credentials:
/// bearer tokens inline or from a file, basic auth with a password file, OAuth2 client credentials from a
/// local token endpoint (cached until expiry, then refreshed), a CONNECT proxy (with <c>proxy_connect_header</c>),
/// <c>enable_http2</c>, <c>server_name</c> and
/// <c>insecure_skip_verify</c>; a wrong CA fails with Go's x509 message after one handshake.
/// </summary>
public sealed class HttpConfigDeliveryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);

    /// <summary>Three attempts with tiny backoff: a test sees whether a failure is retried in process.</summary>
    private static readonly DeliveryOptions Retries = new() { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(50) };

    private readonly CapturedLogs _logs = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestPki _pki = null!;
    private SecuredReceiver _receiver = null!;
    private ConnectProxy _proxy = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _pki = TestPki.Create();
        _receiver = await SecuredReceiver.StartAsync(_pki);
        _proxy = ConnectProxy.Start();
        _services = NotifyTestKit.Services(Retries, _logs, s => s.AddSingleton<TimeProvider>(_time));
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _proxy.DisposeAsync();
        await _receiver.DisposeAsync();
        _pki.Dispose();
        _logs.Dispose();
    }

    /// <summary>The client side of mutual TLS: trust the private CA, present the client certificate.</summary>
    private string Mtls(string extra = "") =>
        $"tls_config: {{ca_file: '{_pki.CaFile}', cert_file: '{_pki.ClientCertFile}', key_file: '{_pki.ClientKeyFile}'{extra}}}";

    private string Secret(string name, string content)
    {
        var path = Path.Combine(_pki.Dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static Notification Group() => new(
        "team",
        Labels.From(("alertname", "DiskFull")),
        [new Alert(Labels.From(("alertname", "DiskFull"), ("instance", "vyx-user-1")), Labels.From(("summary", "Disk is full")), Now.AddMinutes(-5), null, "http://prom/graph")],
        Now,
        "http://alerting.test",
        "{}:{alertname=\"DiskFull\"}") { Templates = NotifyTestKit.Templates() };

    /// <summary>Delivers one notification to each integration of the receiver, as a group flush does.</summary>
    private async Task<DeliveryResult[]> DeliverAsync(string integrationsYaml)
    {
        var deliverer = _services.GetRequiredService<Deliverer>();
        var results = new List<DeliveryResult>();
        foreach (var integration in NotifyIntegration.For(NotifyTestKit.Receiver(integrationsYaml)))
        {
            results.Add(await deliverer.DeliverAsync(integration, Group(), CancellationToken.None));
        }
        return results.ToArray();
    }

    private static void AssertDelivered(params DeliveryResult[] results) =>
        Assert.All(results, r => Assert.True(r.Status == DeliveryStatus.Delivered, $"{r.Status}: {r.Error?.Message}"));

    [Fact]
    public async Task Each_receiver_presents_its_client_certificate_and_its_own_bearer_token_read_again_from_a_rotated_file()
    {
        _receiver.Expect("hook/bearer", "Bearer hook-token");
        _receiver.Expect("slack/bearer", "Bearer slack-token");
        var tokenFile = Secret("slack-token", "slack-token\n");
        var yaml = $$"""
                webhook_configs:
                  - url: '{{_receiver.Url("hook/bearer")}}'
                    http_config:
                      authorization: {credentials: hook-token}
                      {{Mtls()}}
                slack_configs:
                  - api_url: '{{_receiver.Url("slack/bearer")}}'
                    channel: '#alerts'
                    http_config:
                      authorization: {type: Bearer, credentials_file: '{{tokenFile}}'}
                      {{Mtls()}}
            """;

        AssertDelivered(await DeliverAsync(yaml));
        File.WriteAllText(tokenFile, "rotated-token\n");
        _receiver.Expect("slack/bearer", "Bearer rotated-token");
        AssertDelivered(await DeliverAsync(yaml));

        Assert.Equal(
            [("/hook/bearer", "Bearer hook-token"), ("/slack/bearer", "Bearer slack-token"), ("/hook/bearer", "Bearer hook-token"), ("/slack/bearer", "Bearer rotated-token")],
            _receiver.Requests.Select(r => (r.Path, r.Authorization)));
        Assert.All(_receiver.Requests, r => Assert.Equal(TestPki.ClientSubject, r.ClientCertificate));
        Assert.Contains("\"receiver\":\"team\"", _receiver.Requests[0].Body, StringComparison.Ordinal);
        Assert.Contains("\"attachments\"", _receiver.Requests[1].Body, StringComparison.Ordinal);
        Assert.Empty(_receiver.Refused);
    }

    [Fact]
    public async Task A_receiver_without_a_client_certificate_or_with_a_wrong_password_is_refused_and_nothing_is_accepted()
    {
        _receiver.Expect("hook/basic", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alertmanager:correct horse")));
        var yaml = $$"""
                webhook_configs:
                  - url: '{{_receiver.Url("hook/basic")}}'
                    http_config:
                      basic_auth: {username: alertmanager, password_file: '{{Secret("password", "correct horse\n")}}'}
                      {{Mtls()}}
                  - url: '{{_receiver.Url("hook/basic")}}'
                    http_config:
                      basic_auth: {username: alertmanager, password: guess}
                      {{Mtls()}}
                  - url: '{{_receiver.Url("hook/basic")}}'
                    http_config:
                      basic_auth: {username: alertmanager, password: correct horse}
                      tls_config: {ca_file: '{{_pki.CaFile}}'}
            """;

        var results = await DeliverAsync(yaml);

        AssertDelivered(results[0]);
        Assert.Equal(DeliveryStatus.Rejected, results[1].Status);
        Assert.Contains("unexpected status 401", results[1].Error!.Message, StringComparison.Ordinal);
        Assert.Equal(DeliveryStatus.Failed, results[2].Status);
        var accepted = Assert.Single(_receiver.Requests);
        Assert.Equal(("/hook/basic", TestPki.ClientSubject), (accepted.Path, accepted.ClientCertificate));
        Assert.Equal(["/hook/basic"], _receiver.Refused);
    }

    [Fact]
    public async Task Oauth2_tokens_are_fetched_per_receiver_cached_until_they_expire_and_then_refreshed()
    {
        _receiver.TokenLifetimeSeconds = 3600;
        var oauth2 = $"token_url: '{_receiver.TokenUrl}', scopes: [alerts.write, notify], endpoint_params: {{audience: receivers}}, tls_config: {{ca_file: '{_pki.CaFile}'}}";
        var yaml = $$"""
                webhook_configs:
                  - url: '{{_receiver.Url("oauth/hook")}}'
                    http_config:
                      oauth2: {client_id: {{SecuredReceiver.ClientId}}, client_secret: {{SecuredReceiver.ClientSecret}}, {{oauth2}}}
                      {{Mtls()}}
                slack_configs:
                  - api_url: '{{_receiver.Url("oauth/slack")}}'
                    channel: '#alerts'
                    http_config:
                      oauth2: {client_id: {{SecuredReceiver.ClientId}}, client_secret_file: '{{Secret("client-secret", SecuredReceiver.ClientSecret + "\n")}}', {{oauth2}}}
                      {{Mtls()}}
            """;

        AssertDelivered(await DeliverAsync(yaml));
        Assert.Equal(2, _receiver.TokenRequests.Count);
        AssertDelivered(await DeliverAsync(yaml));
        Assert.Equal(2, _receiver.TokenRequests.Count);

        // golang.org/x/oauth2 treats a token as expired 10 s before expires_in says.
        _time.Advance(TimeSpan.FromSeconds(3600 - 9));
        AssertDelivered(await DeliverAsync(yaml));

        Assert.Equal(4, _receiver.TokenRequests.Count);
        Assert.All(_receiver.TokenRequests, t =>
        {
            Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{SecuredReceiver.ClientId}:{SecuredReceiver.ClientSecret}")), t.Authorization);
            Assert.Equal(("client_credentials", "alerts.write notify", "receivers"), (t.Form["grant_type"], t.Form["scope"], t.Form["audience"]));
        });
        var tokens = _receiver.Requests.Select(r => (r.Path, r.Authorization)).ToArray();
        Assert.Equal(["/oauth/hook", "/oauth/slack", "/oauth/hook", "/oauth/slack", "/oauth/hook", "/oauth/slack"], tokens.Select(t => t.Path));
        Assert.Equal(tokens[0].Authorization, tokens[2].Authorization);
        Assert.NotEqual(tokens[0].Authorization, tokens[1].Authorization);
        Assert.NotEqual(tokens[0].Authorization, tokens[4].Authorization);
        Assert.NotEqual(tokens[1].Authorization, tokens[5].Authorization);
        Assert.Empty(_receiver.Refused);
    }

    [Fact]
    public async Task Oauth2_with_a_client_secret_the_token_endpoint_refuses_sends_nothing_to_the_receiver()
    {
        var yaml = $$"""
                webhook_configs:
                  - url: '{{_receiver.Url("oauth/hook")}}'
                    http_config:
                      oauth2: {client_id: {{SecuredReceiver.ClientId}}, client_secret: wrong, token_url: '{{_receiver.TokenUrl}}', tls_config: {ca_file: '{{_pki.CaFile}}'} }
                      {{Mtls()}}
            """;

        var result = Assert.Single(await DeliverAsync(yaml));

        Assert.NotEqual(DeliveryStatus.Delivered, result.Status);
        Assert.Contains("oauth2: cannot fetch token", result.Error!.Message, StringComparison.Ordinal);
        Assert.Single(_receiver.TokenRequests);
        Assert.Empty(_receiver.Requests);
    }

    [Fact]
    public async Task Proxy_url_tunnels_each_receivers_requests_to_a_host_only_the_proxy_can_resolve()
    {
        _receiver.Expect("hook/proxied", "Bearer hook-token");
        _receiver.Expect("slack/proxied", "Bearer slack-token");
        var yaml = $$"""
                webhook_configs:
                  - url: '{{_receiver.Url("hook/proxied", host: "receiver.test")}}'
                    http_config:
                      proxy_url: '{{_proxy.Url}}'
                      authorization: {credentials: hook-token}
                      {{Mtls()}}
                slack_configs:
                  - api_url: '{{_receiver.Url("slack/proxied", host: "receiver.test")}}'
                    channel: '#alerts'
                    http_config:
                      proxy_url: '{{_proxy.Url}}'
                      authorization: {credentials: slack-token}
                      {{Mtls()}}
            """;

        AssertDelivered(await DeliverAsync(yaml));

        Assert.Equal(["/hook/proxied", "/slack/proxied"], _receiver.Requests.Select(r => r.Path));
        Assert.All(_receiver.Requests, r => Assert.Equal($"receiver.test:{_receiver.Port}", r.Host));
        Assert.Equal([$"receiver.test:{_receiver.Port}", $"receiver.test:{_receiver.Port}"], _proxy.Tunnels);
    }

    [Fact]
    public async Task Proxy_connect_header_goes_on_the_CONNECT_and_a_proxy_demanding_it_refuses_a_receiver_without_it()
    {
        _proxy.RequiredHeader = ("Proxy-Authorization", "Basic cHJveHk6czNjcmV0");
        _receiver.Expect("hook/tunnelled", "Bearer hook-token");
        var yaml = $$"""
                webhook_configs:
                  - url: '{{_receiver.Url("hook/tunnelled", host: "receiver.test")}}'
                    http_config:
                      proxy_url: '{{_proxy.Url}}'
                      proxy_connect_header:
                        Proxy-Authorization: ['Basic cHJveHk6czNjcmV0']
                        x-request-source: [alerting, tests]
                      authorization: {credentials: hook-token}
                      {{Mtls()}}
                  - url: '{{_receiver.Url("hook/unauthenticated", host: "receiver.test")}}'
                    http_config:
                      proxy_url: '{{_proxy.Url}}'
                      {{Mtls()}}
            """;

        var results = await DeliverAsync(yaml);

        AssertDelivered(results[0]);
        Assert.Equal(["/hook/tunnelled"], _receiver.Requests.Select(r => r.Path));
        var first = _proxy.ConnectHeaders[0];
        Assert.Contains(("Host", $"receiver.test:{_receiver.Port}"), first);
        Assert.Contains(("Proxy-Authorization", "Basic cHJveHk6czNjcmV0"), first);
        // Go's http.Header.Add canonicalises the name; both values go, in order.
        Assert.Equal(["alerting", "tests"], first.Where(h => h.Name == "X-Request-Source").Select(h => h.Value));
        Assert.NotEqual(DeliveryStatus.Delivered, results[1].Status);
        Assert.Contains("407", results[1].Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_talks_HTTP2_over_TLS_by_default_and_enable_http2_false_pins_HTTP1_1()
    {
        var yaml = $$"""
                webhook_configs:
                  - url: '{{_receiver.Url("hook/default")}}'
                    http_config:
                      {{Mtls()}}
                  - url: '{{_receiver.Url("hook/http1")}}'
                    http_config:
                      enable_http2: false
                      {{Mtls()}}
            """;

        AssertDelivered(await DeliverAsync(yaml));

        Assert.Equal([("/hook/default", "HTTP/2"), ("/hook/http1", "HTTP/1.1")], _receiver.Requests.Select(r => (r.Path, r.Protocol)));
    }

    [Fact]
    public async Task Server_name_verifies_the_certificate_for_that_name_and_insecure_skip_verify_trusts_any()
    {
        var yaml = $$"""
                webhook_configs:
                  - url: '{{_receiver.Url("hook/named", host: "127.0.0.1")}}'
                    http_config:
                      {{Mtls(", server_name: receiver.test")}}
                  - url: '{{_receiver.Url("hook/skip", host: "127.0.0.1")}}'
                    http_config:
                      tls_config: {insecure_skip_verify: true, cert_file: '{{_pki.ClientCertFile}}', key_file: '{{_pki.ClientKeyFile}}'}
                  - url: '{{_receiver.Url("hook/unnamed", host: "127.0.0.1")}}'
                    http_config:
                      {{Mtls()}}
                  - url: '{{_receiver.Url("hook/misnamed", host: "127.0.0.1")}}'
                    http_config:
                      {{Mtls(", server_name: other.test")}}
            """;

        var results = await DeliverAsync(yaml);

        AssertDelivered(results[0], results[1]);
        Assert.Equal(["/hook/named", "/hook/skip"], _receiver.Requests.Select(r => r.Path));
        Assert.Equal(DeliveryStatus.Failed, results[2].Status);
        Assert.EndsWith("x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs", results[2].Error!.Message, StringComparison.Ordinal);
        Assert.Equal(DeliveryStatus.Failed, results[3].Status);
        Assert.EndsWith("x509: certificate is valid for localhost, receiver.test, not other.test", results[3].Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_ca_fails_after_one_handshake_with_alertmanagers_x509_error_and_no_retry_storm()
    {
        var yaml = $$"""
                webhook_configs:
                  - url: '{{_receiver.Url("hook/secret-path")}}'
                    http_config:
                      tls_config: {ca_file: '{{_pki.OtherCaFile}}', cert_file: '{{_pki.ClientCertFile}}', key_file: '{{_pki.ClientKeyFile}}'}
            """;

        var result = Assert.Single(await DeliverAsync(yaml));

        Assert.Equal(DeliveryStatus.Failed, result.Status);
        Assert.Equal($"POST https://localhost:{_receiver.Port}/<redacted>: x509: certificate signed by unknown authority", result.Error!.Message);
        Assert.Equal(1, _receiver.Connections);
        Assert.Empty(_receiver.Requests);
        Assert.Contains(_logs.Lines, l => l.Level == LogLevel.Warning
            && l.Message.EndsWith("x509: certificate signed by unknown authority", StringComparison.Ordinal)
            && !l.Message.Contains("secret-path", StringComparison.Ordinal));
        Assert.DoesNotContain(_logs.Lines, l => l.Message.Contains("retrying", StringComparison.Ordinal));
    }
}
