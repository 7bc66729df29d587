namespace Alerting.LocalServices;

/// <summary>The repository root, found by walking up from the running binaries (pinned npm tools live under it).</summary>
public static class RepoPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Alerting.Functions.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Alerting.Functions.sln not found above " + AppContext.BaseDirectory);
    }
}
