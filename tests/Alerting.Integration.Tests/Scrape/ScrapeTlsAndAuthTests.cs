using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Alerting.Core.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Alerting.Integration.Tests.Scrape;

/// <summary>
/// tls_config and basic_auth reach the scrape: a private CA file or skipped verification (relative paths
/// from the scrape config's folder, as in Prometheus), and a password file, against a local HTTPS server;
/// and enable_http2 (Prometheus 2.42's default true offers HTTP/2 over TLS, false pins HTTP/1.1).
/// </summary>
public sealed class ScrapeTlsAndAuthTests : IAsyncLifetime
{
    private X509Certificate2 _certificate = null!;
    private LocalServer _server = null!;
    private CollectionHost _host = null!;

    public async Task InitializeAsync()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=scrape-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));

        _server = await LocalServer.StartAsync(app =>
        {
            app.MapGet("/metrics", (HttpContext ctx) =>
                ctx.Request.Headers.Authorization == "Basic " + Convert.ToBase64String("prom:s3cret"u8.ToArray())
                    ? Results.Text("secured_metric 1\n", "text/plain; version=0.0.4")
                    : Results.StatusCode(StatusCodes.Status401Unauthorized));
            // Says which protocol the scrape came over, as a label the test can read back.
            app.MapGet("/protocol", (HttpContext ctx) => Results.Text($"served_over{{protocol=\"{ctx.Request.Protocol}\"}} 1\n", "text/plain; version=0.0.4"));
        }, _certificate);

        var target = $"['{_server.Address}']";
        _host = await CollectionHost.StartAsync($$"""
            global:
              scrape_interval: 30s
              scrape_timeout: 5s
            scrape_configs:
              - job_name: private-ca
                scheme: https
                static_configs: [{targets: {{target}}}]
                tls_config: {ca_file: certs/ca.pem}
                basic_auth: {username: prom, password_file: secrets/password}
              - job_name: skip-verify
                scheme: https
                static_configs: [{targets: {{target}}}]
                tls_config: {insecure_skip_verify: true}
                basic_auth: {username: prom, password: s3cret}
              - job_name: untrusted
                scheme: https
                static_configs: [{targets: {{target}}}]
                basic_auth: {username: prom, password: s3cret}
              - job_name: wrong-password
                scheme: https
                static_configs: [{targets: {{target}}}]
                tls_config: {insecure_skip_verify: true}
                basic_auth: {username: prom, password: guess}
              - job_name: http2-default
                scheme: https
                metrics_path: /protocol
                static_configs: [{targets: {{target}}}]
                tls_config: {insecure_skip_verify: true}
              - job_name: http2-disabled
                scheme: https
                metrics_path: /protocol
                static_configs: [{targets: {{target}}}]
                tls_config: {insecure_skip_verify: true}
                enable_http2: false
            """);
        Directory.CreateDirectory(Path.Combine(_host.ConfigDir, "certs"));
        Directory.CreateDirectory(Path.Combine(_host.ConfigDir, "secrets"));
        await File.WriteAllTextAsync(Path.Combine(_host.ConfigDir, "certs", "ca.pem"), _certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(_host.ConfigDir, "secrets", "password"), "s3cret\n");
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _server.DisposeAsync();
        _certificate.Dispose();
    }

    [Fact]
    public async Task Https_targets_are_scraped_with_the_configured_ca_or_skip_verify_and_basic_auth()
    {
        var series = await _host.ScrapeAsync();

        double Up(string job) => series[Labels.From(("__name__", "up"), ("instance", _server.Address), ("job", job))];
        Assert.Equal(1, Up("private-ca"));
        Assert.Equal(1, Up("skip-verify"));
        Assert.Equal(0, Up("untrusted"));
        Assert.Equal(0, Up("wrong-password"));
        Assert.Equal(1, series[Labels.From(("__name__", "secured_metric"), ("instance", _server.Address), ("job", "private-ca"))]);
    }

    [Fact]
    public async Task Https_scrapes_offer_HTTP2_by_default_and_enable_http2_false_pins_HTTP1_1()
    {
        var series = await _host.ScrapeAsync();

        string Protocol(string job) => Assert.Single(series.Keys, l => l.Get("__name__") == "served_over" && l.Get("job") == job)["protocol"];
        Assert.Equal("HTTP/2", Protocol("http2-default"));
        Assert.Equal("HTTP/1.1", Protocol("http2-disabled"));
    }
}
