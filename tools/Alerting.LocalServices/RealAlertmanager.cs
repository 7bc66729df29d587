using System.Net.Http.Json;

namespace Alerting.LocalServices;

/// <summary>Debian's real Alertmanager (0.25) on free loopback ports, clustering off, with a temp data folder.</summary>
public sealed class RealAlertmanager : IAsyncDisposable
{
    private readonly ExternalProcess _process;
    private readonly string _dir;

    private RealAlertmanager(ExternalProcess process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
    }

    public HttpClient Http { get; }

    public string Output => _process.Output;

    public static string? Binary => new[] { "/usr/bin/prometheus-alertmanager", "/usr/local/bin/alertmanager" }.FirstOrDefault(File.Exists);

    public static async Task<RealAlertmanager> StartAsync(string configYaml, string externalUrl)
    {
        var bin = Binary ?? throw new InvalidOperationException("prometheus-alertmanager is not installed: run .ci/install-deps");
        var dir = Directory.CreateTempSubdirectory("alertmanager-").FullName;
        var config = Path.Combine(dir, "alertmanager.yml");
        await File.WriteAllTextAsync(config, configYaml);
        var (p, ports) = await ExternalProcess.StartListeningAsync(1, ports => ExternalProcess.Start(bin, $"--config.file={config}", $"--storage.path={dir}",
            $"--web.listen-address=127.0.0.1:{ports[0]}", "--cluster.listen-address=", $"--web.external-url={externalUrl}"));
        return new RealAlertmanager(p, dir, ports[0]);
    }

    public async Task PostAlertsAsync(string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var r = await Http.PostAsync("api/v2/alerts", content);
        r.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
