using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Alerting.LocalServices;

/// <summary>A real SMTP server (MailDev, npm, pinned) that keeps what it receives and lists it over HTTP.</summary>
public sealed class MailDev : IAsyncDisposable
{
    private readonly ExternalProcess _process;
    private readonly HttpClient _http;

    private MailDev(ExternalProcess process, int smtp, int web)
    {
        _process = process;
        SmtpPort = smtp;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{web}/") };
    }

    public int SmtpPort { get; }

    public static async Task<MailDev> StartAsync()
    {
        var bin = Path.Combine(RepoPaths.Root, "node_modules", ".bin", "maildev");
        var (p, ports) = await ExternalProcess.StartListeningAsync(2, ports =>
            ExternalProcess.Start(bin, "--ip", "127.0.0.1", "--smtp", $"{ports[0]}", "--web", $"{ports[1]}"));
        return new MailDev(p, ports[0], ports[1]);
    }

    /// <summary>Every stored message: subject, to, html, text, headers (MailDev's JSON).</summary>
    public async Task<JsonArray> EmailsAsync() =>
        await _http.GetFromJsonAsync<JsonArray>("api/email") ?? [];

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync();
    }
}
