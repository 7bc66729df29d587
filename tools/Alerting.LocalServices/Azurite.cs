
namespace Alerting.LocalServices;

/// <summary>A private Azurite (npm, pinned in package.json) on free loopback ports with a temp data folder.</summary>
public sealed class Azurite : IAsyncDisposable
{
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly ExternalProcess _process;
    private readonly string _dir;

    private Azurite(ExternalProcess process, string dir, int blob, int queue, int table)
    {
        _process = process;
        _dir = dir;
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/{Account};QueueEndpoint=http://127.0.0.1:{queue}/{Account};TableEndpoint=http://127.0.0.1:{table}/{Account};";
    }

    public string ConnectionString { get; }

    public static async Task<Azurite> StartAsync()
    {
        var bin = Path.Combine(RepoPaths.Root, "node_modules", ".bin", "azurite");
        if (!File.Exists(bin))
        {
            throw new InvalidOperationException($"{bin} is missing: run .ci/install-deps (npm ci) first");
        }
        var dir = Directory.CreateTempSubdirectory("azurite-").FullName;
        try
        {
            var (p, ports) = await ExternalProcess.StartListeningAsync(3, ports => ExternalProcess.Start(bin, "--silent", "--skipApiVersionCheck", "--loose",
                "--location", dir, "--blobHost", "127.0.0.1", "--blobPort", $"{ports[0]}", "--queueHost", "127.0.0.1", "--queuePort", $"{ports[1]}",
                "--tableHost", "127.0.0.1", "--tablePort", $"{ports[2]}"));
            return new Azurite(p, dir, ports[0], ports[1], ports[2]);
        }
        catch
        {
            // StartListeningAsync has stopped the node process; the data folder is ours to remove.
            TryDelete(dir);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        TryDelete(_dir);
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
