using Alerting.Deployment.Tests.Infrastructure;

namespace Alerting.Deployment.Tests.Cli;

/// <summary>The CLI installs as a .NET tool and answers as <c>alerting</c>, the way the README tells users to install it.</summary>
public sealed class DotnetToolTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alerting-tool-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Packed_cli_installs_as_a_dotnet_tool_and_alerting_answers_help()
    {
        var feed = Path.Combine(_dir, "feed");
        var tools = Path.Combine(_dir, "tools");
        // A private package cache, so the install takes this build's package and not one cached by an earlier run.
        var env = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(_dir, "packages") };

        var pack = await Repo.RunAsync("dotnet", ["pack", Repo.File("src", "Alerting.Cli", "Alerting.Cli.csproj"), "-c", Repo.Configuration, "--no-build", "-o", feed, "-nologo"],
            TimeSpan.FromMinutes(5), environment: env);
        Assert.True(pack.ExitCode == 0, $"dotnet pack failed:\n{pack.Stdout}{pack.Stderr}");
        var package = Assert.Single(Directory.GetFiles(feed, "Alerting.Cli.*.nupkg"));

        var install = await Repo.RunAsync("dotnet", ["tool", "install", "Alerting.Cli", "--tool-path", tools, "--add-source", feed, "--version", VersionOf(package)],
            TimeSpan.FromMinutes(5), environment: env);
        Assert.True(install.ExitCode == 0, $"dotnet tool install failed:\n{install.Stdout}{install.Stderr}");

        var alerting = Path.Combine(tools, OperatingSystem.IsWindows() ? "alerting.exe" : "alerting");
        Assert.True(File.Exists(alerting), $"no 'alerting' command in {tools}");
        var help = await Repo.RunAsync(alerting, ["--help"], TimeSpan.FromMinutes(1));
        Assert.Equal(0, help.ExitCode);
        var text = help.Stdout + help.Stderr;
        Assert.Contains("check", text, StringComparison.Ordinal);
        Assert.Contains("routes", text, StringComparison.Ordinal);
    }

    private static string VersionOf(string package) => Path.GetFileNameWithoutExtension(package)["Alerting.Cli.".Length..];
}
