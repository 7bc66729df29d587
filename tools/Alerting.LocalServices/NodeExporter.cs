namespace Alerting.LocalServices;

/// <summary>Debian's prometheus-node-exporter on a free loopback port: a real scrape target.</summary>
public sealed class NodeExporter : IAsyncDisposable
{
    private readonly ExternalProcess _process;

    private NodeExporter(ExternalProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static string? Binary => new[] { "/usr/bin/prometheus-node-exporter", "/usr/local/bin/node_exporter" }.FirstOrDefault(File.Exists);

    public static async Task<NodeExporter> StartAsync()
    {
        var bin = Binary ?? throw new InvalidOperationException("prometheus-node-exporter is not installed: run .ci/install-deps");
        var (p, ports) = await ExternalProcess.StartListeningAsync(1, ports => ExternalProcess.Start(bin, $"--web.listen-address=127.0.0.1:{ports[0]}"));
        return new NodeExporter(p, ports[0]);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
