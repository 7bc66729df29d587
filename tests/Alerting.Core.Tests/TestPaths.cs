namespace Alerting.Core.Tests;

/// <summary>
/// Locates the repository and the sibling <c>shared/</c> folder (conformance data, seeds) the same way
/// in a developer checkout, a git worktree and CI's fresh clone: walk up from the test binaries.
/// </summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindUp(d => File.Exists(Path.Combine(d, "Alerting.Functions.sln")))
        ?? throw new InvalidOperationException("Alerting.Functions.sln not found above " + AppContext.BaseDirectory);

    public static string SharedDir { get; } = Environment.GetEnvironmentVariable("ALERTING_SHARED_DIR") is { Length: > 0 } env
        ? env
        : Path.Combine(
            FindUp(d => Directory.Exists(Path.Combine(d, "shared", "conformance")), RepoRoot)
                ?? throw new InvalidOperationException("shared/conformance not found above " + RepoRoot),
            "shared");

    public static string Conformance(params string[] parts) => Path.Combine([SharedDir, "conformance", .. parts]);

    public static string Seeds => Path.Combine(SharedDir, "seeds");

    private static string? FindUp(Func<string, bool> found, string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (found(dir.FullName))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
