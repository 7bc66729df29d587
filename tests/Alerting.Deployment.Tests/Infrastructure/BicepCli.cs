using System.Text.Json.Nodes;

namespace Alerting.Deployment.Tests.Infrastructure;

/// <summary>
/// The Bicep CLI restored from NuGet (Azure.Bicep.CommandLine.linux-x64, the version pinned in
/// Directory.Packages.props). Its package only ships a linux-x64 binary: elsewhere the tests that need it skip.
/// </summary>
internal static class BicepCli
{
    public static string? Path { get; } = Find();

    public static string MissingReason =>
        $"the Bicep CLI is not at '{Repo.Metadata("BicepPath")}' (it comes from the NuGet package Azure.Bicep.CommandLine.linux-x64, which runs on linux-x64 only)";

    private static string? Find()
    {
        var path = Repo.Metadata("BicepPath");
        return path is not null && File.Exists(path) && OperatingSystem.IsLinux()
            && System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64
            ? path : null;
    }

    /// <summary>Compiles a .bicep file to its ARM JSON; fails on any diagnostic, warnings included.</summary>
    public static async Task<JsonObject> BuildAsync(string bicepFile)
    {
        var (code, stdout, stderr) = await Repo.RunAsync(Path!, ["build", bicepFile, "--stdout"], TimeSpan.FromMinutes(5));
        Assert.True(code == 0 && stderr.Trim().Length == 0, $"bicep build {bicepFile} exited {code}:\n{stderr}");
        return JsonNode.Parse(stdout)!.AsObject();
    }
}

/// <summary>A fact that needs the Bicep CLI; skipped, saying why, where the package's binary cannot run.</summary>
public sealed class BicepFactAttribute : FactAttribute
{
    public BicepFactAttribute()
    {
        if (BicepCli.Path is null)
        {
            Skip = BicepCli.MissingReason;
        }
    }
}
