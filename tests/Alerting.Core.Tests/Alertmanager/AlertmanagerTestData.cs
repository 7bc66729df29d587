using System.Diagnostics;
using System.Text;

namespace Alerting.Core.Tests.Alertmanager;

/// <summary>Where the Alertmanager tests find their inputs and the reference <c>amtool</c>.</summary>
internal static class AlertmanagerTestData
{
    public const string AmtoolPath = "/usr/bin/amtool";

    public static string FixtureDir => TestPaths.Conformance("alertmanager", "config");

    public static string Fixture(string name) => Path.Combine(FixtureDir, name);

    public static string TestDataDir => Path.Combine(TestPaths.RepoRoot, "tests", "Alerting.Core.Tests", "Alertmanager", "TestData");

    public static bool HasAmtool => File.Exists(AmtoolPath);

    /// <summary>
    /// The <c>alertmanager.yml</c> a seed document shows: the first ```yaml block after the line that
    /// mentions <paramref name="marker"/>. Seeds are users' markdown; we take their config unchanged.
    /// </summary>
    public static string SeedConfig(string seedPrefix, string marker)
    {
        var file = Directory.GetFiles(TestPaths.Seeds, seedPrefix + "*").Single();
        var lines = File.ReadAllLines(file);
        var i = Array.FindIndex(lines, l => l.Contains(marker, StringComparison.Ordinal));
        Assert.True(i >= 0, $"marker '{marker}' not found in {file}");
        while (!lines[i].TrimStart().StartsWith("```yaml", StringComparison.Ordinal))
        {
            i++;
        }
        var sb = new StringBuilder();
        for (i++; !lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal); i++)
        {
            sb.Append(lines[i]).Append('\n');
        }
        return sb.ToString();
    }

    private static readonly Lazy<string> TempRoot = new(() =>
    {
        // The test host is not always shut down gracefully, so also sweep folders of finished runs.
        foreach (var stale in Directory.GetDirectories(Path.GetTempPath(), "alerting-am-tests-*"))
        {
            if (int.TryParse(Path.GetFileName(stale)["alerting-am-tests-".Length..], out var pid) && !ProcessExists(pid))
            {
                try
                {
                    Directory.Delete(stale, recursive: true);
                }
                catch (IOException)
                {
                    // Another run may still be using it.
                }
            }
        }
        var root = Path.Combine(Path.GetTempPath(), "alerting-am-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover temp folder is harmless.
            }
        };
        return root;
    });

    private static bool ProcessExists(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Writes <paramref name="yaml"/> to a fresh temp file (amtool and the CLI need paths).</summary>
    public static string WriteTemp(string yaml, string name = "alertmanager.yml")
    {
        var dir = Path.Combine(TempRoot.Value, Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    public static (int ExitCode, string Stdout, string Stderr) RunAmtool(string workingDir, params string[] args)
    {
        var psi = new ProcessStartInfo(AmtoolPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDir,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>A fact that needs the reference <c>amtool</c>; skipped, saying so, where it is not installed.</summary>
public sealed class AmtoolFactAttribute : FactAttribute
{
    public AmtoolFactAttribute()
    {
        if (!AlertmanagerTestData.HasAmtool)
        {
            Skip = $"amtool not found at {AlertmanagerTestData.AmtoolPath} (install Debian's prometheus-alertmanager to compare with the reference)";
        }
    }
}

/// <summary>A theory that needs the reference <c>amtool</c>; skipped, saying so, where it is not installed.</summary>
public sealed class AmtoolTheoryAttribute : TheoryAttribute
{
    public AmtoolTheoryAttribute()
    {
        if (!AlertmanagerTestData.HasAmtool)
        {
            Skip = $"amtool not found at {AlertmanagerTestData.AmtoolPath} (install Debian's prometheus-alertmanager to compare with the reference)";
        }
    }
}
