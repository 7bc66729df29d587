using Alerting.Core.Alertmanager;
using Alerting.Core.Model;
using Alerting.Core.Templating;
using Alerting.Functions.Notify;
using Alerting.Functions.Notify.Email;
using Microsoft.Extensions.Logging.Abstractions;

namespace Alerting.Integration.Tests.Notify;

/// <summary>
/// Email through a real SMTP server that demands STARTTLS and AUTH (aiosmtpd): an email_config with
/// require_tls, auth_username/auth_password and tls_config.ca_file delivers; an untrusted certificate or a
/// wrong password fails the send (so the flush is retried) and delivers nothing.
/// </summary>
public sealed class EmailTlsAuthTests : IAsyncLifetime
{
    private readonly TemplateSet _templates = NotifyTestKit.Templates();
    private StartTlsSmtp _smtp = null!;

    public async Task InitializeAsync() => _smtp = await StartTlsSmtp.StartAsync();

    public async Task DisposeAsync() => await _smtp.DisposeAsync();

    private Task SendAsync(string password, bool trustCa)
    {
        var tls = trustCa ? $"\n        tls_config:\n          ca_file: '{_smtp.CaFile}'" : string.Empty;
        var config = AlertmanagerConfigLoader.Parse(
            $"""
            route:
              receiver: team
            receivers:
              - name: team
                email_configs:
                  - to: 'reliability@team.local'
                    from: 'alerting@team.local'
                    smarthost: '127.0.0.1:{_smtp.Port}'
                    require_tls: true
                    auth_username: '{StartTlsSmtp.User}'
                    auth_password: '{password}'{tls}
            """,
            "alertmanager.yml").Receivers.Single().EmailConfigs.Single();
        var now = DateTimeOffset.UtcNow;
        var notification = new Notification(
            "team",
            Labels.From(("alertname", "DiskFull")),
            [new Alert(Labels.From(("alertname", "DiskFull"), ("instance", "vyx-user-1")), Labels.From(("summary", "Disk is full")), now.AddMinutes(-5), null, "http://prom/graph")],
            now,
            "http://alerting.test",
            "{}:{alertname=\"DiskFull\"}") { Templates = _templates };
        return new EmailNotifier(NullLogger<EmailNotifier>.Instance).SendAsync(NotifyTestKit.Integration(config), notification, CancellationToken.None);
    }

    [Fact]
    public async Task Email_goes_through_STARTTLS_and_AUTH_when_the_CA_is_trusted()
    {
        await SendAsync(StartTlsSmtp.Password, trustCa: true);

        var message = Assert.Single(await _smtp.MessagesAsync());
        Assert.True(message["tls"]!.GetValue<bool>());
        Assert.True(message["authenticated"]!.GetValue<bool>());
        Assert.Equal("reliability@team.local", message["to"]![0]!.GetValue<string>());
        Assert.Contains("[FIRING:1] DiskFull", message["data"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_untrusted_server_certificate_fails_the_send_and_delivers_nothing()
    {
        await Assert.ThrowsAnyAsync<Exception>(() => SendAsync(StartTlsSmtp.Password, trustCa: false));
        Assert.Empty(await _smtp.MessagesAsync());
    }

    [Fact]
    public async Task A_wrong_password_fails_the_send_and_delivers_nothing()
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => SendAsync("wrong-password", trustCa: true));
        Assert.Contains("auth", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await _smtp.MessagesAsync());
    }
}
