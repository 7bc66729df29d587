using System.Net.Http.Json;
using System.Text.Json;

namespace Alerting.LocalServices;

/// <summary>
/// Debian's prometheus 2.42 on a free loopback port with its own temporary data directory and
/// configuration: a real query API, rule evaluator and (with <c>--web.enable-remote-write-receiver</c>)
/// remote-write receiver for tests.
/// </summary>
public sealed class RealPrometheus : IAsyncDisposable
{
    private readonly ExternalProcess _process;
    private readonly string _dir;

    private RealPrometheus(ExternalProcess process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    public HttpClient Client { get; }

    public string Output => _process.Output;

    public static string? Binary => new[] { "/usr/bin/prometheus", "/usr/local/bin/prometheus" }.FirstOrDefault(File.Exists);

    /// <param name="configYaml">prometheus.yml; rule files named in it are looked up in the data folder (see <paramref name="files"/>).</param>
    /// <param name="files">Extra files (rule files) written next to prometheus.yml.</param>
    public static async Task<RealPrometheus> StartAsync(string configYaml, IReadOnlyDictionary<string, string>? files = null, params string[] extraArgs)
    {
        var bin = Binary ?? throw new InvalidOperationException("prometheus is not installed: run .ci/install-deps");
        var dir = Directory.CreateTempSubdirectory("alerting-prometheus-").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "prometheus.yml"), configYaml);
        foreach (var (name, text) in files ?? new Dictionary<string, string>())
        {
            await File.WriteAllTextAsync(Path.Combine(dir, name), text);
        }
        var (process, ports) = await ExternalProcess.StartListeningAsync(1, ports => ExternalProcess.Start(bin,
        [
            "--config.file=" + Path.Combine(dir, "prometheus.yml"),
            "--storage.tsdb.path=" + Path.Combine(dir, "data"),
            $"--web.listen-address=127.0.0.1:{ports[0]}",
            .. extraArgs,
        ]));
        var prometheus = new RealPrometheus(process, dir, ports[0]);
        try
        {
            await prometheus.WaitReadyAsync(TimeSpan.FromSeconds(120));
        }
        catch
        {
            await prometheus.DisposeAsync();
            throw;
        }
        return prometheus;
    }

    /// <summary>Prometheus answers 503 until its TSDB has opened: waits (bounded) for <c>/-/ready</c>.</summary>
    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException("prometheus exited:\n" + Output);
            }
            try
            {
                using var response = await Client.GetAsync("-/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("prometheus did not become ready:\n" + Output);
    }

    /// <summary>An instant query's <c>data.result</c>, via the real query API.</summary>
    public async Task<JsonElement> QueryAsync(string query)
    {
        using var doc = JsonDocument.Parse(await Client.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString(query)));
        return doc.RootElement.GetProperty("data").GetProperty("result").Clone();
    }

    /// <summary>The alerts its rule manager holds (<c>/api/v1/alerts</c>).</summary>
    public async Task<JsonElement> AlertsAsync()
    {
        var doc = await Client.GetFromJsonAsync<JsonElement>("api/v1/alerts");
        return doc.GetProperty("data").GetProperty("alerts");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
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
