using System.Text.Json;

namespace Alerting.StoreBench;

/// <summary>What prepare wrote, for the other modes.</summary>
internal sealed record Layout(
    int Machines,
    int SeriesPerMachine,
    long StepMs,
    long OriginMs,
    long EndMs,
    long CompactedThrough,
    long EvalStartMs,
    long Samples,
    IReadOnlyList<string> OurBlocks,
    IReadOnlyList<string> AllBlocks)
{
    public static string RepoFile(params string[] parts)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Alerting.Functions.sln")))
            {
                return Path.Combine([d.FullName, .. parts]);
            }
        }
        throw new FileNotFoundException("repository root not found");
    }

    public static readonly string[] RuleFiles =
    [
        RepoFile("rules", "tests", "ha-trading.fixed.yml"),
        RepoFile("rules", "multi-machine.rules.yml"),
        RepoFile("rules", "virtengine.rules.yml"),
    ];

    public void Save(string dir) => File.WriteAllText(Path.Combine(dir, "layout.json"), JsonSerializer.Serialize(this));

    public static Layout Load(string dir) => JsonSerializer.Deserialize<Layout>(File.ReadAllText(Path.Combine(dir, "layout.json")))!;

    public static string BlocksDir(string dir) => Path.Combine(dir, "prometheus");

    public static string TicksDir(string dir) => Path.Combine(dir, "ticks");

    public static long DirBytes(string path) => Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
}
