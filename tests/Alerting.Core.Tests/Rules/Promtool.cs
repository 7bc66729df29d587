using System.Diagnostics;

namespace Alerting.Core.Tests.Rules;

/// <summary>The reference implementation (Debian's promtool, Prometheus 2.42), when installed.</summary>
internal static class Promtool
{
    public static string? Path { get; } = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(File.Exists);

    public static bool Available => Path is not null;

    public static (int Exit, string Stdout, string Stderr) Run(string workDir, params string[] args)
    {
        var psi = new ProcessStartInfo(Path ?? throw new InvalidOperationException("promtool is not installed"))
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.Result);
    }
}

/// <summary>A scratch directory for rule and test files, removed after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("rulestest-").FullName;

    public string Write(string name, string text)
    {
        var full = System.IO.Path.Combine(Path, name);
        File.WriteAllText(full, text);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a leftover temp folder must not fail a test
        }
    }
}

/// <summary>A fact that compares with the reference <c>promtool</c>; skipped, saying so, where it is not installed.</summary>
public sealed class PromtoolFactAttribute : FactAttribute
{
    public PromtoolFactAttribute()
    {
        if (!Promtool.Available)
        {
            Skip = "promtool not found in /usr/bin or /usr/local/bin (install Debian's prometheus to compare with the reference)";
        }
    }
}

/// <summary>A theory that compares with the reference <c>promtool</c>; skipped, saying so, where it is not installed.</summary>
public sealed class PromtoolTheoryAttribute : TheoryAttribute
{
    public PromtoolTheoryAttribute()
    {
        if (!Promtool.Available)
        {
            Skip = "promtool not found in /usr/bin or /usr/local/bin (install Debian's prometheus to compare with the reference)";
        }
    }
}
